"""The Signals tab on a virtual screen: real buttons send real signals."""

import os
import signal
import time

import psutil

from tests.gui.conftest import pump_until

QUIET = {"interval": 10, "alarms": 100}   # no alarm rings during a test


def start_catcher(app):
    tab = app.select("signals")
    tab.form.set_values(QUIET)
    assert all(str(b["state"]) == "disabled" for b in tab.signal_buttons.values())
    tab.run_button.invoke()
    pump_until(app, lambda: tab.child_pid is not None, timeout=10)
    return tab, tab.child_pid


def button_states(tab):
    return {name: str(b["state"]) for name, b in tab.signal_buttons.items()}


def test_buttons_send_signals_and_the_log_shows_each_handler(app):
    tab, pid = start_catcher(app)
    assert psutil.Process(pid).ppid() == os.getpid()
    assert set(button_states(tab).values()) == {"normal"}
    assert str(pid) in tab.pid_label.cget("text")
    for name, handler in [("SIGUSR1", "on_user_signal"), ("SIGUSR2", "on_user_signal"),
                          ("SIGINT", "on_interrupt"), ("SIGALRM", "on_alarm")]:
        tab.signal_buttons[name].invoke()
        pump_until(app, lambda n=name, h=handler:
                   f"{n} arrived at" in tab.logview.content()
                   and f"handled by {h}()" in tab.logview.content(), timeout=5)
        assert f"sent {name} to the catcher (pid {pid})" in tab.logview.content()
    assert tab.state == "running" and psutil.pid_exists(pid)
    tab.signal_buttons["SIGTERM"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert "asked to end: tidying up and leaving" in tab.logview.content()
    assert tab.last_status == "ok"
    assert tab.last_result["handled"] == {"SIGALRM": 1, "SIGUSR1": 1, "SIGUSR2": 1,
                                          "SIGINT": 1, "SIGTERM": 1}
    assert set(button_states(tab).values()) == {"disabled"}
    assert tab.child_pid is None


def test_sigkill_button_kills_and_the_lesson_says_so(app):
    tab, pid = start_catcher(app)
    tab.signal_buttons["SIGKILL"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert "killed by SIGKILL" in tab.logview.content()
    assert tab.last_status == "ok"
    assert tab.last_result["killed_by"] == "SIGKILL"
    assert not psutil.pid_exists(pid)
    assert set(button_states(tab).values()) == {"disabled"}


def test_sending_to_a_catcher_that_just_ended_gives_a_message(app):
    tab, pid = start_catcher(app)
    # End the catcher behind the window's back and let the lesson reap it,
    # without letting the window hear about it (no app.update() meanwhile).
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not psutil.pid_exists(pid)
    assert str(tab.signal_buttons["SIGUSR1"]["state"]) == "normal"
    assert tab.send_signal("SIGUSR1") is False
    assert "has already ended" in tab.status_label.cget("text")
    assert str(tab.signal_buttons["SIGUSR1"]["state"]) == "disabled"
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert "not sent: the catcher" in tab.logview.content()
    assert "Traceback" not in tab.logview.content()


def test_stop_button_ends_the_catcher(app):
    tab, pid = start_catcher(app)
    tab.stop_button.invoke()
    assert set(button_states(tab).values()) == {"disabled"}
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    assert "Stop pressed: sending SIGTERM" in tab.logview.content()
    assert not psutil.pid_exists(pid)


def test_close_window_mid_run_leaves_no_process(app):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    tab, pid = start_catcher(app)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert not psutil.pid_exists(pid)
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


def test_every_button_explains_itself():
    from gui.lessons.signals import SIGNAL_BUTTONS, why_unavailable
    for name, *_ in SIGNAL_BUTTONS:
        assert why_unavailable(name) is None    # Linux has all six
    reason = why_unavailable("SIGNOSUCH")
    assert "has no SIGNOSUCH" in reason and "button is off" in reason


def test_buttons_carry_tooltips(app):
    tab = app.select("signals")
    assert set(tab.tooltips) == set(tab.signal_buttons)
    assert "cannot be caught" in tab.tooltips["SIGKILL"].cget("text").lower()
