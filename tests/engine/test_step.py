"""Step mode: each Next lets exactly one event through; Stop always wins."""

import queue
import time

from engine import start
from tests.bounds import HANG
from tests.engine.helpers import collect


def quiet_events(run, quiet: float = 0.4, limit: float = 10.0) -> list:
    """Events until none has arrived for ``quiet`` seconds."""
    got, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            got.append(run.events.get(timeout=quiet))
        except queue.Empty:
            return got
    raise AssertionError("the run never paused")


def wait_for_a_paused_actor(run, limit: float = HANG, count: int = 1) -> list[str]:
    """Until ``count`` actors wait for Next (child processes may take a while to start).

    A Next pressed while nobody waits is kept for the next actor to arrive, so
    a test that counts one event per Next presses it only now."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        paused = run.paused_actors()
        if len(paused) >= count:
            return paused
        time.sleep(0.01)
    raise AssertionError(f"{count} actor(s) did not wait for Next within {limit} s")


def one_step(run, quiet: float = 0.4, limit: float = 20.0) -> list:
    """Press Next once an actor waits; the events up to the first gated one,
    and any that follow it before ``quiet`` seconds pass without one."""
    wait_for_a_paused_actor(run)
    run.step()
    got, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline and not any(e.kind in GATED for e in got):
        try:
            got.append(run.events.get(timeout=0.05))
        except queue.Empty:
            pass
    return got + quiet_events(run, quiet)


GATED = ("log", "state")   # the kinds of event that wait at the gate


def test_each_next_lets_exactly_one_event_through():
    run = start("mutex", {"threads": 3, "lines": 3, "delay": 0.0}, stepping=True)
    try:
        wait_for_a_paused_actor(run, count=3)
        settled = quiet_events(run)
        # every thread waits at its first emit: nothing happens by itself
        assert [e.text for e in settled] == ["Threads and a lock: started"]
        actors = set()
        for _ in range(12):
            got = one_step(run)
            assert len(got) == 1
            actors.add(got[0].actor)
        assert len(actors) > 1, "the permits went to more than one thread"
    finally:
        run.stop()
        assert run.join(HANG)
    assert collect(run)[-1].data["status"] == "stopped"


def test_continue_runs_to_the_end():
    run = start("mutex", {"threads": 2, "lines": 2, "delay": 0.0}, stepping=True)
    quiet_events(run)
    run.set_stepping(False)
    events = collect(run)
    assert events[-1].data["status"] == "ok"


def test_stop_while_paused_ends_the_run():
    run = start("mutex", {"threads": 4, "lines": 50}, stepping=True)
    quiet_events(run)
    run.stop()
    assert run.join(HANG), "a paused run must still stop"
    assert collect(run)[-1].data["status"] == "stopped"


def test_step_mode_crosses_the_process_boundary():
    """Child processes wait at the same gate: one Next, one event."""
    run = start("mp_queue", {}, stepping=True)
    try:
        wait_for_a_paused_actor(run)
        settled = quiet_events(run, quiet=1.0)
        assert all(e.pid == settled[0].pid for e in settled if e.kind in ("log", "state")), \
            "no child process may emit before the first Next"
        child_events = 0
        for _ in range(15):
            got = one_step(run, quiet=0.6)
            gated = [e for e in got if e.kind in GATED]
            assert len(gated) == 1, [e.text for e in got]
            child_events += gated[0].pid != settled[0].pid
        assert child_events > 0, "no event came from a child process"
    finally:
        run.stop()
        assert run.join(HANG)
    collect(run)


def test_speed_changes_reach_a_running_child_process():
    from engine import catalog
    from engine.params import build
    from engine.runner import Run
    from tests.engine import speed_lesson
    lesson = catalog.Lesson("speed", "Speed probe", speed_lesson)
    run = Run(lesson, build(speed_lesson.Params, {}), speed=1.0).begin()
    try:
        seen = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and 7.5 not in seen:
            try:
                event = run.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(event.data, dict) and "speed" in event.data:
                seen.append(event.data["speed"])
                if seen == [1.0]:
                    run.set_speed(7.5)   # while the child runs
        assert seen == [1.0, 7.5]
    finally:
        run.stop()
        assert run.join(HANG)
    collect(run)
