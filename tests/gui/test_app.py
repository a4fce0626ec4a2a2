"""The real window on a virtual screen, driven through its real widgets."""

import subprocess
import sys
import time

import psutil

from tests.bounds import HANG
from tests.desktop import find_window
from tests.gui.conftest import pump_until


def test_window_has_a_tab_per_lesson(app):
    from engine import catalog
    assert app.title() == "PySysLab"
    names = [app.notebook.tab(t, "text") for t in app.notebook.tabs()]
    assert names == [lesson.title for lesson in catalog.lessons()]


def test_run_fills_the_log_with_every_threads_lines(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 5, "lines": 5})
    assert str(tab.stop_button["state"]) == "disabled"
    tab.run_button.invoke()
    assert str(tab.run_button["state"]) == "disabled"
    pump_until(app, lambda: tab.state == "done")
    log = tab.logview.content()
    for i in range(5):
        for n in range(5):
            assert f"[{i}] => {n}" in log
    assert tab.last_status == "ok"
    assert tab.last_result["lost_updates"] == 0
    assert str(tab.run_button["state"]) == "normal"


def test_bad_value_is_refused_next_to_the_field(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": "-1"})
    tab.run_button.invoke()
    app.update()
    assert tab.state == "ready" and tab.run is None
    assert "between 1 and 50" in tab.form.messages["threads"].cget("text")
    tab.form.set_values({"threads": "3"})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.form.messages["threads"].cget("text") == ""


def test_stop_mid_run(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 10, "lines": 200, "delay": 0.5})
    tab.run_button.invoke()
    pump_until(app, lambda: len(tab.logview.events) > 1)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"


def test_close_mid_run_stops_the_run(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 10, "lines": 200, "delay": 0.5})
    tab.run_button.invoke()
    pump_until(app, lambda: len(tab.logview.events) > 1)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"


def test_app_process_closed_mid_run_exits_clean(tmp_path):
    """python -m gui as a person starts it; SIGTERM mid-run; nothing remains."""
    proc = subprocess.Popen([sys.executable, "-m", "gui"])
    try:
        ps = psutil.Process(proc.pid)
        find_window()                   # on screen: SIGTERM from now on closes it cleanly
        assert proc.poll() is None, "the app exited on its own"
        proc.terminate()
        assert proc.wait(HANG) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not ps.is_running()


def staged_app_reporting(tmp_path, monkeypatch):
    """A staged window, not shown yet, that notes its first draw and ready in a file."""
    from gui import firstdraw
    from gui.app import App
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(firstdraw, "_stamps", [])
    monkeypatch.setattr(firstdraw, "_path", [])
    marker = tmp_path / "ready"
    app = App(staged=True)
    firstdraw.report_first_draw(app, str(marker))
    return app, marker


def test_staged_start_draws_the_shell_first_then_builds_the_lesson(tmp_path, monkeypatch):
    """A staged start without build_front_lesson: the window is on screen before the
    lesson's widgets are built, and they follow by themselves, with no input."""
    app, marker = staged_app_reporting(tmp_path, monkeypatch)
    try:
        built_at_first_draw = []
        app.bind("<Map>", lambda e: e.widget is app and built_at_first_draw.append(
            app.tabs["filescan"].built), add="+")
        assert not app.complete and not app.tabs["filescan"].built
        pump_until(app, lambda: app.complete and len(marker.read_text().split()) == 2
                   if marker.exists() else False)
        assert built_at_first_draw == [False], "the shell was drawn before the lesson was built"
        first, ready = map(float, marker.read_text().split())
        assert first <= ready
        tab = app.current_tab()
        assert tab.lesson.id == "filescan" and tab.built and tab.run_button.winfo_ismapped()
        assert app.speed_label.cget("text") == "1x"
        assert sum(t.built for t in app.tabs.values()) == 1, "only the visible lesson is built"
    finally:
        app.close()


