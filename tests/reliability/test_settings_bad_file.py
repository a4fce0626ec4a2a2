"""Whatever is in the settings file, the app starts, and says what it did in one line.

(Issue 13, point 4.) Every case starts the real window with a settings file
written by hand, as a careless or hostile user may leave it:

* a file that cannot be settings as a whole (valid JSON of the wrong shape,
  not JSON, not UTF-8, nested too deep, too big, a FIFO or a folder in its
  place) is renamed aside, unchanged, and every setting is the default;
* a value of the wrong type or out of range (huge numbers, NaN, negative
  sizes, text where numbers go and the reverse, nested junk, text Tk cannot
  show, form values the lesson refuses) falls back to its default, and every
  other value is kept.

Either way the status bar shows one message (the log has it once, as a
warning), and the file the app saves on closing loads cleanly: a bad value
is never written back.

A saved window place is fitted to this screen: wherever the file puts the
window, and however big, all of it is on the screen, menu bar included, and
it is saved there. Those cases, and the FIFO that once hung the start for
good, run the app in a child process: a window bigger than the X server can
draw ended the old app with an X error, which would take pytest with it.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import subprocess
import sys
import tkinter

import pytest

from gui.settings import Settings
from tests.reliability.lessons import REPO

ASIDE = "set aside"
HUGE = "1" + "0" * 400     # more than a float can hold
LONGEST = "9" * 5000       # more digits than int() takes
FORM_LESSONS = ("mutex", "pipes", "sockets", "filescan")

#: One of each kind of setting, every value unlike its default.
GOOD = {"theme": "dark", "zoom": 1.25, "speed": 2.0, "last_tab": "mutex",
        "geometry": "1000x700+30+40", "last_folder": "/home/learner/project",
        "params": {"mutex": {"lines": "7"}}}

WHOLE_FILE_CASES = [
    ("a list", b"[1, 2]"),
    ("a string", b'"dark"'),
    ("a number", b"1.5"),
    ("null", b"null"),
    ("empty", b""),
    ("not JSON", b"{ this is not json"),
    ("not UTF-8", b'{"theme": "dark", "last_folder": "/home/caf\xe9"}'),
    ("nested 100000 deep", b'{"params": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ("bigger than 1 MiB", b'{"theme": "dark", "notes": "' + b"x" * (1 << 20) + b'"}'),
]

# (case, {key: raw JSON text that replaces GOOD's value}, names reset to defaults)
VALUE_CASES = [
    ("a speed too big for a float", {"speed": HUGE}, ["speed"]),
    ("a zoom of 5000 digits", {"zoom": LONGEST}, ["zoom"]),
    ("NaN and Infinity", {"zoom": "NaN", "speed": "Infinity"}, ["zoom", "speed"]),
    ("negative numbers", {"zoom": "-1.25", "speed": "-2"}, ["zoom", "speed"]),
    ("numbers out of range", {"zoom": "7", "speed": "1e-9"}, ["zoom", "speed"]),
    ("text where numbers go", {"zoom": '"big"', "speed": '"fast"'}, ["zoom", "speed"]),
    ("a yes/no where a number goes", {"speed": "true"}, ["speed"]),
    ("numbers where text goes", {"theme": "1", "last_tab": "7", "geometry": "5",
                                 "last_folder": "3.5"},
     ["theme", "geometry", "last_tab", "last_folder"]),
    ("nested junk where text goes", {"theme": '{"a": [1, {"b": null}]}',
                                      "last_tab": '[["mutex"]]'}, ["theme", "last_tab"]),
    ("an unknown theme", {"theme": '"purple"'}, ["theme"]),
    ("a lesson this version lacks", {"last_tab": '"no-such-lesson"'}, ["last_tab"]),
    ("a negative window size", {"geometry": '"-5x-5"'}, ["geometry"]),
    ("not a geometry", {"geometry": '"wide"'}, ["geometry"]),
    ("a folder Tk cannot show", {"last_folder": '"/home/\\ud800"'}, ["last_folder"]),
    ("a folder with a NUL", {"last_folder": '"/tmp/a\\u0000b"'}, ["last_folder"]),
    ("a long integer where text goes", {"last_folder": "1" + "0" * 40}, ["last_folder"]),
    ("params not an object", {"params": '"abc"'}, ["params"]),
    ("a lesson's values not an object", {"params": '{"mutex": "abc"}'}, ["params.mutex"]),
    ("nested junk in a field",
     {"params": '{"mutex": {"threads": [1, [2, {"x": null}]], "lines": "7"}}'},
     ["params.mutex.threads"]),
    ("a yes/no that is neither", {"params": '{"mutex": {"lock": "maybe", "lines": "7"}}'},
     ["params.mutex.lock"]),
    ("a field out of range", {"params": '{"mutex": {"threads": "-3", "lines": "7"}}'},
     ["params.mutex.threads"]),
    ("a choice not offered",
     {"params": '{"pipes": {"framing": "smoke signals"}, "mutex": {"lines": "7"}}'},
     ["params.pipes.framing"]),
    ("a huge number in a field",
     {"params": '{"sockets": {"size": 1e400}, "mutex": {"lines": "7"}}'},
     ["params.sockets.size"]),
    ("names Tk cannot show",
     {"params": '{"mutex": {"\\udcff": "1", "lines": "7"}, "\\ud800": {}}'},
     ["params.mutex.\\udcff", "params.\\ud800"]),
    ("a field Tk cannot show",
     {"params": '{"filescan": {"ext": "\\udcff.py"}, "mutex": {"lines": "7"}}'},
     ["params.filescan.ext"]),
    ("everything at once",
     {"theme": "0", "zoom": "NaN", "speed": HUGE, "geometry": '"-1x-1"', "last_tab": "[]",
      "last_folder": "{}", "params": '{"mutex": {"lock": 3, "threads": "x", "lines": "7"}}'},
     ["theme", "zoom", "geometry", "last_tab", "last_folder", "speed", "params.mutex.lock",
      "params.mutex.threads"]),
]


def settings_text(bad: dict[str, str]) -> bytes:
    """GOOD as JSON, with the values in ``bad`` (raw JSON text) in place of GOOD's."""
    parts = [f"{json.dumps(key)}: {bad[key] if key in bad else json.dumps(value)}"
             for key, value in GOOD.items()]
    return ("{" + ", ".join(parts) + "}").encode()


