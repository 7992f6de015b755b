# Everything installs itself into a local virtual environment (.venv), pinned in requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/default.toml
BOARD  ?= sim
LAYOUT ?= flash

.PHONY: all venv sim test test-fast lint mpy bench clean deploy typecheck portal browser

all: test

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q -e .
	touch $@

venv: $(VENV)/.installed

# The default story as a timeline; the picture (states, true and measured distance) in build/.
sim: venv
	@mkdir -p build
	$(PY) -m host_sim run $(SCENARIO) --plot build/sim.png
	@echo "timeline picture: build/sim.png"

# Every tier: firmware compiles for the ESP32 (xtensawin), lint, pytest (CPython + real MicroPython,
# and the organisation's web app in a real headless Chromium).
test: venv mpy lint typecheck browser
	$(PY) -m pytest

# The Debian Chromium the web app's browser test drives through Playwright (never a browser
# download of Playwright's own).
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# The organisation's web app: SQLite in ./timeout-care-data, on http://127.0.0.1:8000/
# (DATABASE_URL=postgres://... for PostgreSQL). The first start creates an administrator.
portal: venv
	$(BIN)/timeout-care portal

lint: venv
	$(BIN)/ruff check firmware boards host_sim care tests tools

# Every board's device tree for the ESP32 instruction set, both ways of installing: .mpy files
# on the flash (build/device/BOARD) and the frozen image + flash (build/device/BOARD-frozen).
mpy: venv
	$(PY) -m tools.devtree

# Every board (and firmware/) type-checked against the MicroPython ESP32 stubs with mypy.
typecheck: venv
	$(PY) tools/typecheck.py

# make deploy BOARD=esp32_devkitc PORT=/dev/ttyUSB0 [LAYOUT=frozen]: the device tree, verified.
deploy: venv
	@test -n "$(PORT)" || (echo "usage: make deploy BOARD=<name> PORT=<serial port>"; exit 2)
	$(PY) -m tools.deploy --board $(BOARD) --port $(PORT) --layout $(LAYOUT)

bench: venv
	$(PY) -m host_sim bench

clean:
	rm -rf $(VENV) build .pytest_cache
