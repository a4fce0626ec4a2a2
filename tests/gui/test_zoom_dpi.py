"""Zoom and screen DPI reach every widget: canvas text and row heights of the
timeline, the sequence diagram and the histogram, table rows and wrap widths.

The DPI tests start their own Xvfb (at -dpi 192, or with Xft.dpi in its X
resources) and run the real app there in a child process, since this
process's Tk is bound to pytest-xvfb's screen.
"""

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import tkinter.font as tkfont
from pathlib import Path

import pytest
import ttkbootstrap as ttk

from engine.events import Event
from gui.scaling import parse_xft_dpi, xft_dpi
from gui.widgets.wraplabel import EDGE_PX, NARROWEST_PX

ROOT = Path(__file__).resolve().parents[2]


def overlapping(boxes):
    """Pairs of (x1, y1, x2, y2) boxes that share some area."""
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


def height(box):
    return box[3] - box[1]


def lane_events(n_lanes):
    events = []
    for i in range(n_lanes):
        actor = f"thread-{i} pid {100 + i}"
        events.append(Event(t=0.1 * i, actor=actor, kind="state", text="waits",
                            data={"lane": "waiting", "depth": i}, seq=2 * i + 1))
        events.append(Event(t=0.1 * i + 0.05, actor=actor, kind="log", text="holds",
                            data={"lane": "holding"}, seq=2 * i + 2))
    return events


def arrow_events():
    return [Event(t=0.1 * i, actor=f"client-{i}", kind="log", text="sent",
                  data={"seq": kind, "from": f"client-{i}", "to": "server", "bytes": 100})
            for i, kind in enumerate(("connect", "send", "recv", "close"))]


def measure_everything(app):
    """What each widget draws, as boxes and heights in pixels, read from the live widgets."""
    mutex = app.select("mutex")
    timeline = mutex.timeline
    timeline.flush()
    app.update()
    names = [timeline.body.bbox(item) for item in timeline.body.find_withtag("name")]
    ticks = [timeline.head.bbox(item) for item in timeline.head.find_withtag("axis")
             if timeline.head.type(item) == "text"]
    sockets = app.select("sockets")
    app.update()
    diagram = sockets.diagram
    labels = [diagram.body.bbox(item) for item in diagram.body.find_withtag("arrow")
              if diagram.body.type(item) == "text"]
    parties = [diagram.header.bbox(item) for item in diagram.header.find_withtag("lane-name")]
    filescan = app.select("filescan")
    app.update()
    histogram = filescan.histogram.canvas
    bars = [histogram.bbox(item) for item in histogram.find_all()
            if histogram.type(item) == "text"]
    style = ttk.Style.get_instance()
    row_font = style.lookup("Treeview", "font") or "TkDefaultFont"
    return {
        "lane_h": timeline.LANE_H, "names": names,
        "axis_h": timeline.AXIS_H, "ticks": ticks,
        "row": diagram.ROW, "labels": labels, "header": diagram.HEADER, "parties": parties,
        "histogram_h": histogram.winfo_height(), "bars": bars,
        "rowheight": int(style.lookup("Treeview", "rowheight")),
        "row_text": tkfont.nametofont(row_font).metrics("linespace"),
        "wrap": int(str(mutex.status_label.cget("wraplength"))),
        "wrap_room": mutex.status_label.winfo_width(),
        "size_column": int(filescan.table.tree.column("size", "width")),
        "counter": tkfont.Font(font=mutex.problems_label.cget("font")).actual("size"),
        "h1": tkfont.Font(font=mutex.explanation.text.text.tag_cget("h1", "font"))
                    .metrics("linespace"),
    }


