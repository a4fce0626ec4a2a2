"""Each lesson's challenges, judged by the engine from real runs of its program.

A goal that depends on the schedule is made to happen in step mode, never hoped
for from settings: the test chooses actors (one line each) until the run is at
the point the goal needs, then Continues (step mode off) and the run goes on at
full speed:
- mutex, lock off: both threads read the counter, then each prints its
  half-line, before either writes or ends its line;
- mutex, lock on: thread-0 holds the lock while thread-1 waits at ``with guard:``;
- thread_queue: the consumer alone blocks in get() (the producer held); with
  Maxsize 1, the producer alone puts once and blocks in its second put();
- mp_queue: the consumer process blocks in get() before the producer runs a line;
- deadlock: each thread holds its first lock before Continue.
Goals no schedule can reach are judged at the end of a plain run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from engine import challenges, start
from engine import vocabulary as v
from engine.catalog import get
from engine.params import build
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.steps import Stepper, line_of
from tests.engine.test_step import past_the_barrier, two_threads_at_the_lock


def said(events) -> list[tuple[str, bool]]:
    """(challenge id, reached) of each challenge event, in order."""
    return [(e.data[v.CHALLENGE_ID], e.data[v.REACHED]) for e in events
            if e.kind == v.CHALLENGE]


def message(events, challenge_id: str) -> str:
    [found] = [e.text for e in events if e.kind == v.CHALLENGE
               and e.data[v.CHALLENGE_ID] == challenge_id]
    return found


def run_to_end(lesson_id: str, params: dict, speed: float = 1.0) -> list:
    return collect(start(lesson_id, params, speed=speed), HANG)


def stepped_then_continued(lesson_id: str, params: dict,
                           arrange: Callable[[object], Stepper],
                           challenge_id: str | None = None) -> list:
    """Run in step mode; ``arrange`` chooses actors until the run is where the goal
    needs it (and gives back the Stepper that read the events); then Continue (step
    mode off) and every event to ``done``. With ``challenge_id``: up to that
    challenge's event, then Stop and every event to ``done``."""
    run = start(lesson_id, params, stepping=True)
    try:
        stepper = arrange(run)
        run.set_stepping(False)
        events = stepper.events
        if challenge_id is not None:
            events += read_until(run, lambda e: e.kind == v.CHALLENGE
                                 and e.data[v.CHALLENGE_ID] == challenge_id, HANG,
                                 challenge_id)
            run.stop()
        return events + collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)


def ready_at(stepper: Stepper, actor: str, line: int) -> None:
    """Choose only ``actor`` until it waits at ``line``."""
    stepper.step_until(lambda t: stepper.is_ready(actor, line), f"{actor} at line {line}",
                       who=lambda name: name == actor)


def blocked_in(stepper: Stepper, actor: str, call: str,
               who: Callable[[str], bool] | None = None) -> None:
    """Choose ``actor`` (and those ``who`` allows) until it is blocked in ``call``."""
    def in_call(table) -> bool:
        row = table.get(actor)
        return row is not None and row[v.ACTOR_STATE] == v.BLOCKED and row[v.CALL] == call
    stepper.step_until(in_call, f"{actor} blocked in {call}()",
                       who=who or (lambda name: name == actor))


# --- mutex ------------------------------------------------------------------------------

def two_reads_then_two_half_lines(run) -> Stepper:
    """mutex, lock off, two threads: both read the counter before either writes it,
    and each prints its first half-line before either ends its line."""
    program = get("mutex").program
    paused = line_of(program, "time.sleep(0.001)", after="value = counter")
    line_end = line_of(program, 'print(f"=> {n}")')
    stepper, _ = past_the_barrier(run)
    for thread, line in (("thread-0", paused), ("thread-1", paused),
                         ("thread-0", line_end), ("thread-1", line_end)):
        ready_at(stepper, thread, line)
    return stepper


