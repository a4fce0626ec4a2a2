"""Run a lesson to its end and collect its events."""

from __future__ import annotations

import queue
import time

from engine import start


def collect(run, timeout: float = 30.0) -> list:
    """Every event of ``run`` up to and including ``done``."""
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        events.append(event)
        if event.kind == "done":
            assert run.join(5), "the run thread did not end after done"
            return events
    run.stop()
    run.join(5)
    raise AssertionError(f"no done event within {timeout} s; got {len(events)} events")


def wait_for(run, kind: str, timeout: float = 30.0):
    """The first event of ``kind``; fails at once if the run ends (``done``) first.

    The events read on the way are kept in ``run.seen`` for the test to look at.
    """
    seen = run.__dict__.setdefault("seen", [])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(event)
        if event.kind == kind:
            return event
        if event.kind == "done":
            raise AssertionError(f"the run ended ({event.text}) before any {kind!r} event; "
                                 f"got {[e.kind for e in seen]}")
    run.stop()
    run.join(5)
    raise AssertionError(f"no {kind!r} event within {timeout} s; got {[e.kind for e in seen]}")


def run_lesson(lesson_id: str, params: dict | None = None, speed: float = 1.0,
               timeout: float = 30.0) -> list:
    return collect(start(lesson_id, params, speed=speed), timeout)


def result_of(events: list) -> dict:
    results = [e for e in events if e.kind == "result"]
    assert results, f"no result event among {[e.kind for e in events]}"
    return results[-1].data