def check_text_fits(sizes):
    """Every text fits the row or band it is drawn in, and no two lane names overlap."""
    assert not overlapping(sizes["names"]), "lane names overlap"
    assert all(height(box) <= sizes["lane_h"] for box in sizes["names"]), sizes
    assert all(box[3] <= sizes["axis_h"] + 1 for box in sizes["ticks"]), sizes
    assert all(height(box) <= sizes["row"] for box in sizes["labels"]), sizes
    assert all(height(box) <= sizes["header"] for box in sizes["parties"]), sizes
    if sizes["histogram_h"] >= 40:   # below that the pane layout left it no room to draw
        assert all(box[3] <= sizes["histogram_h"] for box in sizes["bars"]), (
            sizes["histogram_h"], sizes["bars"])
    assert sizes["rowheight"] >= sizes["row_text"] + 2, "table rows clip their text"


def test_zoom_grows_canvas_rows_tables_and_wrap_widths(app):
    app.geometry("1900x1150+0+0")   # room for every pane: this is about sizes, not layout
    mutex = app.select("mutex")
    mutex.on_events(lane_events(6))
    sockets = app.select("sockets")
    sockets.diagram.add(arrow_events())
    filescan = app.select("filescan")
    filescan.histogram.show([3, 10, 40, 80, 60, 20, 5, 1, 0, 2, 7, 30, 12])
    app.update()
    before = measure_everything(app)
    check_text_fits(before)

    app.set_zoom(1.25)
    app.update()
    after = measure_everything(app)
    check_text_fits(after)
    assert after["lane_h"] > before["lane_h"] and after["row"] > before["row"]
    assert after["axis_h"] > before["axis_h"] and after["header"] > before["header"]
    for key in ("names", "ticks", "labels", "parties", "bars"):   # the text itself grew
        assert max(map(height, after[key])) > max(map(height, before[key])), key
    assert after["rowheight"] > before["rowheight"]
    assert abs(after["size_column"] - before["size_column"] * 1.25) <= 1
    # The status line wraps at the width it is given, whatever the zoom (WrapLabel).
    assert after["wrap"] == max(NARROWEST_PX, after["wrap_room"] - EDGE_PX)
    assert after["counter"] > before["counter"] and after["h1"] > before["h1"]
    app.toggle_dark()          # a theme switch rebuilds the styles: rows stay tall
    app.update()
    assert measure_everything(app)["rowheight"] == after["rowheight"]
    # The run so far is still all there, drawn again at the new size.
    assert len(mutex.timeline.lanes) == 6 and len(sockets.diagram.arrows) == 4

    app.set_zoom(1.0)
    app.update()
    # Back at 100%, everything is as tall as at first (lanes of the diagram
    # may now be spread wider: it measured its width again).
    assert vertical(measure_everything(app)) == vertical(before)


def vertical(sizes):
    """The sizes without horizontal positions."""
    return {key: [(box[1], box[3]) for box in value] if isinstance(value, list) else value
            for key, value in sizes.items()}


def test_export_button_keeps_its_text_at_125_percent(app):
    app.geometry("1366x700+0+0")
    tab = app.select("filescan")
    app.set_zoom(1.25)
    app.update()
    button = tab.export_button
    assert button.winfo_width() >= button.winfo_reqwidth(), "Export CSV… is clipped"


def test_xft_dpi_is_read_from_the_resources_text():
    assert parse_xft_dpi("Xcursor.size:\t24\nXft.dpi:\t192\n") == 192
    assert parse_xft_dpi("Xft.antialias:\t1\n") is None
    assert parse_xft_dpi("Xft.dpi:\tlots\n") is None
    assert parse_xft_dpi("Xft.dpi: 5000\n") is None


# -- a screen of our own --------------------------------------------------------
@pytest.fixture
def own_screen():
    """Start Xvfb with the given options; yields its display name; ends it after."""
    started = []

    def start(*options):
        read, write = os.pipe()
        server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp",
                                   "-noreset", "-screen", "0", "1920x1080x24", *options],
                                  pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        started.append(server)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        return f":{number}"
    yield start
    for server in started:
        server.terminate()
        server.wait(10)