# -- starting the app --------------------------------------------------------------------
def start_app(config, monkeypatch):
    """The real window, as tests/gui builds it, with the settings in ``config``."""
    from gui.app import App
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(config))
    try:
        app = App()
    except BaseException:
        root = tkinter._default_root   # the half-built window must not stop the next test
        if root is not None:
            root.destroy()
        raise
    app.update()
    return app


def observe(app) -> dict:
    """What the window shows of each setting."""
    seen = {"theme": app.theme_mode, "zoom": app.zoom, "speed": app.speed,
            "last_tab": app.current_tab().lesson.id, "geometry": app.geometry(),
            "status": app.status.cget("text")}
    for lesson in FORM_LESSONS:
        seen[lesson] = app.select(lesson).form.raw_values()
        app.update()   # the source view colours itself when idle: before the close
    return seen


def close(app) -> None:
    app.close()
    gc.collect()


def start_with_file(text: bytes, config, monkeypatch) -> tuple[dict, str]:
    """Start the window with ``text`` as its settings file, look, close it.

    Returns what it showed of each setting, and its status line.
    """
    (config / "settings.json").write_bytes(text)
    app = start_app(config, monkeypatch)
    try:
        seen = observe(app)
    finally:
        close(app)
    return seen, seen.pop("status")


def warnings_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and r.name.startswith("gui")]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """What the window shows with no settings file, and with GOOD."""
    seen = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, text in (("defaults", None), ("good", settings_text({}))):
            config = tmp_path_factory.mktemp(name)
            if text is not None:
                (config / "settings.json").write_bytes(text)
            app = start_app(config, monkeypatch)
            seen[name] = observe(app)
            close(app)
    differ = [key for key in GOOD if key in seen["good"]
              and seen["good"][key] == seen["defaults"][key]]
    assert differ == [], f"GOOD must differ from the defaults in every setting: {differ}"
    assert seen["good"]["mutex"]["lines"] == "7"
    return seen


def expected_view(baseline: dict, bad: dict[str, str], reset: list[str]) -> dict:
    """GOOD's view, but the defaults' for each value that was reset."""
    good, defaults = baseline["good"], baseline["defaults"]
    view = {key: value for key, value in good.items() if key != "status"}
    for key in bad.keys() & {"theme", "zoom", "speed", "last_tab", "geometry"}:
        view[key] = defaults[key]
    if "last_folder" in bad:   # the Find files form starts in the last folder
        view["filescan"] = dict(good["filescan"], root=defaults["filescan"]["root"])
    if "params" in bad:
        saved = json.loads(bad["params"]) if bad["params"].startswith("{") else {}
        for lesson in FORM_LESSONS:
            view[lesson] = dict(defaults[lesson])
            if lesson == "filescan":
                view[lesson]["root"] = view["filescan"]["root"] if "last_folder" in bad \
                    else good["filescan"]["root"]
            fields = saved.get(lesson)
            for name, value in (fields.items() if isinstance(fields, dict) else ()):
                if name in view[lesson] and f"params.{lesson}.{name}" not in reset:
                    view[lesson][name] = value
    return view


