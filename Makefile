# PySysLab: `make run` starts the app, `make test` runs every test.
# Both create .venv and install what they need on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] && echo "" || (command -v sudo >/dev/null && echo sudo -n))

.PHONY: run test test-engine test-gui lint bench soak screenshot exe exe-onefile exe-smoke \
        install-desktop uninstall-desktop system-deps check-python clean

run: $(STAMP)
	$(PY) -m gui

test: $(STAMP) system-deps
	$(PY) -m pytest

test-engine: $(STAMP)
	$(PY) -m pytest tests/engine

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP) system-deps
	$(PY) -m tests.bench $(BENCH)

screenshot: $(STAMP) system-deps
	$(PY) scripts/screenshot.py $(LESSONS)

check-python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. Install Python 3.10+ (Debian/Ubuntu: sudo apt-get install python3 python3-venv python3-tk)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "error: PySysLab needs Python 3.10 or newer"; exit 1; }
	@$(PYTHON) -c 'import tkinter' 2>/dev/null || { echo "error: $(PYTHON) has no tkinter. Install it with: sudo apt-get install python3-tk"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "error: $(PYTHON) cannot make a virtual environment. Install it with: sudo apt-get install python3-venv"; exit 1; }

$(STAMP): pyproject.toml | check-python
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Xvfb (the virtual screen for the GUI tests) and xdotool (clicks like a person).
system-deps:
	@if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then \
		echo "error: the GUI tests need Xvfb and xdotool. Install them with:"; \
		echo "    sudo apt-get install xvfb xdotool"; exit 1; fi; \
	echo "Installing Xvfb and xdotool with apt-get..."; \
	$(SUDO) apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq xvfb xdotool >/dev/null

clean:
	rm -rf build dist .pytest_cache
