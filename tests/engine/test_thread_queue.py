"""The thread_queue lesson with real threads, a real queue and a real child process."""

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import psutil

from engine import start
from tests.bounds import HANG
from tests.engine.helpers import collect, result_of, run_lesson

FAST = {"delay": 0.02, "work": 0.02}


def got_messages(events):
    return [e.text.removeprefix("got ") for e in events
            if e.actor.startswith("consumer") and e.text.startswith("got spam")]


def test_sentinel_shutdown_consumes_every_message_exactly_once():
    events = run_lesson("thread_queue", {"producers": 3, "messages": 5, "consumers": 3, **FAST})
    expected = {f"spam {p}.{n}" for p in range(3) for n in range(5)}
    counts = Counter(got_messages(events))
    assert set(counts) == expected
    assert all(c == 1 for c in counts.values()), counts
    result = result_of(events)
    assert result["produced"] == result["consumed"] == 15
    assert result["missing"] == result["twice"] == 0
    assert sum(result["per_consumer"]) == 15
    # Every consumer ended on its own sentinel, after the last message was put.
    ended = [e for e in events if "got the sentinel" in e.text]
    assert sorted(e.actor for e in ended) == ["consumer-0", "consumer-1", "consumer-2"]
    last_put = max(e.seq for e in events if e.text.startswith("put spam"))
    assert all(e.seq > last_put for e in ended)
    assert events[-1].data["status"] == "ok"


def test_puts_and_gets_report_the_queue_depth():
    events = run_lesson("thread_queue", {"producers": 2, "messages": 4, "consumers": 1, **FAST})
    moves = [e for e in events if e.text.startswith(("put spam", "got spam"))]
    assert len(moves) == 16
    assert all(isinstance(e.data["depth"], int) and e.data["depth"] >= 0 for e in moves)
    assert result_of(events)["max_depth"] == max(
        e.data["depth"] for e in moves if e.text.startswith("put"))


def test_a_full_queue_makes_put_wait():
    # Producers with no pause and a slow consumer fill a queue of 2 at once.
    events = run_lesson("thread_queue", {"producers": 3, "messages": 4, "consumers": 1,
                                         "maxsize": 2, "delay": 0.0, "work": 0.01})
    waits = [e for e in events if e.kind == "state" and e.text.startswith("queue full")]
    assert waits and all(e.data["lane"] == "waiting" for e in waits)
    result = result_of(events)
    assert result["max_depth"] <= 2
    assert result["produced"] == result["consumed"] == 12


def test_daemon_shortcut_leaves_no_thread_in_the_app_process():
    run = start("thread_queue", {"producers": 2, "messages": 3, "consumers": 2,
                                 "daemon": True, **FAST})
    seen_here = set()
    while not run.finished:   # look at our own threads all through the run
        seen_here |= {t.name for t in threading.enumerate()
                      if t.name.startswith(("producer", "consumer"))}
        time.sleep(0.005)
    events = collect(run)
    assert not seen_here, f"lesson threads ran in the app process: {seen_here}"
    workers = [e for e in events if e.actor.startswith(("producer", "consumer"))]
    assert workers
    child_pids = {e.pid for e in workers}
    assert len(child_pids) == 1 and os.getpid() not in child_pids
    assert not psutil.pid_exists(child_pids.pop())
    # The consumers never got a sentinel: they were still running at the end.
    leaving = [e for e in events if e.text.startswith("leaving with")]
    assert len(leaving) == 1 and "2 consumer threads still running" in leaving[0].text
    result = result_of(events)
    assert result["produced"] == 6
    assert result["consumed"] + result["missing"] == 6


def test_stop_mid_run_ends_every_thread():
    run = start("thread_queue", {"delay": 2.0, "work": 2.0, "maxsize": 1})
    first = run.events.get(timeout=5)
    assert first.kind == "state"
    run.stop()
    assert run.join(HANG)
    events = collect(run)
    assert events[-1].data["status"] == "stopped"


def test_stop_mid_run_of_the_daemon_shortcut_ends_its_process():
    run = start("thread_queue", {"delay": 2.0, "work": 2.0, "daemon": True})
    while True:   # until the child process speaks
        event = run.events.get(timeout=10)
        if event.pid != os.getpid():
            break
    run.stop()
    assert run.join(HANG)
    assert collect(run)[-1].data["status"] == "stopped"


def test_command_line_json_result():
    out = subprocess.run(
        [sys.executable, "-m", "engine", "run", "thread_queue", "--json", "--speed", "10",
         "--producers", "3", "--messages", "3", "--delay", "0.1", "--work", "0.1"],
        capture_output=True, text=True, timeout=60, check=True).stdout
    events = [json.loads(line) for line in out.splitlines()]
    result = [e for e in events if e["kind"] == "result"][-1]["data"]
    assert result["produced"] == result["consumed"] == 9
    assert isinstance(result["max_depth"], int)