# -- the cases -----------------------------------------------------------------------------
@pytest.mark.gui
@pytest.mark.parametrize("case,bad,reset", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_a_bad_value_falls_back_to_its_default_and_the_rest_is_kept(
        case, bad, reset, baseline, tmp_path, monkeypatch, caplog):
    seen, status = start_with_file(settings_text(bad), tmp_path, monkeypatch)
    assert seen == expected_view(baseline, bad, reset)
    shown = reset[:6]
    assert all(name in status for name in shown), f"{reset} not all named in: {status}"
    if len(reset) > len(shown):
        assert f"and {len(reset) - len(shown)} more" in status, status
    assert "reset to their defaults" in status and "\n" not in status, status
    assert warnings_logged(caplog) == [status]
    assert sorted(os.listdir(tmp_path)) == ["settings.json"], "only a whole file is set aside"
    assert Settings(tmp_path / "settings.json").load().problem is None, \
        "a bad value was saved again"


@pytest.mark.gui
@pytest.mark.parametrize("case,text", WHOLE_FILE_CASES, ids=[c[0] for c in WHOLE_FILE_CASES])
def test_a_file_unusable_as_a_whole_is_set_aside_and_the_app_starts_with_defaults(
        case, text, baseline, tmp_path, monkeypatch, caplog):
    seen, status = start_with_file(text, tmp_path, monkeypatch)
    assert seen == {key: value for key, value in baseline["defaults"].items()
                    if key != "status"}
    aside = list(tmp_path.glob("settings.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_bytes() == text, "set aside as it was"
    assert f"renamed to {aside[0]}" in status and "\n" not in status, status
    assert warnings_logged(caplog) == [status]
    assert Settings(tmp_path / "settings.json").load().problem is None


# -- in a child process: what could hang or kill the test's own process ------------------------
CHILD = """
import json
from gui.app import App
app = App(staged=True)
while not app.complete:
    app.update()
app.update()
# On X11 the menu bar is drawn by a clone of the menu, a child of "." named ".#...".
bars = [w for w in app.tk.splitlist(app.tk.call("winfo", "children", "."))
        if w.startswith(".#") and app.tk.call("winfo", "class", w) == "Menu"]
menu = int(app.tk.call("winfo", "height", bars[0])) if bars else 0
print(json.dumps({"status": app.status.cget("text"), "geometry": app.geometry(),
                  "left": app.winfo_rootx(), "top": app.winfo_rooty() - menu,
                  "right": app.winfo_rootx() + app.winfo_width(),
                  "bottom": app.winfo_rooty() + app.winfo_height(),
                  "screen": [app.winfo_screenwidth(), app.winfo_screenheight()],
                  "menu": menu}))
app.close()
"""


def start_app_in_child(config) -> dict:
    """Start the window in a child process; what it showed, or the reason it failed."""
    env = dict(os.environ, PYSYSLAB_CONFIG_DIR=str(config))
    try:
        done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                              cwd=REPO, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError("the app did not start within 60 s") from None
    assert done.returncode == 0, f"the app failed to start:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.gui
@pytest.mark.parametrize("kind", ["a FIFO", "a folder"])
def test_settings_json_that_is_not_a_file_is_set_aside(kind, tmp_path):
    path = tmp_path / "settings.json"
    if kind == "a FIFO":
        os.mkfifo(path)      # open() would wait for a writer for ever
    else:
        path.mkdir()
    seen = start_app_in_child(tmp_path)
    assert "is not a regular file" in seen["status"], seen["status"]
    assert len(list(tmp_path.glob("settings.corrupt-*.json"))) == 1
    assert path.is_file() and Settings(path).load().problem is None


PLACES = [
    "1260x740+5000+5000",     # on a screen to the right that is gone
    "1000x700+-3000+-2000",   # above and to the left
    "1000x700-0-0",           # the bottom right corner, counted from there: stays
    "30000x30000+0+0",        # bigger than the screen, and than X can draw
    "1000x700+100+100",       # fits, until the menu bar at zoom 2 pushes it down
    "99999999x99999999+0+0",  # no window can be that big: the value is reset
]


@pytest.mark.gui
@pytest.mark.parametrize("place", PLACES)
def test_the_window_opens_on_the_screen_and_is_saved_there(place, tmp_path):
    zoom = 2.0 if place == "1000x700+100+100" else 1.0
    (tmp_path / "settings.json").write_text(json.dumps({"geometry": place, "zoom": zoom}))
    seen = start_app_in_child(tmp_path)
    width, height = seen["screen"]
    inside = (0 <= seen["left"] and seen["right"] <= width and 0 <= seen["top"]
              and seen["bottom"] <= height)
    assert inside, f"{place} opened at {seen}"
    if place.startswith("99999999x"):
        assert "reset to their defaults: geometry." in seen["status"], seen["status"]
    else:
        assert "Ready" in seen["status"], "a place is fitted, not reported as a problem"
    saved = json.loads((tmp_path / "settings.json").read_text())["geometry"]
    w, h, x, y = map(int, re.fullmatch(r"(\d+)x(\d+)\+(-?\d+)\+(-?\d+)", saved).groups())
    assert 0 <= x and x + w <= width and 0 <= y and y + seen["menu"] + h <= height, \
        f"saved as {saved} on a {width}x{height} screen"
    if place == "1000x700-0-0":
        assert (seen["right"], seen["bottom"]) == (width, height), "a fitting place is kept"
