"""PySysLab's window: Tk and ttkbootstrap, main thread only (see DESIGN.md)."""

# The version when no package metadata is at hand (a frozen executable, a bare
# checkout). Keep it equal to pyproject.toml's; tests/gui/test_about.py checks.
__version__ = "0.1.0"
