"""The real window of tests/gui (its fixtures), for the GUI parts of this suite."""

from tests.gui.conftest import _tk_once_per_process, app  # noqa: F401
