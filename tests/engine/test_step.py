"""Step mode, line by line: the learner picks which actor runs its next line (issue 16).

Every actor of a run (threads, forked and spawned processes) waits before each
statement of the program; ``run.choose(actor)`` lets exactly that one run its
line; a blocked actor is refused, with the reason; the timeline's clock counts
the program's time, not the learner's. The tests read the step board (the
``actors`` events) until it shows what a step must lead to: they never wait
for quiet, and hold no timing promise.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine import catalog, start
from engine import vocabulary as v
from engine.lab import start_lab
from engine.lab.board import ProgramClock
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.steps import Stepper, line_of

PROGRAMS = Path(__file__).parent / "lab_programs"
#: Kinds by which an actor acts (or says it waits): another actor's must not
#: come while one chosen actor runs its line.
ACTS = frozenset({v.PAUSED, v.OUTPUT, v.STATE, v.PROBE, v.BLOCKED, v.FINISHED})


def others_acting(events: list, chosen: str, held: set[str]) -> list:
    """Events by which an actor that was held at the gate acted."""
    return [e for e in events if e.kind in ACTS and e.actor != chosen and e.actor in held]


def held_at_the_gate(stepper: Stepper, chosen: str) -> set[str]:
    return {name for name, row in stepper.table.items()
            if row[v.ACTOR_STATE] == v.READY and name != chosen}


def stop_and_collect(run) -> list:
    run.stop()
    assert run.join(HANG), "the run did not end after stop()"
    return collect(run, HANG)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_consumer_process_paused_at_a_line_advances_one_line_per_choice(method):
    """mp_queue's consumer process, started by fork or by spawn: each choice moves
    it by exactly one statement, and nobody else moves; its get() on the empty
    queue blocks it, and choosing it then is refused with the reason."""
    program = catalog.get("mp_queue").program
    first = line_of(program, "me = ", after="def consumer")
    loop = line_of(program, "while True:", after="def consumer")
    get = line_of(program, "name = work.get()", after="def consumer")
    run = start("mp_queue", {"producers": 1, "consumers": 1, "names": 1, "delay": 0.0,
                             "start": method}, stepping=True)
    stepper = Stepper(run)
    consumer = None
    try:
        # Only the main thread is let go, until the consumer waits at its first line.
        def consumer_at_first_line(table) -> bool:
            return any(name.startswith("consumer-0 pid ") and stepper.is_ready(name, first)
                       for name in table)
        stepper.step_until(consumer_at_first_line, "the consumer at its first line",
                           who=lambda name: name == "MainThread")
        consumer = next(name for name in stepper.table if name.startswith("consumer-0 pid "))
        for expected in (loop, get):
            held = held_at_the_gate(stepper, consumer)
            events = stepper.choose(consumer)
            assert stepper.is_ready(consumer, expected), stepper.describe()
            assert not others_acting(events, consumer, held), \
                [e.text for e in others_acting(events, consumer, held)]
            paused = [e for e in events if e.kind == v.PAUSED and e.actor == consumer]
            assert [e.line for e in paused] == [expected]   # one line, not two
        # No producer has put anything: the get() waits, and says why.
        stepper.choose(consumer)
        row = stepper.row(consumer)
        assert row[v.ACTOR_STATE] == v.BLOCKED, stepper.describe()
        assert row[v.REASON] == "waiting for an item: work is empty"
        assert row[v.LINE_NO] == get
        refused = run.choose(consumer)
        assert not refused.moved
        assert refused.text == f"{consumer} cannot go: waiting for an item: work is empty"
    finally:
        events = stop_and_collect(run)
    assert events[-1].data[v.STATUS] == v.STOPPED


def take_the_lock(stepper: Stepper, thread: str, inside_line: int) -> None:
    """Choose ``thread`` until it waits at ``inside_line``, inside ``with guard:``."""
    while not stepper.is_ready(thread, inside_line):
        stepper.choose(thread)


def past_the_barrier(run) -> tuple[Stepper, int]:
    """mutex: both threads started and past the barrier (start_line.wait()), each
    at its next line; and the line of ``with guard:``."""
    program = catalog.get("mutex").program
    barrier = line_of(program, "start_line.wait()")
    stepper = Stepper(run)
    stepper.main_until_ready("thread-0", "thread-1")
    for thread in ("thread-0", "thread-1"):
        while not stepper.is_ready(thread, barrier):
            stepper.choose(thread)
    stepper.choose("thread-0")   # it waits at the barrier...
    stepper.choose("thread-1")   # ...until the second one comes
    stepper.read(lambda t: stepper.is_ready("thread-0") and stepper.is_ready("thread-1"),
                 "both threads past the barrier")
    return stepper, line_of(program, "with guard:")


def block_at_the_lock(stepper: Stepper, thread: str) -> None:
    while stepper.row(thread)[v.ACTOR_STATE] != v.BLOCKED:
        stepper.choose(thread)


def two_threads_at_the_lock(run) -> tuple[Stepper, int]:
    """mutex with the lock on: thread-0 holds it, thread-1 is blocked at ``with guard:``."""
    stepper, with_line = past_the_barrier(run)
    take_the_lock(stepper, "thread-0", with_line + 1)
    block_at_the_lock(stepper, "thread-1")
    return stepper, with_line


def test_a_thread_waiting_for_the_lock_is_refused_with_the_holder_named():
    run = start("mutex", {"threads": 2, "lines": 1, "delay": 0.0}, stepping=True)
    try:
        stepper, with_line = two_threads_at_the_lock(run)
        row = stepper.row("thread-1")
        assert (row[v.LINE_NO], row[v.CALL]) == (with_line, "with")
        assert row[v.REASON] == "waiting for the lock held by thread-0"
        assert row[v.LOCK]   # the lock's name, for a watcher that draws who waits for what
        choice = run.choose("thread-1")
        assert not choice.moved
        assert choice.text == "thread-1 cannot go: waiting for the lock held by thread-0"
        # The holder goes on; once it leaves the block, the waiter holds the lock.
        stepper.step_until(lambda t: t["thread-1"][v.ACTOR_STATE] == v.READY,
                           "thread-1 in the lock", who=lambda name: name == "thread-0")
        assert stepper.row("thread-1")[v.LINE_NO] == with_line + 1
    finally:
        stop_and_collect(run)


def test_the_clock_stops_while_the_learner_holds_the_program():
    """thread-1 waits for the lock while the learner thinks (THINK seconds, everyone
    held): its wait on the program's clock is shorter than the wall time by at least
    that, so the timeline's waiting span shows contention, not the learner."""
    think = 0.3
    run = start("mutex", {"threads": 2, "lines": 1, "delay": 0.0}, stepping=True)
    try:
        stepper, with_line = past_the_barrier(run)
        take_the_lock(stepper, "thread-0", with_line + 1)
        began = time.monotonic()
        block_at_the_lock(stepper, "thread-1")
        time.sleep(think)   # the learner thinks: every actor is held
        stepper.step_until(lambda t: t["thread-1"][v.ACTOR_STATE] == v.READY,
                           "thread-1 in the lock", who=lambda name: name == "thread-0")
        wall = time.monotonic() - began
        lanes = [e for e in stepper.events if e.kind == v.STATE and e.actor == "thread-1"]
        waited = next(e for e in lanes if e.data[v.LANE] == v.WAITING)
        got = next(e for e in lanes if e.data[v.LANE] == v.HOLDING)
        assert got.t - waited.t <= wall - think, (got.t - waited.t, wall)
    finally:
        events = stop_and_collect(run)
    assert events[-1].data[v.HELD] >= think


