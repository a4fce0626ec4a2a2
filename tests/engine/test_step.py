"""Step mode: no actor acts without a Next; each Next lets exactly one event through; Stop wins.

The lab gates an actor before each of its ``output``, ``state``, ``probe`` and
``sleep`` events (engine/lab/inside.py, ``gate``); it says so with a ``paused``
event first. The tests count, per actor, the Nexts given and the gated events
that came: they never wait for quiet.
"""

import os
import time

from engine import start
from engine.lab.inside import GATED
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until


def wait_for_a_paused_actor(run, limit: float = HANG) -> None:
    deadline = time.monotonic() + limit
    while not run.paused_actors():
        if time.monotonic() > deadline:
            raise AssertionError(f"no actor waited for Next within {limit} s")
        time.sleep(0.01)


def is_gated(event) -> bool:
    """An event an actor of the program waits before (not the engine's own first one)."""
    return event.kind in GATED and event.pid != os.getpid()


def step_and_count(run, steps: int) -> dict[str, int]:
    """Press Next ``steps`` times, one actor at a time; the gated events each actor made.

    After each Next, reads until that actor's event has come. Fails if any actor
    ever makes more gated events than it was given Nexts.
    """
    given: dict[str, int] = {}
    made: dict[str, int] = {}

    def count(event) -> bool:
        if is_gated(event):
            made[event.actor] = made.get(event.actor, 0) + 1
            assert made[event.actor] <= given.get(event.actor, 0), \
                f"{event.actor} acted without a Next: {event}"
        return event.kind == "done" or made.get(actor, 0) == given[actor]

    for _ in range(steps):
        wait_for_a_paused_actor(run)
        actor = run.step()
        assert actor is not None
        given[actor] = given.get(actor, 0) + 1
        if made.get(actor, 0) < given[actor]:
            read_until(run, count, HANG, f"{actor}'s one event")
    return made


def test_each_next_lets_exactly_one_event_through():
    run = start("mutex", {"threads": 3, "lines": 6, "delay": 0.0}, stepping=True)
    try:
        made = step_and_count(run, 12)
        assert sum(made.values()) == 12
        assert len(made) > 1, "the Nexts went to one thread only"
    finally:
        run.stop()
        assert run.join(HANG)
    assert collect(run)[-1].data["status"] == "stopped"


def test_step_mode_crosses_the_process_boundary():
    """The child processes of mp_queue wait at the same gate: per actor, no gated
    event without a Next, and Nexts reach actors in child processes too."""
    run = start("mp_queue", {"producers": 1, "consumers": 2, "names": 3, "delay": 0.0},
                stepping=True)
    try:
        made = step_and_count(run, 15)
        assert sum(made.values()) == 15
        children = [actor for actor in made if " pid " in actor]
        assert children, f"no event came from a child process: {made}"
        assert all(actor.startswith(("consumer-", "producer-")) for actor in children), made
    finally:
        run.stop()
        assert run.join(HANG)
    assert collect(run)[-1].data["status"] == "stopped"


def test_continue_runs_to_the_end():
    run = start("mutex", {"threads": 2, "lines": 2, "delay": 0.0}, stepping=True)
    wait_for_a_paused_actor(run)
    run.set_stepping(False)
    events = collect(run)
    assert events[-1].data["status"] == "ok"
    assert sum(1 for e in events if e.kind == "output" and "=>" in e.text) == 4


def test_stop_while_paused_ends_the_run():
    run = start("mutex", {"threads": 4, "lines": 50}, stepping=True)
    wait_for_a_paused_actor(run)
    run.stop()
    assert run.join(HANG), "a paused run must still stop"
    assert collect(run)[-1].data["status"] == "stopped"
    assert run.paused_actors() == []


def test_a_next_pressed_before_anyone_waits_is_kept_for_the_first():
    run = start("mutex", {"threads": 1, "lines": 1, "delay": 0.0}, stepping=True)
    try:
        run.step()   # before the program has even started
        events = read_until(run, is_gated, HANG, "the kept Next used")
        assert events[-1].actor in ("thread-0", "MainThread")
    finally:
        run.stop()
        assert run.join(HANG)
    collect(run)
