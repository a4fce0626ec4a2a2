"""The teaching layer through the real window: acting lines, step mode,
speed, shortcuts and remembered settings."""

import json

from engine import catalog
from engine import vocabulary as v
from tests.gui.conftest import pump_until


def run_to_the_end(app, tab, timeout=30):
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=timeout)


def test_a_thread_blocked_in_acquire_is_highlighted_on_its_with_line(app):
    """Step mode: Next, in turn, until one thread holds the lock (it waits at a line
    inside the block) and another waits for it, blocked in the real acquire, in C,
    where the sampler finds it: that one is marked on the ``with`` line."""
    tab = app.select("mutex")
    tab.form.set_values({"threads": 2, "lines": 1, "delay": 0})
    tab.step_switch.invoke()
    tab.run_button.invoke()
    with open(tab.lesson.source_file, encoding="utf-8") as f:
        code = f.read().splitlines()
    with_line = next(n for n, text in enumerate(code, 1) if text.strip().startswith("with guard:"))

    def one_waits_for_the_lock() -> str | None:
        return next((r[v.ACTOR] for r in tab.step_table if r[v.ACTOR_STATE] == v.BLOCKED
                     and r[v.LOCK]), None)

    def next_until_one_waits() -> bool:
        assert tab.run is not None, f"the run ended first; board: {tab.step_table}"
        if one_waits_for_the_lock():
            return True
        if tab.run.paused_actors() and tab.run.events.empty():
            tab.next_button.invoke()
        return False

    pump_until(app, next_until_one_waits)
    waiter = one_waits_for_the_lock()
    pump_until(app, lambda: tab.source.highlighted().get(waiter) == with_line)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_acting_line_of_each_process_is_marked_in_the_code(app):
    """Every process has its own mark, on a line of the program (where its last
    event or the sampler put it), under its lab name "<Process name> pid N"."""
    tab = app.select("mp_queue")
    tab.form.set_values({"producers": 2, "consumers": 2, "names": 3, "delay": 0.5})
    tab.run_button.invoke()
    marked: dict[str, int] = {}   # the marks end with the run: gather them as it goes

    def every_process_marked() -> bool:
        marked.update(tab.source.highlighted())
        processes = {lane for lane in tab.timeline.lanes if " pid " in lane}
        if len(processes) == 4 and processes <= set(marked):
            return True
        assert tab.state != "done", f"the run ended first; marked: {marked}"
        return False

    pump_until(app, every_process_marked, timeout=60)
    for actor, line in marked.items():
        assert tab.source.line_text(line).strip(), (actor, line)
    assert all(lane.split(" pid ")[0] in ("consumer-0", "consumer-1", "producer-0",
                                           "producer-1")
               for lane in marked if " pid " in lane), marked
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_clicking_a_log_line_jumps_to_its_source_line(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 2, "lines": 2})
    run_to_the_end(app, tab)
    text = tab.logview.text.text
    row = next(i for i, e in enumerate(tab.logview.rows, 1) if e is not None and e.line)
    event = tab.logview.event_at_line(row)
    text.see(f"{row}.0")
    app.update()
    x, y, _w, _h = text.bbox(f"{row}.5")
    text.event_generate("<ButtonPress-1>", x=x, y=y)
    text.event_generate("<ButtonRelease-1>", x=x, y=y)
    app.update()
    assert tab.source.chosen_line == event.line


def settled_board(app, tab) -> list:
    """The step board once nobody runs a line: every actor waits (at a line, or
    blocked). Nothing more can happen without a Next, on a machine of any speed."""
    pump_until(app, lambda: tab.step_table and all(
        r[v.ACTOR_STATE] != v.RUNNING for r in tab.step_table))
    return tab.step_table


def test_step_mode_one_line_per_next_then_stop_while_paused(app):
    """At the start only the main thread runs: each Next moves it by one line."""
    tab = app.select("mutex")
    tab.form.set_values({"threads": 3, "lines": 5, "delay": 0})
    tab.step_switch.invoke()
    assert tab.step_var.get()
    tab.run_button.invoke()
    board = settled_board(app, tab)
    assert str(tab.next_button["state"]) == "normal"
    assert [r[v.ACTOR] for r in board] == ["MainThread"]
    paused = []
    for _ in range(6):
        paused.append(board[0][v.LINE_NO])
        tab.next_button.invoke()
        pump_until(app, lambda before=board: tab.step_table is not before)
        board = settled_board(app, tab)
        assert [r[v.ACTOR] for r in board] == ["MainThread"]
    paused.append(board[0][v.LINE_NO])
    assert all(a != b for a, b in zip(paused, paused[1:], strict=False)), paused   # a line each
    tab.stop_button.invoke()     # Stop wins over the paused actors
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"


def test_continue_leaves_step_mode(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 2, "lines": 2, "delay": 0})
    tab.step_switch.invoke()
    tab.run_button.invoke()
    settled_board(app, tab)
    tab.continue_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert tab.last_status == "ok" and not tab.step_var.get()


