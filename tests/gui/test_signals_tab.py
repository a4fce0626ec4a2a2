"""The Signals tab on a virtual screen: real buttons send real signals to the program.

The program is the lab's main process (``run.pid``). A test sends a signal
only once the program has said (``signal.signal`` probes, shown in the tab's
table) that its handlers are set: before that, SIGUSR1 would end it.
"""

import os
import signal

import psutil

from tests.gui.conftest import pump_until

QUIET = {"interval": 60, "alarms": 100}   # no alarm rings during a test
HANDLED = ("SIGALRM", "SIGUSR1", "SIGUSR2", "SIGTERM")   # what the program handles


def start_program(app):
    """Run the lesson; once every handler is set: the tab and the program's pid."""
    tab = app.select("signals")
    tab.form.set_values(QUIET)
    assert all(str(b["state"]) == "disabled" for b in tab.signal_buttons.values())
    tab.run_button.invoke()
    handlers = [name for name in HANDLED if hasattr(signal, name)]
    pump_until(app, lambda: all(tab.rows()[name][0] == "on_signal()" for name in handlers)
               or tab.state == "done", timeout=15)
    assert tab.state == "running", tab.logview.content()
    return tab, tab.run.pid


def button_states(tab):
    return {name: str(b["state"]) for name, b in tab.signal_buttons.items()}


def handled(tab, name: str) -> int:
    return int(tab.rows()[name][2])


def test_buttons_send_signals_and_the_tab_counts_each_delivery(app):
    tab, pid = start_program(app)
    assert psutil.Process(pid).ppid() == os.getpid()
    assert set(button_states(tab).values()) == {"normal"}
    assert f"pid {pid}" in tab.pid_label.cget("text")
    for name in ("SIGUSR1", "SIGUSR2", "SIGALRM", "SIGUSR1"):
        before = handled(tab, name)
        tab.signal_buttons[name].invoke()
        pump_until(app, lambda n=name, b=before: handled(tab, n) == b + 1, timeout=10)
        assert f"os.kill({pid}, signal.{name})" in tab.logview.content()
        assert f"{name} delivered to on_signal" in tab.logview.content()
    assert tab.rows()["SIGUSR1"] == ("on_signal()", "2", "2")
    assert "rang once" in tab.alarm_label.cget("text")
    pump_until(app, lambda: "Got SIGUSR2 (signal" in tab.logview.content(), timeout=10)
    assert tab.state == "running" and psutil.pid_exists(pid)
    tab.signal_buttons["SIGTERM"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert "Got SIGTERM (signal 15) at " in tab.logview.content()
    assert tab.last_status == "ok"
    assert tab.last_result["handled"] == {"SIGALRM": 1, "SIGUSR1": 2, "SIGUSR2": 1,
                                          "SIGTERM": 1}
    assert tab.rows()["SIGTERM"] == ("on_signal()", "1", "1")
    assert set(button_states(tab).values()) == {"disabled"}
    assert "not running" in tab.pid_label.cget("text")


def test_sigint_button_is_ctrl_c_and_the_program_prints_what_it_counted(app):
    tab, pid = start_program(app)
    tab.signal_buttons["SIGUSR2"].invoke()
    pump_until(app, lambda: handled(tab, "SIGUSR2") == 1, timeout=10)
    tab.signal_buttons["SIGINT"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    log = tab.logview.content()
    assert "Ctrl+C: leaving early" in log
    assert "handled: SIGALRM 0, SIGUSR1 0, SIGUSR2 1, SIGTERM 0" in log
    assert tab.last_status == "ok"
    assert tab.last_result["handled"]["SIGUSR2"] == 1
    assert tab.rows()["SIGINT"][1:] == ("1", "0")   # sent; no handler of the program's ran


def test_sigkill_button_kills_and_the_tab_says_so(app):
    tab, pid = start_program(app)
    tab.signal_buttons["SIGKILL"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)
    status = tab.status_label.cget("text")
    assert f"The program (pid {pid}) was killed by SIGKILL" in status, status
    assert "no handler can catch it" in status
    assert tab.last_status == "error"
    assert tab.last_result is None            # main() never returned
    assert tab.rows()["SIGKILL"] == ("none can be set", "1", "0")
    assert "gone with the program" in tab.alarm_label.cget("text")
    assert not psutil.pid_exists(pid)
    assert set(button_states(tab).values()) == {"disabled"}


def test_sending_to_a_program_that_just_ended_gives_a_message(app):
    tab, pid = start_program(app)
    # End the program behind the window's back and let the run reap it, without
    # letting the window hear about it (no app.update() meanwhile).
    os.kill(pid, signal.SIGKILL)
    assert tab.run.join(10), "the run did not end after its program was killed"
    assert str(tab.signal_buttons["SIGUSR1"]["state"]) == "normal"
    assert tab.send_signal("SIGUSR1") is False
    assert "has already ended" in tab.status_label.cget("text")
    assert tab.rows()["SIGUSR1"][1] == "0"
    pump_until(app, lambda: tab.state == "done", timeout=10)
    assert "killed by SIGKILL" in tab.status_label.cget("text")
    assert "Traceback" not in tab.logview.content()


def test_stop_button_ends_the_program(app):
    tab, pid = start_program(app)
    tab.stop_button.invoke()
    assert set(button_states(tab).values()) == {"disabled"}
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    assert not psutil.pid_exists(pid)


def test_close_window_mid_run_leaves_no_process(app):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    tab, pid = start_program(app)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert not psutil.pid_exists(pid)
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


def test_a_signal_the_platform_lacks_gets_a_disabled_button_that_says_why(app, monkeypatch):
    monkeypatch.delattr(signal, "SIGUSR2")    # as on Windows (the tab is built below)
    tab, _ = start_program(app)
    states = button_states(tab)
    assert states.pop("SIGUSR2") == "disabled"
    assert set(states.values()) == {"normal"}
    assert "has no SIGUSR2, so this button is off" in tab.tooltips["SIGUSR2"].cget("text")
    assert "has no SIGUSR2" in tab.rows()["SIGUSR2"][0]
    tab.signal_buttons["SIGTERM"].invoke()
    pump_until(app, lambda: tab.state == "done", timeout=10)


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