def test_program_clock_maps_held_spans_out():
    clock = ProgramClock(100.0)
    assert clock.program_time(101.0) == 1.0
    clock.hold(102.0)
    assert clock.program_time(105.0) == 2.0          # held: the clock stands still
    clock.release(110.0)
    assert clock.program_time(111.0) == 3.0
    assert clock.program_time(101.5) == 1.5          # before the span: as it was
    clock.hold(112.0)
    clock.release(113.0)
    assert clock.program_time(114.0) == 5.0
    assert clock.held(114.0) == 9.0
    clock.release(120.0)                             # not holding: nothing changes
    assert clock.program_time(121.0) == 12.0


def test_with_step_mode_off_no_trace_function_is_installed():
    """Off from the start: no thread ever has a trace function. On, then off while
    the program waits at a line: from that line on, none either."""
    events = collect(start_lab(str(PROGRAMS / "trace_check.py"), []), HANG)
    said = [e.text for e in events if e.kind == v.OUTPUT]
    assert len(said) == 43 and all(text.endswith("traced=False") for text in said), said
    run = start_lab(str(PROGRAMS / "trace_check.py"), [], stepping=True)
    stepper = Stepper(run)
    try:
        stepper.step_until(lambda t: any(e.kind == v.OUTPUT and e.text.startswith("main ")
                                         for e in stepper.events), "main's first line")
        stepper.read(lambda t: stepper.is_ready("MainThread"), "main waiting again")
        run.set_stepping(False)
        events = stepper.events + collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    said = [e.text for e in events if e.kind == v.OUTPUT]
    assert said[:4] == ["helper 0 traced=True", "helper 1 traced=True", "helper 2 traced=True",
                        "main 0 traced=True"], said
    assert all(text.endswith("traced=False") for text in said[4:]) and len(said) == 43, said
    assert events[-1].data[v.STATUS] == v.OK