def set_x_resources(display, text):
    """Put ``text`` in the screen's RESOURCE_MANAGER property, as xrdb would."""
    xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XChangeProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong,
                                     ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                     ctypes.c_char_p, ctypes.c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    assert connection, f"cannot open {display}"
    data = text.encode()
    xa_string, replace = 31, 0
    xlib.XChangeProperty(connection, xlib.XDefaultRootWindow(connection),
                         xlib.XInternAtom(connection, b"RESOURCE_MANAGER", 0),
                         xa_string, 8, replace, data, len(data))
    xlib.XCloseDisplay(connection)   # flushes; -noreset keeps the property


PROBE = """
import json
from gui.app import App
from tests.gui.conftest import pump_until
from tests.gui.test_zoom_dpi import arrow_events, measure_everything

app = App()
app.geometry("1900x1000+0+0")
mutex = app.select("mutex")
mutex.form.set_values({"threads": 6, "lines": 2, "delay": 0.0})
mutex.run_button.invoke()
pump_until(app, lambda: mutex.state == "done")
app.select("sockets").diagram.add(arrow_events())
app.select("filescan").histogram.show([3, 10, 40, 80, 60, 20, 5, 1, 0, 2, 7, 30])
app.update()
sizes = measure_everything(app)
sizes["scaling"] = float(app.tk.call("tk", "scaling"))
sizes["lanes"] = len(mutex.timeline.lanes)
app.close()
print(json.dumps(sizes))
"""


def run_app_on(display, tmp_path):
    env = dict(os.environ, DISPLAY=display, PYSYSLAB_CONFIG_DIR=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_on_a_192_dpi_screen_lanes_and_rows_grow_with_the_text(own_screen, tmp_path):
    sizes = run_app_on(own_screen("-dpi", "192"), tmp_path)
    assert abs(sizes["scaling"] - 192 / 72) < 0.01     # Tk took the server's DPI
    assert sizes["lanes"] >= 7                         # main and six threads
    check_text_fits(sizes)
    assert sizes["lane_h"] >= 2 * 22 * 0.75 and sizes["rowheight"] >= 2 * 17
    assert sizes["size_column"] == 2 * 90      # 192 dpi is twice the 96 it was set for


def test_xft_dpi_sets_the_scale_at_start(own_screen, tmp_path):
    display = own_screen()             # the server says about 100 dpi...
    set_x_resources(display, "Xft.antialias:\t1\nXft.dpi:\t192\n")   # ...the desktop 192
    assert xft_dpi(display) == 192
    sizes = run_app_on(display, tmp_path)
    assert abs(sizes["scaling"] - 192 / 72) < 0.01
    check_text_fits(sizes)


def test_a_chosen_zoom_applies_on_top_of_the_screen_dpi(app):
    """Zoom is the person's own factor: it is restored as chosen, and the DPI scale
    (Tk scaling) is not replaced by it."""
    scaling = float(app.tk.call("tk", "scaling"))
    app.set_zoom(1.25)
    app.close()
    from gui.app import App
    second = App()
    try:
        assert second.zoom == 1.25
        assert float(second.tk.call("tk", "scaling")) == pytest.approx(scaling)
    finally:
        second.set_zoom(1.0)
        second.close()


def test_the_dpi_probe_stays_connected_until_the_window_has_its_own_connection(app):
    """An X server resets itself when its last client leaves (a fresh Xvfb: ~25 ms of
    the server's time as Tk connects): start_scaling keeps the connection it read
    Xft.dpi through open; the window closes it once Tk is connected."""
    from gui import scaling
    from gui.app import App
    app.close()
    scaling.start_scaling()
    assert len(scaling._held) == 1, "the probe's connection was closed at once"
    scaling.close_dpi_probe()
    assert scaling._held == []
    window = App()
    try:
        assert scaling._held == [], "the window left the probe's connection open"
    finally:
        window.close()
