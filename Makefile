# Everything installs itself into a local virtual environment (.venv), pinned in requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/default.toml
BOARD  ?= sim
LAYOUT ?= flash

.PHONY: all venv sim test test-long test-fast lint mpy bench clean deploy typecheck portal \
	browser speech-tools figures campaign test-postgres

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
# the detector's speech corpus, and the organisation's web app in a real headless Chromium).
# The tests are spread over two processes (pytest-xdist); tests that read one scenario's run
# share a process with it (--dist loadgroup). The week demo is in test-long.
test: venv speech-tools mpy lint typecheck browser
	$(PY) -m pytest -n 2 --dist loadgroup

# The scenarios that simulate more than a day (the week demo), about as long as make test.
test-long: venv
	$(PY) -m pytest -m long

# The Debian Chromium the web app's browser test drives through Playwright (never a browser
# download of Playwright's own).
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

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

# The organisation's web app: SQLite in ./timeout-care-data, on http://127.0.0.1:8000/
# (DATABASE_URL=postgres://... for PostgreSQL). The first start creates an administrator.
portal: venv
	$(BIN)/timeout-care portal

# The web app's tests on a real PostgreSQL server: a throwaway cluster in a temporary folder
# (Debian's postgresql, installed when missing), migrations and tests/test_portal.py against it.
# Opt-in, not part of make test (docs/portal.md).
test-postgres: venv
	$(PY) -m tools.pg_test

lint: venv
	$(BIN)/ruff check firmware boards host_sim care dsp_lab tests tools

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

# The long fault campaign: thousands of random stories with random faults (make test runs 200).
SEEDS ?= 5000
campaign: venv
	$(PY) -m host_sim campaign --runs $(SEEDS) --seed 1

bench: venv
	$(PY) -m host_sim bench

clean:
	rm -rf $(VENV) build .pytest_cache
