# PySysLab: `make run` starts the app, `make test` runs every test.
# Both create .venv and install what they need on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# PyInstaller comes with the `build` extra, only for the targets that build the executable.
BUILD_STAMP := $(VENV)/.installed-build
SUDO   := $(shell [ "$$(id -u)" = 0 ] && echo "" || (command -v sudo >/dev/null && echo sudo -n))

.PHONY: run test test-stress test-engine test-gui lint bench soak screenshot screenshots exe exe-onefile exe-smoke \
        install-desktop uninstall-desktop system-deps check-python clean

run: $(STAMP)
	$(PY) -m gui

test: $(STAMP) system-deps
	$(PY) -m pytest

# The suite three ways: pinned to one core, beside a busy loop on every core, and as is.
# All three must pass: no test may depend on how fast the machine is. Not part of CI.
test-stress: $(STAMP) system-deps
	$(PY) scripts/test_stress.py $(ARGS)

test-engine: $(STAMP)
	$(PY) -m pytest tests/engine

# ruff for the code; actionlint for the GitHub workflows (release.yml builds the
# executables on Windows, macOS and Linux).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/actionlint .github/workflows/*.yml

# The benchmarks that time the executable (startup, runstart) time a fresh onedir
# build of this checkout: it is built first (quick when nothing changed).
bench: $(STAMP) system-deps
	@if [ -z "$(BENCH)" ] || echo " $(BENCH) " | grep -qE ' (startup|runstart) '; then \
		$(MAKE) --no-print-directory exe; fi
	$(PY) -m tests.bench $(BENCH)

# Every lesson 50 times through the engine and 10 times in the real window (Xvfb);
# prints what the runs left behind and the worst stop time, and writes docs/reliability.md.
soak: $(STAMP) system-deps
	$(PY) scripts/soak.py

screenshot: $(STAMP) system-deps
	$(PY) scripts/screenshot.py $(LESSONS)

# Every lesson's README picture, taken mid-run on a virtual screen (docs/screenshots/).
screenshots: $(STAMP) system-deps
	$(PY) scripts/screenshot.py

# The standalone executable (PyInstaller; see build.spec). Each build keeps its own
# work folder, so switching between the two does not throw away the other's cache.
PYINSTALLER := $(VENV)/bin/pyinstaller --noconfirm --log-level WARN
EXE_DIR     := dist/pysyslab
EXE         := $(EXE_DIR)/pysyslab

exe: $(BUILD_STAMP)
	$(PYINSTALLER) --workpath build/onedir build.spec
	@echo "built $(EXE)  (check it: $(EXE) --self-test)"

exe-onefile: $(BUILD_STAMP)
	$(PYINSTALLER) --workpath build/onefile build.spec -- --onefile
	@echo "built dist/onefile/pysyslab  (check it: dist/onefile/pysyslab --self-test)"

# Build onedir, self-test it with no display, then use it on Xvfb as a person would.
exe-smoke: exe system-deps
	$(PY) scripts/exe_smoke.py --exe $(EXE)

# A menu entry (freedesktop .desktop file) and icons for the built executable.
XDG_DATA_HOME ?= $(HOME)/.local/share
DESKTOP_FILE  := $(XDG_DATA_HOME)/applications/pysyslab.desktop
ICON_SIZES    := 16 24 32 48 64 128 256 512

install-desktop:
	@[ -x $(EXE) ] || { echo "error: no executable at $(EXE); build it first with: make exe"; exit 1; }
	@for s in $(ICON_SIZES); do \
		install -D -m 644 assets/pysyslab-$$s.png \
			"$(XDG_DATA_HOME)/icons/hicolor/$${s}x$${s}/apps/pysyslab.png" || exit 1; done
	@mkdir -p "$(dir $(DESKTOP_FILE))"
	@printf '%s\n' '[Desktop Entry]' 'Type=Application' 'Version=1.0' 'Name=PySysLab' \
		'GenericName=Python system programming lab' \
		'Comment=Learn Python system programming by watching it run' \
		'TryExec=$(CURDIR)/$(EXE)' 'Exec="$(CURDIR)/$(EXE)"' 'Icon=pysyslab' \
		'Terminal=false' 'Categories=Education;Development;' \
		> "$(DESKTOP_FILE)"
	@chmod 644 "$(DESKTOP_FILE)"
	@-command -v update-desktop-database >/dev/null && \
		update-desktop-database "$(XDG_DATA_HOME)/applications" 2>/dev/null; true
	@touch "$(XDG_DATA_HOME)/icons/hicolor"  # a newer folder tells icon caches to look again
	@echo "installed $(DESKTOP_FILE) -> $(CURDIR)/$(EXE)"

uninstall-desktop:
	rm -f "$(DESKTOP_FILE)"
	@for s in $(ICON_SIZES); do rm -f "$(XDG_DATA_HOME)/icons/hicolor/$${s}x$${s}/apps/pysyslab.png"; done
	@-[ -d "$(XDG_DATA_HOME)/icons/hicolor" ] && touch "$(XDG_DATA_HOME)/icons/hicolor"; true
	@-command -v update-desktop-database >/dev/null && \
		update-desktop-database "$(XDG_DATA_HOME)/applications" 2>/dev/null; true
	@echo "removed the PySysLab menu entry and icons"

check-python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. Install Python 3.10+ (Debian/Ubuntu: sudo apt-get install python3 python3-venv python3-tk)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "error: PySysLab needs Python 3.10 or newer"; exit 1; }
	@$(PYTHON) -c 'import tkinter' 2>/dev/null || { echo "error: $(PYTHON) has no tkinter. Install it with: sudo apt-get install python3-tk"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "error: $(PYTHON) cannot make a virtual environment. Install it with: sudo apt-get install python3-venv"; exit 1; }

$(STAMP): pyproject.toml | check-python
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

$(BUILD_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,build]' --config-settings editable_mode=compat
	@touch $(BUILD_STAMP)

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
