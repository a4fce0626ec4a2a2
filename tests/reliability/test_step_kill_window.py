"""The window in step mode after the Signals tab's SIGKILL button (issue 13, point 1).

Step on, Run the Signals lesson, press Next until the program (the lab
process itself) has reported once and waits for Next again, press the tab's
SIGKILL button: then Next,
Continue, Stop or closing the window must each work, the window must keep
responding (an ``after()`` callback runs), and nothing may be left. With a
step gate made of multiprocessing locks, the first Next froze the window
for good.

A frozen window would hang the test, so each press runs under a watchdog
that interrupts the Tk thread after GUARD seconds and fails the test.
"""

from __future__ import annotations

import signal
import threading

import psutil
import pytest

from tests.engine.proctools import has_ended, left_behind
from tests.gui.conftest import pump_until

GUARD = 10.0                             # seconds a press may take (it returns at once)
QUIET = {"interval": 60, "alarms": 100}  # no alarm rings during a test
END_WITHIN = 20.0                        # seconds from the press to the run's end


class Frozen(Exception):
    pass


class Watchdog:
    """Fails the test if the block it guards has not returned after ``seconds``.

    A timer thread sends SIGUSR2 to the Tk (main) thread, whose handler
    raises: a wait in a lock is interrupted, and the test ends with a message.
    """

    def __init__(self, what: str, seconds: float = GUARD):
        self.what = what
        self.seconds = seconds
        self.fired = False

    def __enter__(self) -> Watchdog:
        self._old = signal.signal(signal.SIGUSR2, self._interrupt)
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.start()
        return self

    def _fire(self) -> None:
        self.fired = True
        signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR2)

    def _interrupt(self, signum, frame) -> None:
        raise Frozen(f"{self.what} froze the window")

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        self._timer.join()
        signal.signal(signal.SIGUSR2, self._old)
        # A Tk callback that raised is only reported by Tk, so look at the timer too.
        assert not self.fired, f"{self.what} froze the window (no return in {self.seconds:g} s)"


def press(app, what: str, button) -> None:
    """Press ``button``; then the window must still answer (an after() callback runs)."""
    with Watchdog(f"pressing {what}"):
        button.invoke()
    answered = []
    with Watchdog(f"the window after {what}"):
        app.after(0, lambda: answered.append(True))
        pump_until(app, lambda: answered, timeout=GUARD)


def program_waits(tab) -> bool:
    """The program's main thread waits for Next, after a report the tab has shown."""
    run = tab.run
    return run is not None and run.paused_actors() == ["MainThread"] and \
        any(e.kind == "probe" for e in tab.logview.events)


def pause_the_program(app):
    """Step on, Run; Next until the program has reported once and waits again."""
    tab = app.select("signals")
    tab.form.set_values(QUIET)
    tab.step_switch.invoke()
    assert tab.step_var.get(), "the Step switch did not turn on"
    tab.run_button.invoke()
    # The program waits before its first report (its first handler set): Next
    # lets that one through, and it waits again at its second.
    pump_until(app, lambda: tab.run.paused_actors(), timeout=END_WITHIN)
    press(app, "Next", tab.next_button)
    pump_until(app, lambda: program_waits(tab), timeout=END_WITHIN)
    return tab, tab.run.pid


def next_until_done(app, tab) -> None:
    """Press Next whenever an actor waits, until the run has ended."""
    def done_or_next():
        if tab.state == "done":
            return True
        if tab.run is not None and tab.run.paused_actors():
            press(app, "Next", tab.next_button)
        return False
    pump_until(app, done_or_next, timeout=END_WITHIN)


@pytest.mark.gui
@pytest.mark.parametrize("action", ["Next", "Continue", "Stop", "close"])
def test_after_sigkill_of_a_paused_program_the_window_keeps_working(app, action):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    tab, pid = pause_the_program(app)
    family = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    run = tab.run
    press(app, "SIGKILL", tab.signal_buttons["SIGKILL"])
    pump_until(app, lambda: has_ended(pid), timeout=GUARD)
    if action == "Next":
        press(app, "Next", tab.next_button)
        next_until_done(app, tab)
    elif action == "Continue":
        press(app, "Continue", tab.continue_button)
        pump_until(app, lambda: tab.state == "done", timeout=END_WITHIN)
    elif action == "Stop":
        press(app, "Stop", tab.stop_button)
        pump_until(app, lambda: tab.state == "done", timeout=END_WITHIN)
    if action != "close":
        # (Stop, if the run had not yet seen its program end, makes it "stopped".)
        assert tab.last_status in (("error", "stopped") if action == "Stop" else ("error",))
        assert f"The program (pid {pid}) was killed by SIGKILL" in tab.status_label.cget("text")
    with Watchdog("closing the window"):
        app.close()
    assert run.join(0), "the run still goes after the window closed"
    assert any(p.pid == pid for p in family), "the program was not among the run's processes"
    assert left_behind(family, wait=3.0) == [], "processes of the run left behind"
