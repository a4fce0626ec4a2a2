"""SIGKILL of any child process of a lesson: reported, the run ends cleanly, the next works.

Table-driven over every child process each lesson starts (lessons.py,
``victims``): the consumers and producers of mp_queue, the child the pipes
program forks, the signals program's own (main) process, the process of the
thread_queue daemon shortcut, and a filescan worker. SIGKILL cannot be caught:
the lesson can only notice that the
process is gone.
"""

import os
import queue
import signal
import time

import psutil
import pytest

from engine import start
from tests.bounds import HANG
from tests.desktop import is_lesson_child
from tests.engine.helpers import collect, result_of
from tests.reliability.lessons import PROFILES, quick_params, slow_params, victims
from tests.reliability.soak import RunProcesses, census, leftovers

FIND_WITHIN = 20.0    # seconds for the victim to appear


def find_victim(run, how: str, what, procs: RunProcesses, seen: list) -> int:
    """The pid of the process to kill; events read meanwhile go to ``seen``."""
    deadline = time.monotonic() + FIND_WITHIN
    while time.monotonic() < deadline:
        procs.look()
        try:
            event = run.events.get(timeout=0.01)
        except queue.Empty:
            event = None
        if event is not None:
            seen.append(event)
            procs.note_events([event])
            assert event.kind != "done", f"the run ended first: {[e.text for e in seen]}"
            data = event.data if isinstance(event.data, dict) else {}
            if how == "actor" and event.actor.startswith(f"{what} pid "):
                return event.pid
            if how == "data" and isinstance(data.get(what), int):
                return data[what]
        if how == "child":
            for child in psutil.Process().children():
                if child.pid not in procs.before and is_lesson_child(child) and (
                        what != "emits" or any(e.pid == child.pid for e in seen)):
                    return child.pid
    raise AssertionError(f"no {how} {what!r} within {FIND_WITHIN} s: "
                         f"{[e.text for e in seen]}")


def reported(events, pid: int) -> list:
    """Events that tell the learner the process was killed (for the program's own
    process: the run's done event, whose exit code says which signal ended it)."""
    return [e for e in events if (e.kind in ("error", "log", "result")
                                  and ("SIGKILL" in e.text or "-9" in e.text or "killed" in e.text)
                                  and (str(pid) in e.text or "worker" in e.text))
            or (e.kind == "done" and e.pid == pid and e.data.get("exit_code") == -signal.SIGKILL
                and "killed by SIGKILL" in e.text)]


@pytest.mark.parametrize("lesson,victim", victims())
def test_a_killed_worker_is_reported_the_run_ends_and_the_next_run_works(lesson, victim,
                                                                         monkeypatch):
    how, what = PROFILES[lesson].victims[victim]
    baseline = census()
    procs = RunProcesses()
    run = start(lesson, slow_params(lesson, victim))
    events: list = []
    pid = find_victim(run, how, what, procs, events)
    os.kill(pid, signal.SIGKILL)
    events += collect(run, timeout=HANG)
    procs.note_events(events)
    monkeypatch.undo()
    texts = [e.text for e in events]
    assert reported(events, pid), f"the kill of the {victim} (pid {pid}) was not reported: {texts}"
    assert events[-1].data["status"] in ("ok", "error"), texts
    counts, described = leftovers(baseline, procs)
    assert not described, f"left after the {victim} was killed: {described}"

    events = collect(start(lesson, quick_params(lesson), speed=10))
    assert events[-1].data["status"] == "ok", [e.text for e in events]
    result_of(events)
    counts, described = leftovers(baseline, procs)
    assert not described, f"left after the next run: {described}"