def test_step_mode_turned_on_mid_run_reaches_running_threads():
    """Threads already running when Step comes on join in (Python 3.12+ reaches them
    at once; before, at their next print, sleep or probed call)."""
    run = start("mutex", {"threads": 2, "lines": 200, "delay": 0.01})
    try:
        read_until(run, lambda e: e.kind == v.OUTPUT and e.actor.startswith("thread-"), HANG,
                   "a thread's first line")
        run.set_stepping(True)
        stepper = Stepper(run)
        # Each thread is at a line, or blocked by the other (the lock it holds).
        stepper.read(lambda t: {"thread-0", "thread-1"} <= set(t) and any(
            stepper.is_ready(name) for name in ("thread-0", "thread-1")),
                     "both threads on the board, one ready")
        mover = next(name for name in ("thread-0", "thread-1") if stepper.is_ready(name))
        line = stepper.row(mover)[v.LINE_NO]
        stepper.choose(mover)
        assert stepper.row(mover)[v.LINE_NO] != line or \
            stepper.row(mover)[v.ACTOR_STATE] != v.READY
        run.set_stepping(False)   # Continue
        events = collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].data[v.STATUS] == v.OK
    assert [e for e in events if e.kind == v.ACTORS][-1].data[v.STEPPING] is False


def test_a_thread_that_returns_is_finished_and_cannot_be_chosen():
    run = start("mutex", {"threads": 1, "lines": 1, "delay": 0.0}, stepping=True)
    try:
        stepper = Stepper(run)
        stepper.step_until(lambda t: t.get("thread-0", {}).get(v.ACTOR_STATE) == v.FINISHED,
                           "thread-0 finished")
        choice = run.choose("thread-0")
        assert not choice.moved and choice.text == "thread-0 has finished"
        assert not run.choose("nobody").moved
    finally:
        stop_and_collect(run)


def test_next_goes_round_the_ready_actors_in_turn():
    run = start_lab(str(PROGRAMS / "step_threads.py"), [], stepping=True)
    stepper = Stepper(run)
    try:
        stepper.main_until_ready("t0", "t1")
        order = [stepper.step() for _ in range(4)]
        # After the main thread (1) went last: 2, 3, then round to 1, and 2 again.
        assert order == ["t0", "t1", "MainThread", "t0"], order
    finally:
        run.stop()
        run.join(HANG)
        collect(run, HANG)


def test_continue_runs_to_the_end():
    run = start("mutex", {"threads": 2, "lines": 2, "delay": 0.0}, stepping=True)
    Stepper(run).read(lambda t: bool(t), "an actor at a line")
    run.set_stepping(False)
    events = collect(run)
    assert events[-1].data[v.STATUS] == v.OK
    assert sum(1 for e in events if e.kind == v.OUTPUT and "=>" in e.text) == 4


def test_stop_while_paused_ends_the_run():
    run = start("mutex", {"threads": 4, "lines": 50}, stepping=True)
    Stepper(run).read(lambda t: bool(t), "an actor at a line")
    run.stop()
    assert run.join(HANG), "a paused run must still stop"
    assert collect(run)[-1].data[v.STATUS] == v.STOPPED
    assert run.paused_actors() == []


def test_a_next_pressed_before_anyone_waits_is_kept_for_the_first():
    run = start("mutex", {"threads": 1, "lines": 1, "delay": 0.0}, stepping=True)
    try:
        assert run.step() is None   # before the program has even started
        stepper = Stepper(run)
        stepper.read(lambda t: "MainThread" in t and t["MainThread"][v.ACTOR_STATE] == v.READY
                     and len([e for e in stepper.events if e.kind == v.PAUSED]) >= 2,
                     "the kept Next used, and main at its second line")
        firsts = [e.line for e in stepper.events if e.kind == v.PAUSED][:2]
        assert firsts[0] != firsts[1]
    finally:
        stop_and_collect(run)


def test_each_process_steps_its_own_actors_fork():
    """A forked child (traced as its parent was) waits at its lines too, as
    "child pid N", while its parent waits in waitpid."""
    run = start_lab(str(PROGRAMS / "step_threads.py"), [], stepping=True)
    stepper = Stepper(run)
    try:
        child = stepper.step_until_one_named("child pid ")
        assert int(child.rsplit(" ", 1)[1]) != os.getpid()
        stepper.choose(child)
        assert stepper.row(child)[v.ACTOR_STATE] == v.READY
    finally:
        stop_and_collect(run)
