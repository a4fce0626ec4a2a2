"""The challenges in the window: the panel ticks a goal when the run reaches it and says
what happened; a goal no schedule reaches is explained at the end; the deadlock tab
draws the cycle and says it in the status line, and Stop ends the deadlocked run with
nothing left (the suite's leak check: no thread, process or fd; and the run's group)."""

from engine import vocabulary as v
from engine.catalog import get
from tests.engine.steps import line_of
from tests.engine.test_lab import assert_group_ends
from tests.gui.conftest import pump_until


def run_to_the_end(app, tab, values: dict) -> None:
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=60)


def start_stepped(app, tab, values: dict) -> None:
    """Step on and Run: every actor waits before each line until the test chooses it."""
    tab.form.set_values(values)
    if not tab.step_var.get():
        tab.step_switch.invoke()
    tab.run_button.invoke()


def ready_at(tab, actor: str, line: int | None = None) -> bool:
    return any(r[v.ACTOR] == actor and r[v.ACTOR_STATE] == v.READY
               and line in (None, r[v.LINE_NO]) for r in tab.step_table)


def choose_until(app, tab, who: set[str], goal, what: str) -> None:
    """Choose only the ready actors in ``who`` (one line each, waiting for the board to
    settle after each) until ``goal()``: the condition is made, never waited for."""
    for _ in range(200):
        if goal():
            return
        assert tab.state == "running", f"the run ended before {what}: {tab.step_table}"
        mover = next((r[v.ACTOR] for r in tab.step_table
                      if r[v.ACTOR] in who and r[v.ACTOR_STATE] == v.READY), None)
        before = tab.step_table
        if mover is not None:
            assert tab.choose_actor(mover), tab.status_label.cget("text")
        pump_until(app, lambda before=before: tab.step_table is not before and all(
            r[v.ACTOR_STATE] != v.RUNNING for r in tab.step_table)
            or tab.state != "running", timeout=30)
    raise AssertionError(f"no {what} after 200 choices: {tab.step_table}")


def lose_an_update_and_garble_a_line(app, tab) -> None:
    """mutex, lock off, two threads: both read the counter before either writes it,
    and each prints its half-line before either ends its line; then Continue."""
    program = get("mutex").program
    paused = line_of(program, "time.sleep(0.001)", after="value = counter")
    line_end = line_of(program, 'print(f"=> {n}")')
    start_stepped(app, tab, {"threads": 2, "lines": 1, "delay": 0.0, "lock": False})
    choose_until(app, tab, {"MainThread"}, lambda: ready_at(tab, "thread-0")
                 and ready_at(tab, "thread-1"), "both threads at a line")
    choose_until(app, tab, {"thread-0"}, lambda: not ready_at(tab, "thread-0"),
                 "thread-0 at the barrier")
    choose_until(app, tab, {"thread-1"}, lambda: ready_at(tab, "thread-0"),
                 "both threads past the barrier")
    for thread, line in (("thread-0", paused), ("thread-1", paused),
                         ("thread-0", line_end), ("thread-1", line_end)):
        choose_until(app, tab, {thread}, lambda t=thread, n=line: ready_at(tab, t, n),
                     f"{thread} at line {line}")
    tab.continue_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=60)


def test_mutex_lock_off_ticks_the_lost_update_and_the_garbled_line(app):
    tab = app.select("mutex")
    panel = tab.challenge_panel
    assert [panel.state_of(c.id) for c in panel.challenges] == ["open"] * 3
    lose_an_update_and_garble_a_line(app, tab)
    assert tab.last_status == "ok"
    assert panel.state_of("lost_update") == panel.state_of("garbled") == "reached"
    assert panel.marks["lost_update"].cget("text") == "✔"
    assert panel.state_of("two_holders") == "off"   # it needs the lock on
    assert panel.message.cget("text").startswith("Garbled! ")   # the last one said
    # The log has them too, from the run itself.
    assert "Update lost!" in tab.logview.text.text.get("1.0", "end")


def test_mutex_lock_on_never_two_holders_and_the_end_says_why(app):
    tab = app.select("mutex")
    panel = tab.challenge_panel
    lose_an_update_and_garble_a_line(app, tab)   # first, the lost update
    assert not tab.step_var.get()   # Continue left step mode: this run goes at full speed
    run_to_the_end(app, tab, {"threads": 10, "lines": 5, "delay": 0.0, "lock": True})
    assert panel.state_of("two_holders") == "never"
    assert panel.marks["two_holders"].cget("text") == "✘"
    assert panel.message.cget("text").startswith("Never reached, and no schedule can reach it")
    assert panel.state_of("lost_update") == "reached"   # reached once: it stays ticked


def test_deadlock_is_drawn_and_announced_and_stop_leaves_nothing(app):
    tab = app.select("deadlock")
    panel = tab.challenge_panel
    # Each thread takes its first lock, then Continue: each one's second acquire
    # waits for the other's, on every run.
    holds = line_of(get("deadlock").program, 'print(f"{me} holds the lock of')
    start_stepped(app, tab, {"hold": 0.1, "patience": 0.0})
    choose_until(app, tab, {"MainThread"}, lambda: ready_at(tab, "a-to-b")
                 and ready_at(tab, "b-to-a"), "both threads at a line")
    for thread in ("a-to-b", "b-to-a"):
        choose_until(app, tab, {thread}, lambda t=thread: ready_at(tab, t, holds),
                     f"{thread} holding its first lock")
    tab.continue_button.invoke()
    pump_until(app, lambda: panel.state_of("deadlock") == "reached" or tab.state == "done",
               timeout=60)
    assert tab.state == "running", tab.status_label.cget("text")
    assert panel.message.cget("text").startswith("Deadlock! a-to-b and b-to-a each hold")
    assert tab.status_label.cget("text") == (
        "Stuck in a deadlock: a-to-b → b-to-a → a-to-b, each waiting for a lock the next "
        "one holds.")
    view = tab.waitfor
    assert view.holders() == {"lock_a": "a-to-b", "lock_b": "b-to-a"}
    assert view.waiting() == {"a-to-b": "lock_b", "b-to-a": "lock_a"}
    assert view.caption.cget("text").startswith("Deadlock! a-to-b holds lock_a and waits "
                                                "for lock_b, held by b-to-a")
    assert len(view.canvas.find_withtag("loop")) == 4   # two waits, two holds: one loop
    group = tab.run.pid
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=30)
    assert tab.last_status == "stopped"
    assert tab.status_label.cget("text").startswith("Stopped after ")
    assert_group_ends(group)
