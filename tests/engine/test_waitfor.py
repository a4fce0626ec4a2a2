"""Deadlocks found from the lock probes' events: the engine's wait-for graph.

Real runs of small programs whose actors deadlock every time (each takes its
own lock, all meet at a barrier, then each asks for the next one's lock, with
a time-out), with threads and with processes; and the graph itself, fed the
events of the orders a run can report them in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import vocabulary as v
from engine.lab import start_lab
from engine.waitfor import WaitFor
from tests.bounds import HANG
from tests.engine.helpers import collect

PROGRAMS = Path(__file__).parent / "lab_programs"


def deadlocks(events) -> list:
    return [e for e in events if e.kind == v.DEADLOCK]


def steps(event) -> list[tuple[str, str, str]]:
    return [(s[v.ACTOR], s[v.HOLDS], s[v.WAITS_FOR]) for s in event.data[v.CYCLE]]


@pytest.mark.parametrize("n", [2, 3])
def test_a_ring_of_threads_is_reported_as_one_cycle_then_as_over(n):
    run = start_lab(str(PROGRAMS / "ring.py"), ["threads", str(n)])
    events = collect(run, HANG)
    assert events[-1].data["status"] == "ok"
    found = deadlocks(events)
    assert [e.data[v.RESOLVED] for e in found] == [False, True], [e.text for e in found]
    # The engine's own events are the lab's, as its done is: actor "lab", the lab's pid
    # (a watcher counting a run's processes by pid must never meet None).
    assert {(e.actor, e.pid) for e in found} == {("lab", run.pid)}
    # seat-k holds lock-(k+1) (the locks are unnamed: lock-N in order of creation)
    # and waits for its neighbour's; the first to give up ends it (seat-0, most often).
    assert steps(found[0]) == [(f"seat-{k}", f"lock-{k + 1}", f"lock-{(k + 1) % n + 1}")
                               for k in range(n)]
    assert found[0].text.startswith("deadlock: seat-0 holds lock-1 and waits for lock-2, "
                                    "held by seat-1")
    assert re.fullmatch(r"the deadlock is over: seat-(\d) gave up waiting for lock-\d",
                        found[1].text), found[1].text
    assert steps(found[1]) == steps(found[0])
    closing = max(e.seq for e in events if e.kind == v.STATE and e.data[v.LANE] == v.WAITING)
    assert found[0].seq > closing   # said after the wait that closed it, not before


def test_processes_deadlocked_on_multiprocessing_locks_are_one_cycle():
    events = collect(start_lab(str(PROGRAMS / "ring.py"), ["processes"]), HANG)
    assert events[-1].data["status"] == "ok"
    found = deadlocks(events)
    assert [e.data[v.RESOLVED] for e in found] == [False, True], [e.text for e in found]
    actors = [step[0].split(" pid ")[0] for step in steps(found[0])]
    assert actors == ["seat-0", "seat-1"]
    assert [step[1:] for step in steps(found[0])] == [("left", "right"), ("right", "left")]


# --- the graph, fed by hand: the orders events can come in --------------------------------

def wait(graph, actor, lock, pid=1):
    return graph.feed(actor, pid, {v.LOCK: lock, v.LANE: v.WAITING})


def got(graph, actor, lock, pid=1):
    return graph.feed(actor, pid, {v.LOCK: lock, v.LANE: v.HOLDING, v.ACQUIRED: True})


def released(graph, actor, lock, pid=1):
    return graph.feed(actor, pid, {v.LOCK: lock, v.LANE: v.IDLE})


def test_each_actor_in_its_order_and_the_actors_in_any_order_close_one_cycle():
    # Each process's events come in order, but two processes' in order of arrival:
    # a's wait for y may come before b's holding of y.
    graph = WaitFor()
    got(graph, "a", "x")
    assert wait(graph, "a", "y") == []    # nobody holds y yet, as far as we know
    assert got(graph, "b", "y") == []     # b waits for nothing
    [(text, data)] = wait(graph, "b", "x")
    assert text == "deadlock: a holds x and waits for y, held by b; b holds y and waits for " \
                   "x, held by a"
    assert data[v.RESOLVED] is False


def test_a_wait_for_a_free_lock_or_a_chain_without_a_cycle_is_no_deadlock():
    graph = WaitFor()
    got(graph, "a", "x")
    got(graph, "b", "y")
    assert wait(graph, "a", "y") == []
    assert wait(graph, "c", "x") == []    # c -> x -> a -> y -> b, and b waits for nothing
    released(graph, "b", "y")
    assert wait(graph, "b", "x") == []    # b holds nothing now: a waits for a free lock


def test_the_same_name_in_two_processes_is_two_locks_unless_shared():
    graph = WaitFor()
    got(graph, "a", "x", pid=1)
    got(graph, "b", "y", pid=2)
    wait(graph, "a", "y", pid=1)          # pid 1's own y: nobody holds it
    assert wait(graph, "b", "x", pid=2) == []
    shared = WaitFor()
    shared.feed("a", 1, {v.LOCK: "x", v.SHARED: True, v.LANE: v.HOLDING, v.ACQUIRED: True})
    shared.feed("b", 2, {v.LOCK: "y", v.SHARED: True, v.LANE: v.HOLDING, v.ACQUIRED: True})
    shared.feed("a", 1, {v.LOCK: "y", v.SHARED: True, v.LANE: v.WAITING})
    assert shared.feed("b", 2, {v.LOCK: "x", v.SHARED: True, v.LANE: v.WAITING})


def test_a_cycle_is_said_once_and_its_end_once():
    graph = WaitFor()
    got(graph, "a", "x")
    got(graph, "b", "y")
    wait(graph, "a", "y")
    assert len(wait(graph, "b", "x")) == 1
    assert wait(graph, "b", "x") == []    # the same wait again: nothing new
    [(text, _)] = released(graph, "a", "x")   # (only the holder's release counts)
    assert text == "the deadlock is over: a released x"
    assert released(graph, "a", "x") == []
