"""The challenges in the window: the panel ticks a goal when the run reaches it and says
what happened; a goal no schedule reaches is explained at the end; the deadlock tab
draws the cycle and says it in the status line, and Stop ends the deadlocked run with
nothing left (the suite's leak check: no thread, process or fd; and the run's group)."""

from tests.engine.test_lab import assert_group_ends
from tests.gui.conftest import pump_until


def run_to_the_end(app, tab, values: dict) -> None:
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=60)


def test_mutex_lock_off_ticks_the_lost_update_and_the_garbled_line(app):
    tab = app.select("mutex")
    panel = tab.challenge_panel
    assert [panel.state_of(c.id) for c in panel.challenges] == ["open"] * 3
    run_to_the_end(app, tab, {"threads": 3, "lock": False})
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
    run_to_the_end(app, tab, {"threads": 3, "lock": False})   # first, the lost update
    run_to_the_end(app, tab, {"threads": 10, "lines": 5, "delay": 0.0, "lock": True})
    assert panel.state_of("two_holders") == "never"
    assert panel.marks["two_holders"].cget("text") == "✘"
    assert panel.message.cget("text").startswith("Never reached, and no schedule can reach it")
    assert panel.state_of("lost_update") == "reached"   # reached once: it stays ticked


def test_deadlock_is_drawn_and_announced_and_stop_leaves_nothing(app):
    tab = app.select("deadlock")
    panel = tab.challenge_panel
    tab.form.set_values({"hold": 0.1, "patience": 0.0})
    tab.run_button.invoke()
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
