"""The mp_queue lesson, with real processes, queues, locks and SIGKILL."""

import collections
import json
import os
import queue
import signal
import threading
import time

import pytest

from engine import start
from engine.control import Control
from engine.emitter import Emitter
from engine.lessons.mp_queue import consumer, holding, names_for
from engine.procs import CONTEXT, close_queue
from tests.bounds import HANG
from tests.engine.helpers import collect, result_of, run_lesson
from tests.engine.proctools import descendants, left_behind, processes, run_cli

SMALL = {"producers": 3, "consumers": 4, "names": 5, "delay": 0.3}


def wait_for(run, *predicates, timeout=20.0) -> list:
    """Events of ``run`` until each predicate has matched one of them."""
    seen, pending = [], list(predicates)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(event)
        assert event.kind != "done", f"the run ended first: {[e.text for e in seen]}"
        pending = [p for p in pending if not p(event)]
    if pending:
        run.stop()
        run.join(5)
        raise AssertionError("the awaited events never came")
    return seen


def has_pids(event) -> bool:
    return isinstance(event.data, dict) and "pids" in event.data


def pids_of(events) -> dict:
    return next(e.data["pids"] for e in events if has_pids(e))


def take_and_leave(lock):
    """A child that ends holding ``lock``: nothing will ever release it."""
    lock.acquire()


def take_one(work, ready):
    """A child that blocks in get(), holding the queue's reader lock."""
    ready.set()
    work.get()


def test_every_name_is_consumed_exactly_once():
    events = run_lesson("mp_queue", SMALL, speed=10)
    expected = [name for i in range(1, 4) for name in names_for(i, 5)]
    assert len(set(expected)) == 15
    put = [e.data["name"] for e in events
           if e.actor.startswith("producer-") and e.text.startswith("put ")]
    handled = [e.data["name"] for e in events
               if e.actor.startswith("consumer-") and e.text.startswith("handled ")]
    assert sorted(put) == sorted(expected)
    assert collections.Counter(handled) == collections.Counter(expected)
    result = result_of(events)
    assert result["produced"] == result["consumed"] == 15
    assert result["lost"] == [] and result["twice"] == [] and result["killed"] == []
    sentinels = [e for e in events if e.actor.startswith("consumer-") and "sentinel" in e.text]
    assert len(sentinels) == 4                # each consumer ended on its own sentinel
    assert events[-1].data["status"] == "ok"


def test_each_process_has_its_own_pid_and_says_it():
    events = run_lesson("mp_queue", {"producers": 2, "consumers": 3, "names": 2,
                                     "delay": 0.1}, speed=10)
    pids = result_of(events)["pids"]
    assert sorted(pids) == ["consumer-1", "consumer-2", "consumer-3",
                            "producer-1", "producer-2"]
    assert len(set(pids.values())) == 5 and os.getpid() not in pids.values()
    from_children = [e for e in events if e.actor.startswith(("producer-", "consumer-"))]
    assert from_children
    for event in from_children:
        name, _, pid = event.actor.partition(" pid ")
        assert pids[name] == int(pid) == event.pid      # the lane names the process
    depths = [e.data["depth"] for e in events if e.actor == "queue"]
    assert depths and min(depths) >= 0


def test_daemon_consumers_end_with_the_main_program():
    events = run_lesson("mp_queue", {"producers": 2, "consumers": 3, "names": 3,
                                     "delay": 1.0, "daemon": True}, speed=10)
    texts = [e.text for e in events]
    assert not any("sentinel" in t for t in texts)
    assert any("takes its daemon consumers with it" in t for t in texts)
    result = result_of(events)
    assert result["produced"] == 6
    assert result["consumed"] + len(result["lost"]) == 6
    # Ending our own daemons is the lesson's choice, not a kill from outside.
    assert [e for e in events if e.kind == "error"] == []
    assert events[-1].data["status"] == "ok"


