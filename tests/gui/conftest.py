import gc
import os
import time

import pytest

os.environ.setdefault("TTKBOOTSTRAP_STRICT", "1")  # unknown style words are errors


@pytest.fixture(scope="session", autouse=True)
def _tk_once_per_process():
    """Tcl's notifier thread and Xlib's connection stay for the life of the
    process once the first window has opened; open and close one first so the
    leak check only sees what a test leaves."""
    from gui.app import App
    window = App()
    window.update()
    window.close()
    gc.collect()


@pytest.fixture
def app(tmp_path, monkeypatch):
    from gui.app import App
    # A fresh settings folder: what one test typed must not leak into the next.
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path / "config"))
    window = App()
    window.update()
    yield window
    if not window.closed:
        window.close()
    gc.collect()  # see PITFALLS.md: Tk images must not be collected by a worker later


def pump_until(app, predicate, timeout=20.0):
    """Let the real event loop run until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.update()
        if predicate():
            return True
        time.sleep(0.01)
    raise AssertionError(f"condition not met within {timeout} s")
