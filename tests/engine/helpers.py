"""Run a lesson to its end and collect its events."""

from __future__ import annotations

import queue
import time

from engine import start


def read_until(run, predicate, timeout: float = 30.0, what: str = "the awaited event") -> list:
    """Events of ``run`` up to the first one for which ``predicate`` is true.

    Fails at once, with what came, if the run ends (``done``) first; never
    waits past the run's end.
    """
    events, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        events.append(event)
        if predicate(event):
            return events
        if event.kind == "done":
            raise AssertionError(f"the run ended ({event.text}) before {what}; "
                                 f"got {[e.kind for e in events]}")
    run.stop()
    run.join(5)
    raise AssertionError(f"{what} did not come within {timeout} s; got {len(events)} events")


def collect(run, timeout: float = 30.0) -> list:
    """Every event of ``run`` up to and including ``done``."""
    events = read_until(run, lambda e: e.kind == "done", timeout, "done")
    assert run.join(5), "the run thread did not end after done"
    return events


def wait_for(run, kind: str, timeout: float = 30.0):
    """The first event of ``kind``; fails at once if the run ends first."""
    return read_until(run, lambda e: e.kind == kind, timeout, f"a {kind!r} event")[-1]


def run_lesson(lesson_id: str, params: dict | None = None, speed: float = 1.0,
               timeout: float = 30.0) -> list:
    return collect(start(lesson_id, params, speed=speed), timeout)


def result_of(events: list) -> dict:
    results = [e for e in events if e.kind == "result"]
    assert results, f"no result event among {[e.kind for e in events]}"
    return results[-1].data


def ending(done) -> tuple:
    """A lab run's ``done`` as (status, exit code of the lab process)."""
    assert done.kind == "done", done
    return done.data["status"], done.data["exit_code"]
