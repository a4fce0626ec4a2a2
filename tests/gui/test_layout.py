"""The window on a laptop screen: every control in reach, the acting line whole,
pane borders that can be seen and grabbed, a start size that fits the screen.

The screen's size is what is tested, so the 1366x700 and 1366x768 checks run
the real app (tests/gui/layout_check.py) on a virtual screen of that size of
their own; the rest uses the suite's screen (1280x800).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.desktop import ROOT, VirtualScreen, xdotool
from tests.gui.conftest import pump_until
from tests.gui.layout_check import out_of_reach, shown_whole

READABLE_LINES = 15   # the explanation must show at least this many lines


def check_on_screen(size: str, tmp_path, *options: str) -> dict:
    """Run layout_check on a virtual screen of ``size``; its findings."""
    with VirtualScreen(f"{size}x24") as screen:
        env = screen.env(dict(os.environ, PYSYSLAB_CONFIG_DIR=str(tmp_path / "config")))
        done = subprocess.run([sys.executable, "-m", "tests.gui.layout_check", *options],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_readable_explanations(measures: dict) -> None:
    short = {k: v for k, v in measures.items()
             if k.endswith("explanation lines") and v < READABLE_LINES}
    assert not short, f"explanations showing fewer than {READABLE_LINES} lines: {short}"


@pytest.mark.gui
@pytest.mark.parametrize("zoom", ["1.0", "1.25"])
def test_every_control_and_the_acting_line_in_reach_on_1366x700(zoom, tmp_path):
    """A window of 1366x700 in all (menu bar included), the zoom set from the View menu."""
    found = check_on_screen("1366x700", tmp_path, "--fill", "--zoom", zoom)
    assert found["measures"]["outer height"] == 700, found["measures"]
    assert found["problems"] == [], "\n".join(found["problems"])
    assert_readable_explanations(found["measures"])


@pytest.mark.gui
def test_window_opens_inside_a_1366x768_screen_with_every_control_in_reach(tmp_path):
    """No saved size: the window picks one that leaves room for a panel and a title bar."""
    found = check_on_screen("1366x768", tmp_path)
    assert found["measures"]["outer height"] <= 700, found["measures"]
    assert found["problems"] == [], "\n".join(found["problems"])
    assert_readable_explanations(found["measures"])


# -- the size at start ----------------------------------------------------------------

def test_start_geometry_fits_the_screen():
    from gui.app import fit_geometry
    laptop = (1366, 768)
    assert fit_geometry("", laptop) == "1260x668"          # 668 + a 32-px menu bar = 700
    assert fit_geometry("1000x600+30+40", laptop) == "1000x600+30+40"   # remembered
    assert fit_geometry("1900x1040+0+0", laptop) == "1350x668+0+0"     # from a big screen
    assert fit_geometry("1000x600+1500+40", laptop) == "1000x600"      # was on another monitor
    assert fit_geometry("1000x600+-8+-30", laptop) == "1000x600"
    assert fit_geometry("not a size", laptop) == "1260x668"
    assert fit_geometry("", (1920, 1080)) == "1260x740"


@pytest.mark.gui
@pytest.mark.parametrize("saved, expected", [
    ("1000x620+20+30", "1000x620+20+30"),
    ("2400x1500+0+0", None),   # bigger than the screen: shrunk to fit
])
def test_saved_window_size_is_used_when_it_fits(saved, expected, tmp_path, monkeypatch):
    import gc

    from gui.app import App
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text(json.dumps({"geometry": saved}))
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(config))
    app = App()
    try:
        app.update()
        if expected:
            assert app.geometry() == expected
        else:
            menu_bar = app.winfo_rooty() - int(app.geometry().split("+")[2])
            assert app.winfo_width() <= app.winfo_screenwidth()
            assert menu_bar + app.winfo_height() <= app.winfo_screenheight() - 68
    finally:
        app.close()
        gc.collect()


# -- pane borders -----------------------------------------------------------------------

def sash_band(panes, index: int) -> list[int]:
    """The positions across the pane border ``index`` where a press grabs it."""
    horizontal = str(panes.cget("orient")) == "horizontal"
    position = panes.sashpos(index)
    middle = (panes.winfo_height() if horizontal else panes.winfo_width()) // 3
    grabbed = []
    for offset in range(position - 4, position + 16):
        x, y = (offset, middle) if horizontal else (middle, offset)
        if str(panes.identify(x, y)) == str(index):
            grabbed.append(offset)
    return grabbed


def screen_colour(app, x: int, y: int) -> tuple:
    from PIL import ImageGrab
    pixel = ImageGrab.grab(bbox=(x, y, x + 1, y + 1), xdisplay=os.environ["DISPLAY"])
    return pixel.getpixel((0, 0))


def check_borders(app, tab) -> None:
    centre = tab.panes.nametowidget(tab.panes.panes()[1])
    for panes, index in ((tab.panes, 0), (tab.panes, 1), (centre, 0)):
        band = sash_band(panes, index)
        assert len(band) >= 6, f"only {len(band)} px of border {index} can be grabbed"
        # Its colour differs from the pane's background beside it: it can be seen.
        horizontal = str(panes.cget("orient")) == "horizontal"
        across = panes.winfo_height() // 3 if horizontal else panes.winfo_width() // 3

        def at(offset, horizontal=horizontal, panes=panes, across=across):
            x, y = (offset, across) if horizontal else (across, offset)
            return screen_colour(app, panes.winfo_rootx() + x, panes.winfo_rooty() + y)
        border = at(band[len(band) // 2])
        assert border != at(band[0] - 3), "the border looks like the pane beside it"


@pytest.mark.gui
def test_pane_borders_can_be_seen_and_grabbed_in_both_themes(app):
    tab = app.select("thread_queue")
    app.update()
    check_borders(app, tab)
    app.toggle_dark()
    app.update()
    check_borders(app, tab)


@pytest.mark.gui
def test_code_pane_widens_when_its_border_is_dragged(app):
    """With the real mouse (xdotool): press on the border, move left, release."""
    tab = app.select("sockets")
    tab.show_code()
    app.geometry("+0+0")
    app.update()
    before = tab.pages.winfo_width()
    band = sash_band(tab.panes, 1)
    x = tab.panes.winfo_rootx() + band[len(band) // 2]
    y = tab.panes.winfo_rooty() + tab.panes.winfo_height() // 3
    display = os.environ["DISPLAY"]
    xdotool("mousemove", str(x), str(y), "mousedown", "1", display=display)
    xdotool("mousemove", str(x - 150), str(y), display=display)
    xdotool("mousemove", str(x - 200), str(y), "mouseup", "1", display=display)
    pump_until(app, lambda: tab.pages.winfo_width() > before + 150, timeout=10)
    # The sockets lesson's longest line is shown whole in the wider pane too.
    source = tab.source
    lines = source.content().splitlines()
    longest = max(range(1, len(lines) + 1), key=lambda n: len(lines[n - 1]))
    source.follow(longest)
    assert shown_whole(source.text.text, longest) is None


# -- the parameters scroll; Run stays in view ------------------------------------------

@pytest.mark.gui
def test_parameters_scroll_under_the_wheel_and_tab_while_run_stays_in_view(app):
    tab = app.select("sockets")
    app.geometry("1260x600+0+0")
    app.set_zoom(2.0)   # the form no longer fits
    for _ in range(3):
        app.update()
    area = tab.form_area
    assert area.scrolls(), "at 200% the sockets form should be taller than its room"
    assert out_of_reach(tab.run_button) is None
    assert out_of_reach(tab.continue_button) is None
    # The wheel over a combobox scrolls the form and leaves the value alone.
    framing = tab.form.inputs["framing"]
    value = framing.get()
    top_before = area.canvas.yview()[0]
    x = framing.winfo_rootx() + framing.winfo_width() // 2
    y = framing.winfo_rooty() + framing.winfo_height() // 2
    xdotool("mousemove", str(x), str(y), "click", "5", display=os.environ["DISPLAY"])
    pump_until(app, lambda: area.canvas.yview()[0] > top_before, timeout=10)
    assert framing.get() == value
    # Back to the top, then Tab to the last field: it is scrolled into view.
    area.canvas.yview_moveto(0)
    app.update()
    last = tab.form.inputs[list(tab.form.inputs)[-1]]
    assert out_of_reach(last) is not None, "the last field starts out of view"
    last.focus_force()
    pump_until(app, lambda: out_of_reach(last) is None, timeout=10)


@pytest.mark.gui
def test_a_refused_value_below_the_view_is_scrolled_into_view(app):
    tab = app.select("sockets")
    app.geometry("1260x600+0+0")
    app.set_zoom(2.0)
    for _ in range(3):
        app.update()
    tab.form_area.canvas.yview_moveto(0)
    last = list(tab.form.inputs)[-1]
    tab.form.set_values({last: "soon"})
    tab.run_button.invoke()
    app.update()
    assert tab.run is None
    message = tab.form.messages[last]
    assert message.cget("text")
    assert out_of_reach(message) is None, out_of_reach(message)


@pytest.mark.gui
def test_left_pane_widens_when_zooming_a_built_tab(app):
    """Zoom in after the tab is on screen: Continue and the form are not cut."""
    tab = app.select("sockets")
    app.geometry("1260x700+0+0")
    app.update()
    app.set_zoom(1.6)
    for _ in range(3):
        app.update()
    for widget in (tab.run_button, tab.stop_button, tab.step_switch, tab.next_button,
                   tab.continue_button):
        assert out_of_reach(widget) is None, out_of_reach(widget)
    assert tab.form_area.winfo_width() >= tab.form.winfo_reqwidth()
