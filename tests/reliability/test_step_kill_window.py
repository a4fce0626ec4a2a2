"""The window in step mode after a paused child process is killed (issues 13 and 15).

Step on, Run, press Next until the victim has said something and waits for
Next again, then SIGKILL it: then Next, Continue, Stop or closing the window
must each work, the window must keep responding (an ``after()`` callback
runs), and nothing may be left. With a step gate made of multiprocessing
locks, the first Next froze the window for good.

* The Signals lesson: the program (the lab process itself), killed with the
  tab's SIGKILL button.
* The child a program forks ("child pid N" in pipes), killed with ``kill -9``.
  A program's threads (mutex) share its process and cannot be killed alone.

A frozen window would hang the test, so each press runs under a watchdog
that interrupts the Tk thread after GUARD seconds and fails the test.
"""

from __future__ import annotations

import os
import signal
import threading

import psutil
import pytest

from tests.bounds import HANG
from tests.engine.proctools import has_ended, left_behind
from tests.gui.conftest import pump_until
from tests.reliability.lessons import slow_params

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
    """Step on, Run; Next, line by line, until the program has reported once (its
    first handler set) and waits at its next line."""
    tab = app.select("signals")
    tab.form.set_values(QUIET)
    tab.step_switch.invoke()
    assert tab.step_var.get(), "the Step switch did not turn on"
    tab.run_button.invoke()

    def next_until_it_waits() -> bool:
        if program_waits(tab):
            return True
        if tab.run.paused_actors() and tab.run.events.empty():
            press(app, "Next", tab.next_button)
        return False

    pump_until(app, next_until_it_waits, timeout=END_WITHIN)
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


def finish_the_run(app, tab, action: str) -> None:
    """After the kill: press ``action`` (Next until the end, Continue or Stop) and
    wait for the run's end; "close" leaves the run going for the window's close."""
    if action == "Next":
        press(app, "Next", tab.next_button)   # the dead child may be first in line
        next_until_done(app, tab)
    elif action in ("Continue", "Stop"):
        button = tab.continue_button if action == "Continue" else tab.stop_button
        press(app, action, button)
        pump_until(app, lambda: tab.state == "done", timeout=END_WITHIN)


@pytest.mark.gui
@pytest.mark.parametrize("action", ["Next", "Continue", "Stop", "close"])
def test_after_sigkill_of_a_paused_program_the_window_keeps_working(app, action):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    tab, pid = pause_the_program(app)
    family = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    run = tab.run
    press(app, "SIGKILL", tab.signal_buttons["SIGKILL"])
    pump_until(app, lambda: has_ended(pid), timeout=GUARD)
    finish_the_run(app, tab, action)
    if action != "close":
        # (Stop, if the run had not yet seen its program end, makes it "stopped".)
        assert tab.last_status in (("error", "stopped") if action == "Stop" else ("error",))
        assert f"The program (pid {pid}) was killed by SIGKILL" in tab.status_label.cget("text")
    with Watchdog("closing the window"):
        app.close()
    assert run.join(0), "the run still goes after the window closed"
    assert any(p.pid == pid for p in family), "the program was not among the run's processes"
    assert left_behind(family, wait=3.0) == [], "processes of the run left behind"


#: The child processes of the program lessons a test kills while paused:
#: (lesson, parameters, the actor name before " pid N").
PROGRAM_CHILDREN = {
    "pipes forked child": ("pipes", slow_params("pipes"), "child"),
    "mp_queue spawned consumer": ("mp_queue", {"producers": 1, "consumers": 2, "names": 3,
                                               "delay": 0.0, "start": "spawn"}, "consumer-1"),
}


def paused_child(tab, victim: str) -> int | None:
    """The pid of ``victim`` if it waits for Next and has said something already."""
    for actor in tab.run.paused_actors():
        if actor.startswith(f"{victim} pid "):
            pid = int(actor.rsplit(" ", 1)[1])
            if any(e.pid == pid and e.kind != "process" for e in tab.logview.events):
                return pid
    return None


def pause_a_program_child(app, lesson: str, params: dict, victim: str):
    """Step on, Run; Next until ``victim`` has said something and waits again."""
    tab = app.select(lesson)
    tab.form.set_values(params)
    tab.step_switch.invoke()
    tab.run_button.invoke()
    found: list[int] = []

    def victim_waits() -> bool:
        assert tab.run is not None, f"the run ended first: {tab.logview.content()[-500:]}"
        pid = paused_child(tab, victim)
        if pid is not None:
            found.append(pid)
            return True
        if tab.run.paused_actors() and tab.run.events.empty():
            press(app, "Next", tab.next_button)   # the first in line goes; the victim comes round
        return False

    pump_until(app, victim_waits, timeout=END_WITHIN)
    return tab, found[0]


def choose_the_dead(app, tab, actor: str) -> None:
    """The actors panel shows the killed actor finished; its number key is refused
    at once, and the window goes on answering."""
    def finished() -> bool:
        row = next((r for r in tab.step_table if r["actor"] == actor), None)
        return row is not None and row["state"] == "finished"
    pump_until(app, finished, timeout=END_WITHIN)
    number = next(r["number"] for r in tab.step_table if r["actor"] == actor)
    with Watchdog(f"the key of {actor}, killed"):
        tab.choose_number(number)
    assert tab.status_label.cget("text") == f"{actor} has finished."
    assert tab.actors_panel.row_text(actor).endswith(f"{actor} finished")


@pytest.mark.gui
@pytest.mark.parametrize("action", ["Next", "Continue", "Stop", "close"])
@pytest.mark.parametrize("case", list(PROGRAM_CHILDREN))
def test_after_kill_of_a_paused_program_child_the_window_keeps_working(app, case, action):
    lesson, params, victim = PROGRAM_CHILDREN[case]
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    tab, pid = pause_a_program_child(app, lesson, params, victim)
    family = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    run = tab.run
    os.kill(pid, signal.SIGKILL)   # kill -9, as from a terminal
    pump_until(app, lambda: has_ended(pid), timeout=GUARD)
    choose_the_dead(app, tab, f"{victim} pid {pid}")
    finish_the_run(app, tab, action)
    if action != "close":
        said = f"{victim} pid {pid} ended without finishing: killed from outside?"
        assert said in tab.logview.content()
        assert said in tab.status_label.cget("text")   # the status line names who died
        # The lab counts a process killed from outside as a failed run; Stop may
        # land after the program has already ended.
        assert tab.last_status in (("stopped", "error") if action == "Stop" else ("error",))
    with Watchdog("closing the window"):
        app.close()
    assert run.join(0), "the run still goes after the window closed"
    assert any(p.pid == pid for p in family), f"the {victim} was not among the run's processes"
    # A child killed with its parent (Stop, close) is init's to reap: wait for it.
    assert left_behind(family, wait=HANG) == [], "processes of the run left behind"