def test_the_usual_start_draws_the_window_with_its_lesson_in_one_go(tmp_path, monkeypatch):
    """What `python -m gui` does since the goal is ready, not a first shell: the
    visible lesson is built before the window first shows, so that first draw has
    it (one round of layout and drawing, one wait for X); ready is noted with that
    draw, and the status bar's controls are built just after it."""
    from gui.app import READY_EVENT
    app, marker = staged_app_reporting(tmp_path, monkeypatch)
    try:
        at_first_draw, at_ready = [], []
        app.bind("<Map>", lambda e: e.widget is app and at_first_draw.append(
            (app.current_tab().built, hasattr(app, "speed_scale"))), add="+")
        app.bind(READY_EVENT, lambda _e: at_ready.append(
            (marker.read_text().count("\n"), hasattr(app, "speed_scale"))), add="+")
        app.build_front_lesson()
        assert not app.complete and not hasattr(app, "speed_scale")
        pump_until(app, lambda: app.complete and at_ready)
        assert at_first_draw == [(True, False)], "lesson built, controls not yet, at the map"
        assert at_ready == [(2, True)], "ready was not noted before <<WindowReady>>"
        first, ready = map(float, marker.read_text().split())
        assert first <= ready
        assert app.current_tab().run_button.winfo_ismapped()
        assert sum(t.built for t in app.tabs.values()) == 1, "only the visible lesson is built"
    finally:
        app.close()


def test_the_status_bar_controls_show_the_saved_settings_when_the_window_is_ready(
        tmp_path, monkeypatch):
    """A staged start builds the speed slider and the light/dark switch just after
    the lesson; still, by the time the window says it is ready (<<WindowReady>>,
    what the lab ahead and the large icons wait for), they are there and show the
    saved speed and theme, and Ctrl+D works."""
    from gui.app import READY_EVENT, App
    from gui.settings import Settings
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path / "config"))
    settings = Settings().load()
    settings["speed"] = 2.0
    settings["theme"] = "dark"
    app = App(staged=True, settings=settings)
    seen = []
    app.bind(READY_EVENT, lambda _e: seen.append(
        (app.speed_label.cget("text"), app.theme_button.instate(["selected"]))), add="+")
    try:
        pump_until(app, lambda: seen)
        assert seen == [("2x", True)]
        assert round(10 ** app.speed_scale.get(), 2) == 2.0
        app.event_generate("<Control-d>")
        assert app.theme_mode == "light" and not app.theme_button.instate(["selected"])
    finally:
        app.close()


def spare_labs(app_pid: int) -> list[psutil.Process]:
    """The app's lab processes started ahead of time (waiting for a Run)."""
    found = []
    for child in psutil.Process(app_pid).children(recursive=True):
        try:
            if "--wait" in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def the_spare_lab(proc: subprocess.Popen) -> psutil.Process:
    """Once the app's window is up: the lab it keeps ready (it must keep one)."""
    find_window()
    deadline = time.monotonic() + HANG
    while not spare_labs(proc.pid):
        assert time.monotonic() < deadline, "the app kept no lab ready"
        assert proc.poll() is None, "the app exited on its own"
        time.sleep(0.05)
    return spare_labs(proc.pid)[0]


def test_the_lab_kept_ready_ends_with_the_window(tmp_path):
    """The app keeps one lab process ready for the next Run; closing the app ends it."""
    proc = subprocess.Popen([sys.executable, "-m", "gui"])
    try:
        spare = the_spare_lab(proc)
        proc.terminate()
        assert proc.wait(HANG) == 0
        spare.wait(HANG)   # ends (and is reaped by the app) with the window
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not spare.is_running()


def test_the_lab_kept_ready_ends_when_the_app_is_killed(tmp_path):
    """kill -9 of the app: its waiting lab reads the end of its order pipe and leaves."""
    proc = subprocess.Popen([sys.executable, "-m", "gui"])
    try:
        spare = the_spare_lab(proc)
        proc.kill()
        proc.wait()
        spare.wait(HANG)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not spare.is_running()