@pytest.mark.parametrize("victim", ["consumer-1", "producer-2"])
def test_a_worker_killed_from_outside_is_reported_and_the_run_ends(victim):
    run = start("mp_queue", {"producers": 2, "consumers": 3, "names": 40, "delay": 2.0})
    seen = wait_for(run, lambda e: e.actor.startswith(victim + " pid"), has_pids)
    pids = pids_of(seen)
    procs = processes(pids.values())
    os.kill(pids[victim], signal.SIGKILL)
    events = seen + collect(run, timeout=10)
    errors = [e for e in events if e.kind == "error"]
    assert [e.data for e in errors] == [{"pid": pids[victim], "exitcode": -9, "name": victim}]
    assert "SIGKILL" in errors[0].text
    result = result_of(events)
    assert result["killed"] == [{"pid": pids[victim], "exitcode": -9, "name": victim}]
    assert events[-1].data["status"] == "ok"  # the lesson ended on its own, cleanly
    assert left_behind(procs) == []


def test_a_consumer_gives_up_on_a_queue_whose_lock_died_with_its_holder():
    """A process killed inside get() keeps the queue's reader lock forever."""
    work, reports, console = CONTEXT.Queue(), CONTEXT.Queue(), CONTEXT.Lock()
    ready = CONTEXT.Event()
    holder = CONTEXT.Process(target=take_one, args=(work, ready))
    holder.start()
    try:
        assert ready.wait(HANG)
        # Wait until the holder is inside get(), holding the queue's reader lock
        # (a blocking get keeps it while it waits for data): seen, not assumed.
        deadline = time.monotonic() + HANG
        while work._rlock.acquire(False):
            work._rlock.release()
            assert time.monotonic() < deadline, "the holder never waited inside get()"
            time.sleep(0.01)
        os.kill(holder.pid, signal.SIGKILL)
        holder.join()
        work.put("spam")
        stop = Control()
        emit = Emitter(queue.Queue())
        worker = threading.Thread(target=consumer,
                                  args=(emit, stop, work, reports, console, 0.0))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "the name should be unreachable behind the dead lock"
        stop.set()
        worker.join(HANG)
        assert not worker.is_alive(), "the consumer must notice Stop"
    finally:
        holder.join(1)
        holder.close()
        close_queue(work)
        close_queue(reports)


def test_holding_waits_at_most_until_stop_for_a_lock_a_dead_process_kept():
    console = CONTEXT.Lock()
    holder = CONTEXT.Process(target=take_and_leave, args=(console,))
    holder.start()
    holder.join()
    holder.close()
    stop = Control()
    said = []

    def print_line():
        with holding(console, stop):
            said.append("printed anyway")

    worker = threading.Thread(target=print_line)
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not said       # it waits for the lock...
    stop.set()
    worker.join(HANG)
    assert not worker.is_alive() and said       # ...but not forever
    assert not console.acquire(False)           # still held by the dead process


def test_stop_mid_run_leaves_no_process_and_no_zombie():
    run = start("mp_queue", {"delay": 5.0})
    seen = wait_for(run, has_pids)
    procs = processes(pids_of(seen).values())
    assert len(procs) == 9 and set(procs) <= descendants()
    run.stop()
    assert run.join(HANG), "the run did not end after stop()"
    events = collect(run)
    assert events[-1].data["status"] == "stopped"
    assert left_behind(procs) == []


def test_stop_while_the_processes_are_still_starting():
    run = start("mp_queue", {})
    time.sleep(0.05)
    run.stop()
    assert run.join(HANG)
    collect(run)
    # the leak fixture checks that no child process is left


def test_twenty_runs_in_a_row_leave_nothing_behind():
    for _ in range(20):
        events = run_lesson("mp_queue", {"producers": 1, "consumers": 1, "names": 2,
                                         "delay": 0.0}, speed=10)
        result = result_of(events)
        assert result["produced"] == result["consumed"] == 2
    # the leak fixture compares threads, children and fds with before the test


def test_cli_json_result_and_no_process_left_after_exit(tmp_path):
    status, output, seen = run_cli(
        ["run", "mp_queue", "--json", "--producers", "2", "--consumers", "2", "--names", "3",
         "--delay", "0.2", "--speed", "10"], tmp_path / "out.jsonl")
    assert status == 0, output
    rows = [json.loads(line) for line in output.splitlines()]
    result = next(r for r in rows if r["kind"] == "result")["data"]
    assert result["produced"] == result["consumed"] == 6
    assert len(result["pids"]) == 4
    assert {p.pid for p in seen} >= set(result["pids"].values())
    # The command has exited: its ended orphans are init's to reap (see left_behind).
    assert left_behind(seen, wait=15.0, zombies=False) == []
