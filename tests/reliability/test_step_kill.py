"""Step mode and a child killed while it waits for Next (issue 13, point 1).

A child process waits at the step gate for its turn. SIGKILL it there, then
press Next, Continue or Stop: each must return at once, and the run must
still end with its ``done`` event and leave nothing behind. A gate made of
multiprocessing locks hung at this point for good (the killed child never
woke up to release them).

The child is paused for real, not waited for with a sleep: Next is pressed
until the victim has emitted once and then waits at the gate again, as
``run.paused_actors()`` shows.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time

import psutil
import pytest

from engine import catalog, start
from tests.engine.helpers import collect, ending, read_until
from tests.engine.proctools import has_ended, left_behind
from tests.reliability.lessons import slow_params

GUARD = 10.0          # seconds any call on the run may take (they return at once)
FIND_WITHIN = 30.0    # seconds to get the victim paused at the gate
END_WITHIN = 30.0     # seconds from the action to the run's done event

#: (lesson, parameters, the child to kill, by the name it was started with):
#: every lesson's child processes that wait at the gate. A program's forked
#: child is "child" (actor "child pid N"); a program's threads cannot be
#: killed alone, so mutex has none.
VICTIMS = {
    "mp_queue consumer": ("mp_queue", {"producers": 1, "consumers": 2, "names": 3,
                                       "delay": 0.0}, "consumer-1"),
    "mp_queue producer": ("mp_queue", {"producers": 2, "consumers": 1, "names": 3,
                                       "delay": 0.0}, "producer-1"),
    "pipes forked child": ("pipes", slow_params("pipes"), "child"),
    # Line stepping reaches a spawned child through the lab's start-up hook.
    "mp_queue spawned consumer": ("mp_queue", {"producers": 1, "consumers": 2, "names": 3,
                                               "delay": 0.0, "start": "spawn"}, "consumer-1"),
}


def call_within(what: str, action, seconds: float = GUARD):
    """``action()`` run in a thread of its own; fails clearly if it hangs."""
    outcome: list = []

    def call():
        try:
            outcome.append(("returned", action()))
        except BaseException as exc:    # shown in the failure below
            outcome.append(("raised", exc))
    worker = threading.Thread(target=call, name=f"guard: {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), \
        f"{what} hung (no return within {seconds:g} s) after a paused child was killed"
    how, value = outcome[0]
    assert how == "returned", f"{what} raised {value!r}"
    return value


def read_event(run, into: list, timeout: float = 0.05):
    """The run's next event if one comes within ``timeout``, also added to ``into``."""
    try:
        event = run.events.get(timeout=timeout)
    except queue.Empty:
        return None
    into.append(event)
    return event


def pause_victim(run, victim: str, seen: list) -> int:
    """Press Next until ``victim`` has emitted once and waits at the gate again.

    Returns its pid. Events read meanwhile go to ``seen``. A child process
    waits as "NAME pid N" (its threads may emit under other names)."""
    deadline = time.monotonic() + FIND_WITHIN
    while time.monotonic() < deadline:
        paused = run.paused_actors()
        for actor in paused:
            pid = int(actor.rsplit(" ", 1)[1]) if actor.startswith(f"{victim} pid ") else 0
            if pid and any(e.pid == pid for e in seen):
                return pid
        if paused:
            run.step()                 # the first in line goes; the victim comes round
        event = read_event(run, seen)
        assert event is None or event.kind != "done", \
            f"the run ended first: {[e.text for e in seen]}"
    raise AssertionError(f"{victim} never waited at the gate: {[e.text for e in seen]}")


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    """Until the run's waitpid can see that ``pid`` died (never reaps it)."""
    deadline = time.monotonic() + timeout
    while not has_ended(pid):
        assert time.monotonic() < deadline, f"pid {pid} still runs {timeout:g} s after SIGKILL"
        time.sleep(0.01)


def finish_with_next(run) -> list:
    """Press Next whenever an actor waits, until the run's done event."""
    events = []
    deadline = time.monotonic() + END_WITHIN
    while time.monotonic() < deadline:
        if call_within("run.paused_actors()", run.paused_actors):
            call_within("run.step()", run.step)
        event = read_event(run, events)
        if event is not None and event.kind == "done":
            return events
    raise AssertionError(f"no done event {END_WITHIN:g} s after the kill, pressing Next: "
                         f"{[e.text for e in events]}")


def press_after_the_kill(run, action: str) -> list:
    """Press Next (until the end), Continue or Stop; the events up to done."""
    if action == "next":
        call_within("run.step()", run.step)  # the dead one may be first in line
        return finish_with_next(run)
    if action == "continue":
        call_within("run.set_stepping(False)", lambda: run.set_stepping(False))
        return collect(run, timeout=END_WITHIN)
    call_within("run.stop()", run.stop)
    assert call_within("run.join()", lambda: run.join(GUARD - 1)), \
        "the run did not end after Stop"
    return collect(run, timeout=END_WITHIN)


