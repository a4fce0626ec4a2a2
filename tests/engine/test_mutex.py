"""The mutex lesson with real threads: the lock really excludes."""

from tests.engine.helpers import result_of, run_lesson


def hold_spans(events):
    """(start, end, actor) of every stretch an actor held the lock, by event order."""
    spans, holding = [], {}
    for event in events:
        lane = (event.data or {}).get("lane") if isinstance(event.data, dict) else None
        if lane == "holding":
            holding[event.actor] = event.seq
        elif lane == "idle" and event.actor in holding:
            spans.append((holding.pop(event.actor), event.seq, event.actor))
    return spans


def test_every_thread_prints_every_line():
    events = run_lesson("mutex", {"threads": 5, "lines": 5})
    printed = {e.text for e in events if e.kind == "log" and e.actor.startswith("thread-")}
    assert printed == {f"[{i}] => {n}" for i in range(5) for n in range(5)}


def test_no_two_threads_hold_the_lock_at_once():
    events = run_lesson("mutex", {"threads": 8, "lines": 10, "delay": 0.0})
    spans = sorted(hold_spans(events))
    assert len(spans) == 80
    for (_s1, e1, a1), (s2, _e2, a2) in zip(spans, spans[1:], strict=False):
        assert e1 < s2, f"{a1} held the lock until event {e1}, but {a2} got it at {s2}"


def test_with_the_lock_nothing_is_garbled_or_lost():
    result = result_of(run_lesson("mutex", {"threads": 6, "lines": 5, "delay": 0.0}))
    assert result["garbled_lines"] == 0
    assert result["lost_updates"] == 0
    assert result["counter"] == 30


def test_without_the_lock_lines_garble_and_updates_are_lost():
    for _ in range(3):  # the race is arranged to show every time, not by luck
        result = result_of(run_lesson("mutex", {"threads": 4, "lines": 3, "lock": False}))
        assert result["garbled_lines"] > 0
        assert result["lost_updates"] > 0
