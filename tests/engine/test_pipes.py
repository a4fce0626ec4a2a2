"""The pipes lesson, with a real pipe, a real fork and real waitpid."""

import json
import os
import queue
import time

import psutil
import pytest

from engine import start
from engine.lessons.pipes import message
from tests.bounds import HANG
from tests.engine.helpers import collect, result_of, run_lesson
from tests.engine.proctools import left_behind, processes, run_cli

FAST = {"messages": 10, "write_every": 0.1, "read_every": 0.3}


def chunks(events) -> list[bytes]:
    return [e.data["chunk"] for e in events if isinstance(e.data, dict) and "chunk" in e.data]


def written(k, framing) -> bytes:
    return b"".join(message(n, framing) for n in range(k))


@pytest.mark.parametrize("framing", ["none", "newline", "length"])
def test_the_bytes_read_are_the_bytes_written_in_order(framing):
    events = run_lesson("pipes", {**FAST, "framing": framing, "read_size": 7}, speed=10)
    result = result_of(events)
    expected = written(10, framing)
    assert b"".join(chunks(events)) == expected == result["data"]
    assert result["bytes_written"] == result["bytes_read"] == len(expected)
    assert result["reads"] == len(chunks(events))
    assert all(len(c) <= 7 for c in chunks(events))
    if framing != "none":
        assert result["messages"] == [f"Spam {n}".encode() for n in range(10)]
    assert events[-1].data["status"] == "ok"


def test_without_framing_messages_merge_and_split():
    # The child writes all ten at once; the reader only looks after 0.1 s.
    merged = chunks(run_lesson("pipes", {"write_every": 0.0, "read_every": 1.0,
                                         "read_size": 4096}, speed=10))
    assert merged[0].count(b"Spam") > 1
    # 5 bytes at a time cannot hold one 6-byte message.
    split = chunks(run_lesson("pipes", {"write_every": 0.0, "read_every": 0.0,
                                        "read_size": 5}, speed=10))
    assert b"Spam 0" not in split and b"".join(split) == written(10, "none")


def test_the_child_is_forked_in_the_helper_and_reaped():
    events = run_lesson("pipes", {**FAST, "messages": 3}, speed=10)
    forked = next(e for e in events if e.kind == "state" and "child_pid" in (e.data or {}))
    helper_pid, child_pid = forked.pid, forked.data["child_pid"]
    assert os.getpid() not in (helper_pid, child_pid)      # this process never forked
    reaped = next(e for e in events if e.text.startswith("reaped child"))
    assert reaped.data == {"child_pid": child_pid, "exit_status": 3}
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).ppid() != helper_pid


def test_spawn_variant_hands_over_whole_messages():
    events = run_lesson("pipes", {**FAST, "start": "spawn", "framing": "none"}, speed=10)
    result = result_of(events)
    assert chunks(events) == [f"Spam {n}".encode() for n in range(10)]
    assert result["reads"] == 10 and result["bytes_written"] == result["bytes_read"] == 60
    assert any("whole messages" in e.text for e in events)


def test_without_fork_the_lesson_says_why_and_spawns(monkeypatch):
    monkeypatch.delattr(os, "fork")    # as on Windows; spawned children are unaffected
    events = run_lesson("pipes", {**FAST, "messages": 3}, speed=10)
    assert any("has no os.fork()" in e.text for e in events if e.kind == "state")
    assert result_of(events)["bytes_read"] == len(written(3, "none"))


def test_stop_mid_run_leaves_no_process_and_no_zombie():
    run = start("pipes", {"messages": 200, "write_every": 1.0, "read_every": 1.0})
    forked = None
    deadline = time.monotonic() + 20
    while forked is None and time.monotonic() < deadline:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(event.data, dict) and "child_pid" in event.data:
            forked = event
    assert forked is not None
    helper, child = processes([forked.pid, forked.data["child_pid"]])
    assert child.ppid() == helper.pid and helper.ppid() == os.getpid()  # a grandchild
    run.stop()
    assert run.join(HANG), "the run did not end after stop()"
    assert collect(run)[-1].data["status"] == "stopped"
    assert left_behind([helper, child]) == []


def test_twenty_runs_in_a_row_leave_nothing_behind():
    for _ in range(20):
        events = run_lesson("pipes", {"messages": 2, "write_every": 0.0, "read_every": 0.0},
                            speed=10)
        assert result_of(events)["bytes_read"] == len(written(2, "none"))


def test_cli_json_result_and_no_process_left_after_exit(tmp_path):
    status, output, seen = run_cli(
        ["run", "pipes", "--json", "--messages", "5", "--write-every", "0.1",
         "--read-every", "0.3", "--speed", "10"], tmp_path / "out.jsonl")
    assert status == 0, output
    rows = [json.loads(line) for line in output.splitlines()]
    result = next(r for r in rows if r["kind"] == "result")["data"]
    assert result["bytes_written"] == result["bytes_read"] == len(written(5, "none"))
    assert result["reads"] == sum(1 for r in rows if (r["data"] or {}).get("chunk"))
    child_pid = next(r["data"]["child_pid"] for r in rows if r["kind"] == "state"
                     and "child_pid" in (r["data"] or {}))
    assert child_pid in {p.pid for p in seen}     # the grandchild was seen and checked
    # The command has exited: its ended orphans are init's to reap (see left_behind).
    assert left_behind(seen, wait=15.0, zombies=False) == []
