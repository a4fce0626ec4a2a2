"""You are the scheduler: step mode in the window, with real keys and clicks (issue 16).

The learner advances one chosen actor by one line: its number key, a click on
its row, its lane or its marked line; F10 takes the next ready one in turn. A
blocked actor is refused, and the window says why. Keys and clicks go through
the X server (xdotool), as a person's would. Each wait is for the step board
(``actors`` events) to show what a press must lead to: never a sleep.
"""

from __future__ import annotations

import pytest

from engine import catalog
from engine import vocabulary as v
from tests.desktop import xdotool
from tests.engine.steps import line_of
from tests.gui.conftest import pump_until

pytestmark = pytest.mark.gui


def focus(app) -> str:
    """Put the window at the top left with the keyboard focus; its X window id."""
    app.geometry("+0+0")
    app.update()
    window = str(app.winfo_id())
    toplevel = xdotool("search", "--sync", "--onlyvisible", "--name", "^PySysLab$")
    xdotool("windowfocus", "--sync", toplevel.splitlines()[0])
    app.update()
    return window


def key(app, name: str) -> None:
    xdotool("key", name)
    app.update()


def click_at(app, x: int, y: int) -> None:
    xdotool("mousemove", str(x), str(y), "click", "1")
    app.update()


def click(app, widget) -> None:
    app.update()
    click_at(app, widget.winfo_rootx() + widget.winfo_width() // 2,
             widget.winfo_rooty() + widget.winfo_height() // 2)


def row(tab, actor: str) -> dict | None:
    return next((r for r in tab.step_table if r[v.ACTOR] == actor), None)


def state(tab, actor: str) -> str | None:
    found = row(tab, actor)
    return found[v.ACTOR_STATE] if found else None


def settled(tab, before: list) -> bool:
    """A new board has come since ``before``, and nobody runs a line any more."""
    assert tab.state == "running", f"the run ended: {tab.status_label.cget('text')}"
    return tab.step_table is not before and bool(tab.step_table) and \
        all(r[v.ACTOR_STATE] != v.RUNNING for r in tab.step_table)


def press_and_settle(app, tab, name: str) -> None:
    """Press key ``name``; wait until the actor it moved has reached its next state."""
    before = tab.step_table
    key(app, name)
    pump_until(app, lambda: settled(tab, before), timeout=30)


def choose_by_key(app, tab, actor: str) -> None:
    press_and_settle(app, tab, str(row(tab, actor)[v.NUMBER]))


def start_stepping(app, lesson: str, params: dict):
    """Step on and Run, by real clicks; the tab, once its first actor waits."""
    tab = app.select(lesson)
    tab.form.set_values(params)
    focus(app)
    click(app, tab.step_switch)
    assert tab.step_var.get(), "the Step switch did not turn on"
    click(app, tab.run_button)
    pump_until(app, lambda: tab.state == "running" and any(
        r[v.ACTOR_STATE] == v.READY for r in tab.step_table), timeout=30)
    assert tab.actors_panel.winfo_ismapped(), "the actors panel is not shown in step mode"
    return tab


def f10_until(app, tab, goal) -> None:
    """Press F10 (the next ready actor, in turn) until ``goal()``."""
    for _ in range(200):
        if goal():
            return
        press_and_settle(app, tab, "F10")
    raise AssertionError(f"not reached after 200 presses of F10: {tab.step_table}")


def status(tab) -> str:
    return str(tab.status_label.cget("text"))


def test_with_the_lock_on_a_thread_waiting_for_it_is_refused_with_the_reason(app):
    program = catalog.get("mutex").program
    with_line = line_of(program, "with guard:")
    barrier = line_of(program, "start_line.wait()")
    tab = start_stepping(app, "mutex", {"threads": 2, "lines": 1, "delay": 0, "lock": True})
    # The main thread's key (1), until it has started both threads.
    while not state(tab, "thread-0") == state(tab, "thread-1") == v.READY:
        choose_by_key(app, tab, "MainThread")
    # Key by key: both to the start barrier and through it, then thread-0 into the lock...
    for thread in ("thread-0", "thread-1"):
        while row(tab, thread)[v.LINE_NO] != barrier:
            choose_by_key(app, tab, thread)
    choose_by_key(app, tab, "thread-0")
    choose_by_key(app, tab, "thread-1")
    pump_until(app, lambda: state(tab, "thread-0") == state(tab, "thread-1") == v.READY)
    while not (state(tab, "thread-0") == v.READY and
               row(tab, "thread-0")[v.LINE_NO] == with_line + 1):
        choose_by_key(app, tab, "thread-0")
    # ...and thread-1 to `with guard:`, where it waits for the lock.
    while state(tab, "thread-1") != v.BLOCKED:
        choose_by_key(app, tab, "thread-1")
    refusal = "thread-1 cannot go: waiting for the lock held by thread-0."
    # Its number key: refused, and the window says why.
    key(app, str(row(tab, "thread-1")[v.NUMBER]))
    assert status(tab) == refusal
    assert tab.actors_panel.row_text("thread-1").endswith(
        "thread-1 blocked waiting for the lock held by thread-0")
    assert tab.source.highlighted()["thread-1"] == with_line   # marked where it waits
    # A click on its lane in the timeline: the same. (The status line is cleared
    # first, to see it said again.)
    tab.set_state("running", "")
    body = tab.timeline.body
    click_at(app, body.winfo_rootx() + 12, body.winfo_rooty() + round(
        tab.timeline.lane_middle("thread-1") - body.canvasy(0)))
    assert status(tab) == refusal
    # A click on its marked line in the code: the same.
    tab.set_state("running", "")
    text = tab.source.text.text
    tab.source.follow(with_line)
    app.update()
    x, y, _w, h = text.bbox(f"{with_line}.12")
    click_at(app, text.winfo_rootx() + x, text.winfo_rooty() + y + h // 2)
    assert status(tab) == refusal
    assert state(tab, "thread-1") == v.BLOCKED   # nothing moved
    # The holder goes on, chosen by a click on its row, until the waiter gets the lock.
    while state(tab, "thread-1") == v.BLOCKED:
        before = tab.step_table
        click(app, tab.actors_panel.rows["thread-0"].name)
        pump_until(app, lambda before=before: settled(tab, before))
    assert row(tab, "thread-1")[v.LINE_NO] == with_line + 1
    key(app, "Escape")   # Stop wins
    pump_until(app, lambda: tab.state == "done", timeout=30)
    assert tab.last_status == v.STOPPED


def test_a_digit_typed_into_the_form_chooses_no_actor(app):
    tab = start_stepping(app, "mutex", {"threads": 2, "lines": 1, "delay": 0})
    first = tab.step_table
    entry = tab.form.inputs["lines"]
    entry.focus_force()
    app.update()
    key(app, "1")
    app.update()
    assert tab.step_table is first and state(tab, "MainThread") == v.READY
    click(app, tab.stop_button)
    pump_until(app, lambda: tab.state == "done", timeout=30)


def test_stopped_mid_way_the_window_says_how_far_it_got(app):
    """Issue 16, point 5: not "0 updates lost" of 25 for work that never ran."""
    tab = start_stepping(app, "mutex", {"threads": 2, "lines": 50, "delay": 0})
    f10_until(app, tab, lambda: any(e.kind == v.OUTPUT and e.actor == "thread-0"
                                    for e in tab.logview.events))
    click(app, tab.stop_button)
    pump_until(app, lambda: tab.state == "done", timeout=30)
    result = tab.last_result
    assert result["complete"] is False
    done = result["expected"]
    assert result["stopped_after"] == f"{done} of 100 lines" and done < 100
    assert status(tab).startswith(f"Stopped after {done} of 100 lines (")
    assert str(tab.result_label.cget("text")).startswith(
        f"Result so far (stopped after {done} of 100 lines): ")