def test_speed_slider_applies_to_a_running_lesson(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 2, "lines": 100, "delay": 0.5})
    tab.run_button.invoke()
    app.speed_scale.set(1.0)         # the far right: 10x
    app.update()
    assert tab.run.speed == 10
    assert app.speed_label.cget("text") == "10x"
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def press(app, widget, key):
    widget.focus_force()
    app.update()
    widget.event_generate(key)
    app.update()


def test_keyboard_shortcuts(app):
    import tkinter.font as tkfont
    tab = app.select("mutex")
    target = tab.logview.text.text
    tab.form.set_values({"threads": 3, "lines": 100, "delay": 0.3})
    press(app, target, "<F5>")
    assert tab.state == "running"
    press(app, target, "<Escape>")
    pump_until(app, lambda: tab.state == "done")
    press(app, target, "<Control-r>")
    assert tab.state == "running"
    press(app, target, "<Escape>")
    pump_until(app, lambda: tab.state == "done")
    # F10: one line of the next ready actor
    tab.step_var.set(True)
    tab.form.set_values({"delay": 0})
    press(app, target, "<F5>")
    before = settled_board(app, tab)
    press(app, target, "<F10>")
    pump_until(app, lambda: tab.step_table is not before)
    after = settled_board(app, tab)
    assert after[0][v.LINE_NO] != before[0][v.LINE_NO]
    # 1-9: the actor of that number (the main thread is 1)
    press(app, target, "<Key-1>")
    pump_until(app, lambda: tab.step_table is not after)
    assert settled_board(app, tab)[0][v.LINE_NO] != after[0][v.LINE_NO]
    press(app, target, "<Escape>")
    pump_until(app, lambda: tab.state == "done")
    # zoom
    base = tkfont.nametofont("TkFixedFont").actual("size")
    press(app, target, "<Control-plus>")
    assert tkfont.nametofont("TkFixedFont").actual("size") > base
    press(app, target, "<Control-minus>")
    press(app, target, "<Control-minus>")
    assert tkfont.nametofont("TkFixedFont").actual("size") < base
    press(app, target, "<Control-0>")
    assert tkfont.nametofont("TkFixedFont").actual("size") == base
    # next / previous lesson
    press(app, target, "<Control-Tab>")
    assert app.current_tab().lesson.id == catalog.ORDER[catalog.ORDER.index("mutex") + 1]
    press(app, app.current_tab().logview.text.text, "<Control-Shift-Tab>")
    assert app.current_tab().lesson.id == "mutex"


def test_every_shortcut_is_shown_in_a_menu(app):
    shown = set()
    for cascade in range(app.menubar.index("end") + 1):
        if app.menubar.type(cascade) != "cascade":
            continue
        menu = app.nametowidget(app.menubar.entrycget(cascade, "menu"))
        for i in range(menu.index("end") + 1):
            if menu.type(i) == "command":
                shown.add(menu.entrycget(i, "accelerator"))
    for key in ("F5", "Esc", "F10", "Ctrl+Plus", "Ctrl+Minus", "Ctrl+0", "Ctrl+Tab", "F1",
                "Ctrl+S", "Ctrl+Q", "Ctrl+D"):
        assert key in shown


def test_settings_survive_a_restart(tmp_path, monkeypatch):
    from gui.app import App
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path))
    first = App()
    tab = first.select("thread_queue")
    tab.form.set_values({"producers": 3})
    tab.run_button.invoke()
    pump_until(first, lambda: tab.state == "running")
    first.toggle_dark()
    first.set_zoom(1.25)
    first.speed_scale.set(0.5)
    first.geometry("1000x700+5+5")
    first.update()
    first.close()
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["theme"] == "dark" and saved["last_tab"] == "thread_queue"

    second = App()
    try:
        assert second.theme_mode == "dark"
        assert second.zoom == 1.25
        assert abs(second.speed - 10 ** 0.5) < 0.01
        assert second.current_tab().lesson.id == "thread_queue"
        assert second.current_tab().form.raw_values()["producers"] == "3"
    finally:
        second.set_zoom(1.0)
        second.close()


def test_a_corrupt_settings_file_is_set_aside_with_a_message(tmp_path, monkeypatch):
    from gui.app import App
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text("{\"theme\": ")
    app = App()
    try:
        app.update()
        assert "damaged" in app.status.cget("text")
        assert list(tmp_path.glob("settings.corrupt-*.json"))
        assert app.theme_mode == "light"
    finally:
        app.close()


def test_f1_opens_the_help(app):
    tab = app.select("mutex")
    press(app, tab.logview.text.text, "<F1>")
    pump_until(app, lambda: any(w.winfo_class() == "Toplevel" and w.winfo_viewable()
                                for w in app.winfo_children()), timeout=5)
    dialogs = [w for w in app.winfo_children() if w.winfo_class() == "Toplevel"]
    assert any("F10" in text for text in texts_in(dialogs[0]))
    for dialog in dialogs:
        dialog.destroy()


def texts_in(widget):
    """Every label text under ``widget``."""
    out = []
    for child in widget.winfo_children():
        try:
            out.append(str(child.cget("text")))
        except Exception:
            pass
        out.extend(texts_in(child))
    return out