def test_mutex_lock_off_an_update_is_lost_and_lines_garble():
    events = stepped_then_continued("mutex", {"threads": 2, "lines": 1, "lock": False,
                                              "delay": 0.0}, two_reads_then_two_half_lines)
    assert said(events) == [("lost_update", True), ("garbled", True)]
    assert message(events, "lost_update").startswith("Update lost! The counter ended at 1, ")
    assert message(events, "garbled").startswith("Garbled! ")
    # said after the result it is judged from, and before the end
    kinds = [e.kind for e in events]
    assert kinds.index(v.RESULT) < kinds.index(v.CHALLENGE) < kinds.index(v.DONE)


def test_mutex_lock_on_two_holders_is_never_reached_and_the_end_says_why():
    # thread-0 holds the lock and thread-1 is blocked at ``with guard:`` (at least
    # one wait, made to happen); then the run goes on at full speed.
    events = stepped_then_continued("mutex", {"threads": 2, "lines": 10, "delay": 0.0},
                                    lambda run: two_threads_at_the_lock(run)[0])
    assert said(events) == [("two_holders", False)]
    text = message(events, "two_holders")
    assert text.startswith("Never reached, and no schedule can reach it: ")
    waits = sum(1 for e in events if e.kind == v.STATE and e.data.get(v.LOCK) == "mutex"
                and e.data[v.LANE] == v.WAITING)
    assert waits > 0 and f"{waits} times a thread asked for the lock while another held it, " \
        "and had to wait" in text
    # every holder's release comes before the next holder's acquisition, in the events
    holder = None
    for e in events:
        if e.kind == v.STATE and e.data.get(v.LOCK) == "mutex":
            if e.data.get(v.ACQUIRED):
                assert holder is None, f"{e.actor} holds the lock while {holder} does"
                holder = e.actor
            elif v.ACQUIRED not in e.data and e.data[v.LANE] != v.WAITING:
                holder = None


def test_a_challenge_whose_setting_is_not_chosen_is_not_played():
    events = run_to_end("mutex", {"threads": 2, "lines": 1})
    assert "lost_update" not in dict(said(events))
    lesson = get("mutex")
    assert challenges.watch("mutex", build(lesson.params_cls, {"lock": False})) is not None
    assert challenges.watch("pipes", build(get("pipes").params_cls, {})) is None


# --- thread_queue -----------------------------------------------------------------------

def test_thread_queue_a_consumer_waits_on_an_empty_queue():
    # Only the main thread and the consumer go, until the consumer waits in get():
    # the producer is held at its first line, so the queue is empty.
    def consumer_blocks_in_get(run) -> Stepper:
        stepper = Stepper(run)
        stepper.main_until_ready("consumer-0", "producer-0")
        blocked_in(stepper, "consumer-0", "get")
        return stepper

    events = stepped_then_continued("thread_queue", {"producers": 1, "messages": 1,
                                                     "consumers": 1, "delay": 0.0},
                                    consumer_blocks_in_get)
    assert dict(said(events)) == {"empty_wait": True}
    text = message(events, "empty_wait")
    assert text.startswith("consumer-0 ") and "waits in get(): the queue is empty" in text
    assert events[-1].data[v.STATUS] == v.OK


def test_thread_queue_with_maxsize_1_a_producer_waits_on_a_full_queue():
    # Only the main thread and the producer go: its first put fills the queue (the
    # consumer is held at its first line), its second waits for room.
    def producer_blocks_in_put(run) -> Stepper:
        stepper = Stepper(run)
        stepper.main_until_ready("consumer-0", "producer-0")
        blocked_in(stepper, "producer-0", "put")
        return stepper

    events = stepped_then_continued("thread_queue", {"producers": 1, "messages": 2,
                                                     "consumers": 1, "maxsize": 1,
                                                     "delay": 0.0},
                                    producer_blocks_in_put)
    assert dict(said(events))["full_wait"] is True
    text = message(events, "full_wait")
    assert text.startswith("producer-0 ") and "waits in put(): the queue already holds" in text
    assert events[-1].data[v.STATUS] == v.OK


# --- mp_queue ---------------------------------------------------------------------------