def test_a_root_only_binding_runs_for_the_root_not_for_what_maps_inside(app):
    """The window's own <Map> handlers (first draw, place check) are not called
    once more for every widget that maps inside it, as a root.bind would."""
    import ttkbootstrap as ttk

    from gui.firstdraw import bind_root_only
    seen = []
    bind_root_only(app, "<Map>", lambda event: seen.append(event.widget))
    frame = ttk.Frame(app)
    ttk.Label(frame, text="inside").pack()
    frame.pack()
    app.update()
    assert frame.winfo_ismapped() and seen == [], "called for the widgets inside"
    app.withdraw()
    app.update()
    app.deiconify()
    pump_until(app, lambda: seen)
    assert seen == [app]


def test_the_lab_is_kept_ready_only_once_the_window_is_ready(tmp_path, monkeypatch):
    """The spare lab process is started after the visible lesson is built, even when
    the window takes longer than the spare's delay (held here, as a busy machine would)."""
    import engine.lab
    from gui import app as app_module
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path / "config"))
    window = app_module.App(staged=True)
    started = []   # whether the window was complete when the spare was asked for
    monkeypatch.setattr(engine.lab, "keep_spare", lambda on: on and started.append(window.complete))
    try:
        app_module.keep_a_lab_ready_once_ready(window)
        time.sleep(app_module.SPARE_AFTER_MS / 1000 + 0.2)   # not drawn yet: held here
        pump_until(window, lambda: started)
        assert started == [True]
    finally:
        window.close()


def test_a_start_with_no_options_gets_the_parsers_defaults():
    """With nothing on the command line argparse is skipped: the same values."""
    from gui.app import full_parse_args, parse_args
    assert vars(parse_args([])) == vars(full_parse_args([]))


def python_calls_while(app, action, names: set[str]) -> dict[str, int]:
    """How often each function named in ``names`` ran while ``action`` was drawn."""
    counts = dict.fromkeys(names, 0)

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_name in counts:
            counts[frame.f_code.co_name] += 1
    sys.setprofile(profile)
    try:
        action()
        app.update()
    finally:
        sys.setprofile(None)
    return counts


def test_ttkbootstraps_root_watchers_run_for_the_root_only(app):
    """ttkbootstrap's <Map>/<Configure> handlers on the root's tag are not called
    for each widget that maps inside the window, nor its <<MapChild>> sender;
    for the root itself they still run (it notes that the window was shown)."""
    import ttkbootstrap as ttk

    def add_widgets():
        frame = ttk.Frame(app)
        for n in range(20):
            ttk.Label(frame, text=f"label {n}").pack()
        frame.pack()
    calls = python_calls_while(app, add_widgets, {"_on_shown", "on_map_child"})
    assert calls == {"_on_shown": 0, "on_map_child": 0}
    app.withdraw()
    app.update()
    app._ever_shown = False
    calls = python_calls_while(app, app.deiconify, {"_on_shown"})
    assert calls["_on_shown"] >= 1 and app._ever_shown


def test_nothing_listens_for_mapchild():
    """The window drops ttkbootstrap's <<MapChild>> sender (see quiet_root_watchers):
    safe only while nothing binds that event. A ttkbootstrap that starts to must
    be looked at again."""
    from pathlib import Path

    import ttkbootstrap

    import gui
    sources = [*Path(ttkbootstrap.__file__).parent.rglob("*.py"),
               *Path(gui.__file__).parent.rglob("*.py")]
    named = ("'<<MapChild>>'", '"<<MapChild>>"')   # as a string a binding would give
    listeners = [str(path) for path in sources if path.name != "window.py"   # the sender
                 and any(name in path.read_text("utf-8") for name in named)]
    assert listeners == []


def test_the_window_offers_its_small_icons_at_once_and_every_size_once_ready(tmp_path,
                                                                             monkeypatch):
    from gui.app import App
    from gui.resources import FIRST_ICON_SIZES, WINDOW_ICON_SIZES
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path / "config"))
    app = App(staged=True)
    try:
        assert [image.width() for image in app._icons] == list(FIRST_ICON_SIZES)
        pump_until(app, lambda: len(app._icons) == len(WINDOW_ICON_SIZES))
        assert app.complete
        assert [image.width() for image in app._icons] == list(WINDOW_ICON_SIZES)
    finally:
        app.close()
