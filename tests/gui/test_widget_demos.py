"""Every widget of gui/widgets can be looked at alone, on sample data.

Each widget module has a ``demo(parent)``; ``python -m gui.widgets.<name>``
opens it in a small window (gui/widgets/demo.py).
"""

import gc
import importlib
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gui.widgets
from gui.widgets.demo import demo_window, sample_run

ROOT = Path(__file__).resolve().parents[2]
NOT_WIDGETS = {"demo", "lanes"}   # the demo window itself; the timeline's rules (no Tk)
WIDGET_MODULES = sorted(m.name for m in pkgutil.iter_modules(gui.widgets.__path__)
                        if m.name not in NOT_WIDGETS)


def test_the_widgets_are_all_here():
    assert {"logview", "sourceview", "explain", "paramsform", "timeline", "seqdiagram",
            "histogram", "filetable", "exports", "scrollarea"} <= set(WIDGET_MODULES)


def shows(widget) -> int:
    """How much one widget shows: canvas items, characters, table rows, label text."""
    kind = widget.winfo_class()
    if kind == "Canvas":
        return len(widget.find_all())
    if kind == "Text":
        return len(widget.get("1.0", "end-1c"))
    if kind == "Treeview":
        return len(widget.get_children())
    if kind == "TLabel":
        return len(str(widget.cget("text"))) + bool(str(widget.cget("image")))
    if kind == "TEntry":
        return len(widget.get())
    return 0


def drawn_items(widget) -> int:
    """How much ``widget`` and everything inside it show."""
    return sum(shows(child) for child in (widget, *all_children(widget)))


def all_children(widget):
    for child in widget.winfo_children():
        yield child
        yield from all_children(child)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", WIDGET_MODULES)
def test_each_widget_demo_builds_and_shows_its_sample(name, dark):
    module = importlib.import_module(f"gui.widgets.{name}")
    assert callable(getattr(module, "demo", None)), f"gui/widgets/{name}.py has no demo()"
    window = demo_window(module.demo, name, dark=dark)
    try:
        window.update()
        widget = window.demo_widget
        assert widget.winfo_viewable(), f"the {name} demo's widget is not on screen"
        assert widget.winfo_width() > 50 and widget.winfo_height() > 50
        assert drawn_items(widget) > 0, f"the {name} demo shows nothing"
        window.toggle_theme()   # the demo window's own switch: nothing breaks on a redraw
        window.update()
    finally:
        window.destroy()
        gc.collect()   # see PITFALLS.md: Tk images must not be collected by a worker later


def test_the_timeline_rules_run_alone_as_text():
    done = subprocess.run([sys.executable, "-m", "gui.widgets.lanes"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    actors = {event.actor for event in sample_run() if isinstance(event.data, dict)
              and event.data.get("lane") not in (None, "idle")}
    assert {line.split("  ")[0].strip() for line in done.stdout.splitlines()} == actors


def window_titled(title: str) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                           capture_output=True, text=True, timeout=60)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("name, title", [("timeline", "Timeline"), ("exports", "Export")])
def test_python_dash_m_opens_the_demo_window(name, title):
    """The real entry point: its window appears and stays open, with no error."""
    child = subprocess.Popen([sys.executable, "-m", f"gui.widgets.{name}"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120   # generous: a loaded machine starts Python slowly
        while not window_titled(f"{title}: demo"):
            assert child.poll() is None, f"the demo exited with {child.returncode}"
            assert time.monotonic() < deadline, f"no window {title!r} within 120 s"
            time.sleep(0.1)
        assert child.poll() is None, "the demo window closed on its own"
    finally:
        child.terminate()
        _, err = child.communicate(timeout=60)
    assert "Traceback" not in err, err