def test_mp_queue_a_consumer_process_asks_before_any_producer_has_put():
    # Only the main process and the consumer process go, until the consumer waits in
    # get(): the producer process is held at its first line, so nothing was put yet.
    def consumer_blocks_in_get(run) -> Stepper:
        stepper = Stepper(run)
        def consumer_ready(table) -> bool:
            return any(name.startswith("consumer-0 pid ") and stepper.is_ready(name)
                       for name in table)
        stepper.step_until(consumer_ready, "the consumer process at a line",
                           who=lambda name: name == "MainThread")
        consumer = next(name for name in stepper.table if name.startswith("consumer-0 pid "))
        blocked_in(stepper, consumer, "get")
        return stepper

    events = stepped_then_continued("mp_queue", {"producers": 1, "consumers": 1, "names": 1,
                                                 "delay": 0.0}, consumer_blocks_in_get)
    assert said(events) == [("early_consumer", True)]
    assert message(events, "early_consumer").startswith("consumer-0 pid ")
    assert events[-1].data[v.STATUS] == v.OK


# --- deadlock ---------------------------------------------------------------------------

def each_holds_its_first_lock(run) -> Stepper:
    """deadlock: a-to-b holds lock_a and b-to-a holds lock_b, each before its next
    line: from there, each one's second acquire waits for the other."""
    holds = line_of(get("deadlock").program, 'print(f"{me} holds the lock of')
    stepper = Stepper(run)
    stepper.main_until_ready("a-to-b", "b-to-a")
    ready_at(stepper, "a-to-b", holds)
    ready_at(stepper, "b-to-a", holds)
    return stepper


def test_deadlock_reached_with_its_cycle_then_left_by_a_time_out():
    events = stepped_then_continued("deadlock", {"hold": 0.2, "patience": 0.3,
                                                 "transfers": 1}, each_holds_its_first_lock)
    assert said(events) == [("deadlock", True), ("backed_off", True)]
    assert message(events, "deadlock") == (
        "Deadlock! a-to-b and b-to-a each hold a lock that another one waits for: neither "
        "can ever go on by itself. A time-out of 0.3 s will break it.")
    assert message(events, "backed_off").startswith("Out of the deadlock: ")
    assert events[-1].data[v.STATUS] == v.OK


def test_deadlock_that_waits_for_ever_says_so_and_stop_ends_it():
    events = stepped_then_continued("deadlock", {"hold": 0.1, "patience": 0.0},
                                    each_holds_its_first_lock, challenge_id="deadlock")
    assert message(events, "deadlock").endswith("Nothing will break it now: press Stop.")
    assert said(events) == [("deadlock", True)]
    assert events[-1].data[v.STATUS] == v.STOPPED


def test_deadlock_with_one_order_is_never_reached_and_the_end_says_why():
    events = run_to_end("deadlock", {"order": "same", "hold": 0.1})
    assert said(events) == [("same_order", False)]
    assert "the waits can never go round in a circle" in message(events, "same_order")


# --- the command line prints them too ----------------------------------------------------

def test_the_command_line_prints_each_challenge_reached():
    done = subprocess.run([sys.executable, "-m", "engine", "run", "mutex", "--no-lock",
                           "--threads", "3"], capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if " challenge " in line]
    assert len(lines) == 2 and "Update lost!" in lines[0] and "Garbled!" in lines[1], lines


# --- stepped or not: judged from the events alone ------------------------------------------

def test_a_stepped_run_reaches_the_same_goals():
    # Step mode to the end: once each thread holds its first lock, one Next per actor
    # waiting at a line, and one more each time an actor pauses again. The goals are
    # judged from the events, whoever drives the run.
    run = start("deadlock", {"hold": 0.1, "patience": 0.0}, stepping=True)
    try:
        stepper = each_holds_its_first_lock(run)
        nexts = [run.step() for name in stepper.table if stepper.is_ready(name)]

        def next_until_the_challenge(event) -> bool:
            if event.kind == v.PAUSED:
                nexts.append(run.step())
            return event.kind == v.CHALLENGE

        events = stepper.events + read_until(run, next_until_the_challenge, HANG,
                                             "the deadlock challenge")
        run.stop()
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert nexts and None not in nexts[:2], nexts
    assert said(events) == [("deadlock", True)]