@pytest.mark.parametrize("action", ["next", "continue", "stop"])
@pytest.mark.parametrize("case", list(VICTIMS))
def test_a_child_killed_at_the_step_gate_leaves_next_continue_and_stop_working(case, action):
    lesson, params, victim = VICTIMS[case]
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    run = start(lesson, params, stepping=True)
    seen: list = []
    try:
        pid = pause_victim(run, victim, seen)
        family = [p for p in psutil.Process().children(recursive=True)
                  if p.pid not in before]
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        if catalog.get(lesson).program:
            # The lab counts a process that ends without saying so as killed, unless
            # the run is stopping by then (its own ends look the same): so the kill
            # is seen first, then Stop (or Next, Continue) is pressed.
            seen += read_until(run, lambda e: e.kind == "error" and e.pid == pid, GUARD,
                               "the lab's report of the kill")
        events = press_after_the_kill(run, action)
    finally:
        run.stop()
        run.join(GUARD)
    texts = [e.text for e in seen + events]
    done = events[-1]
    assert done.kind == "done", texts
    assert_kill_reported(lesson, done, seen + events, victim, pid, action)
    assert left_behind(family, wait=3.0) == [], "processes of the run left behind"


@pytest.mark.parametrize("case", ["mp_queue consumer", "mp_queue spawned consumer"])
def test_a_child_killed_at_a_line_leaves_the_board_and_cannot_be_chosen(case):
    """Line stepping: the killed actor is finished on the step board (its process
    was killed); choosing it is refused at once; the others still take their steps."""
    lesson, params, victim = VICTIMS[case]
    run = start(lesson, params, stepping=True)
    seen: list = []
    try:
        pid = pause_victim(run, victim, seen)
        actor = f"{victim} pid {pid}"
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        seen += read_until(run, lambda e: e.kind == "actors" and any(
            row["actor"] == actor and row["state"] == "finished"
            for row in e.data["actors"]), GUARD, "the board's word of the kill")
        row = next(r for r in run.actors() if r["actor"] == actor)
        assert row["reason"] == "its process was killed", row
        choice = call_within(f"run.choose({actor!r})", lambda: run.choose(actor))
        assert not choice.moved and choice.text == f"{actor} has finished"
        events = press_after_the_kill(run, "next")   # the others go on to the end
    finally:
        run.stop()
        run.join(GUARD)
    assert events[-1].kind == "done"
    assert {"actor": actor, "pid": pid, "how": "killed"} in events[-1].data["died"]


def pause_the_program(run, seen: list) -> None:
    """Press Next until the program's main thread has reported once and waits again."""
    deadline = time.monotonic() + FIND_WITHIN
    while time.monotonic() < deadline:
        paused = run.paused_actors()
        if paused == ["MainThread"] and any(e.kind == "probe" for e in seen):
            return
        if paused:
            run.step()
        event = read_event(run, seen)
        assert event is None or event.kind != "done", \
            f"the run ended first: {[e.text for e in seen]}"
    raise AssertionError(f"the program never waited at the gate: {[e.text for e in seen]}")


@pytest.mark.parametrize("action", ["next", "continue", "stop"])
def test_the_program_killed_at_the_step_gate_leaves_next_continue_and_stop_working(action):
    """The signals program runs as the lab process itself, as the Signals tab's
    SIGKILL button finds it: killed while it waits for Next, the run ends as an
    error (killed by SIGKILL), and Next, Continue and Stop still return at once."""
    run = start("signals", slow_params("signals"), stepping=True)
    seen: list = []
    try:
        pause_the_program(run, seen)
        program = psutil.Process(run.pid)
        os.kill(run.pid, signal.SIGKILL)
        wait_dead(run.pid)
        events = press_after_the_kill(run, action)
    finally:
        run.stop()
        run.join(GUARD)
    texts = [e.text for e in seen + events]
    # Stop pressed before the run saw its program end makes it "stopped"; else "error".
    status, code = ending(events[-1])
    assert code == -signal.SIGKILL, texts
    assert status in (("stopped", "error") if action == "stop" else ("error",)), texts
    assert events[-1].text.endswith("killed by SIGKILL"), texts
    assert left_behind([program], wait=3.0) == [], "the program's process left behind"


def assert_kill_reported(lesson: str, done, events: list, victim: str, pid: int,
                         action: str) -> None:
    """The run says the victim was killed, in its engine's words, and ended."""
    texts = [e.text for e in events]
    if catalog.get(lesson).program:
        # The lab: the process ended without saying so. A death makes the run an error.
        actor = f"{victim} pid {pid}"
        assert done.data["status"] in (("stopped", "error") if action == "stop"
                                       else ("error",)), texts
        assert {"actor": actor, "pid": pid, "how": "killed"} in done.data["died"], texts
        assert any(e.kind == "error" and e.text.startswith(f"{actor} ended without finishing")
                   for e in events), texts
        return
    # A lesson with nothing left to say after the kill may end before Stop lands.
    assert done.data["status"] in (("stopped", "ok") if action == "stop" else ("ok",)), texts
    assert {"name": victim, "pid": pid, "how": "killed"} in done.data["died"], texts
    assert any(e.kind == "error" and f"{victim} (pid {pid}) was killed by SIGKILL" in e.text
               for e in events), texts
