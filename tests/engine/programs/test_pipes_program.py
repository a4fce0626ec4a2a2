"""engine/lessons/pipes/program.py: fork, a pipe, raw reads; alone and in the lab."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys

import pytest

from engine import start
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson
from tests.engine.proctools import descendants, left_behind, processes, run_cli
from tests.engine.programs.plain import (
    assert_group_ends,
    assert_help_lists_every_setting,
    assert_refused,
    outputs,
    plumbing_lines,
    program,
    result,
    run_alone,
    run_in_lab,
    stop_at_first_output,
)
from tests.platforms import needs

#: The program forks where the system can (the tests of its thread path, for
#: Windows, are in test_without_windows_apis.py).
forks = needs("os.fork")
SPAM = b"".join(f"Spam {n}".encode() for n in range(10))   # what the default child writes


def chunks_read(lines: list[str]) -> list[bytes]:
    """The chunks the parent printed ("read 3: 16 bytes b'...'"), as bytes again."""
    return [ast.literal_eval(line.split(" bytes ", 1)[1]) for line in lines
            if re.match(r"read \d+: ", line)]


@forks
def test_runs_alone_with_its_defaults_and_reads_every_byte_in_order():
    done = run_alone("pipes")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    wrote = [line for line in lines if " wrote " in line]
    assert [line.split(" wrote ")[1] for line in wrote] == [repr(f"Spam {n}".encode())
                                                            for n in range(10)]
    chunks = chunks_read(lines)
    assert b"".join(chunks) == SPAM             # every byte, in order, none twice
    assert all(len(chunk) <= 16 for chunk in chunks)
    assert "read returned b'': end of file, the child closed its end" in lines
    assert re.fullmatch(r"child \d+ ended with exit status 0", lines[-2])
    assert lines[-1] == f"bytes written: 60, read: 60 in {len(chunks)} reads; 0 messages found"


def test_help_lists_every_setting():
    assert_help_lists_every_setting("pipes")


def test_a_bad_value_is_refused():
    assert_refused("pipes", "--framing", "json")
    assert_refused("pipes", "--messages", "ten")


def test_the_program_holds_no_plumbing():
    assert plumbing_lines("pipes") == []


@forks
def test_in_the_lab_the_forked_child_writes_and_the_parent_reads():
    events, lab_pid = run_in_lab("pipes", "--delay=0", "--pause=0.05")
    assert events[-1].kind == "done" and events[-1].data["status"] == "ok", events[-1]
    forked = [e for e in events if e.kind == "process" and e.data["role"] == "fork"
              and not e.data.get("ending")]
    assert len(forked) == 1
    child = forked[0].pid
    parent_says = outputs(events, lab_pid)
    assert parent_says[0] == f"parent {lab_pid} forked child {child}; reading 16 bytes at most"
    assert outputs(events, child) == [f"child {child} wrote {f'Spam {n}'.encode()!r}"
                                      for n in range(10)]
    assert b"".join(chunks_read(parent_says)) == SPAM
    assert f"child {child} ended with exit status 0" in parent_says
    figures = result(events)
    assert (figures["bytes_written"], figures["bytes_read"]) == (60, 60)
    assert figures["reads"] == len(chunks_read(parent_says))
    assert (figures["messages"], figures["framing"], figures["exit_status"]) == ([], "none", 0)


def test_newline_framing_gives_back_every_message_however_the_reads_cut_them():
    # Reads of 5 bytes cut every 7-byte message ("Spam 3\n") in two.
    events, _ = run_in_lab("pipes", "--framing=newline", "--size=5", "--delay=0",
                           "--pause=0")
    assert events[-1].data["status"] == "ok", events[-1]
    figures = result(events)
    assert figures["messages"] == [f"Spam {n}" for n in range(10)]
    assert figures["bytes_read"] == figures["bytes_written"] == 70
    assert figures["reads"] >= 14
    said = outputs(events)
    assert [line for line in said if line.startswith("  message ")] == [
        f"  message {n + 1}: {f'Spam {n}'.encode()!r}" for n in range(10)]


@needs("os.fork", "signal.SIGKILL")
def test_a_child_killed_mid_way_is_reaped_and_its_writes_are_not_claimed():
    # The child sleeps 2 s after its first write, made 100 s by the lab's speed 0.02:
    # the test kills it there.
    run = start_lab(program("pipes"), ["--delay=2", "--pause=0"], speed=0.02)
    try:
        events = read_until(run, lambda e: e.kind == "output" and " wrote " in e.text, HANG,
                            "the child's first write")
        wrote = events[-1]
        os.kill(wrote.pid, signal.SIGKILL)
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    parent_says = outputs(events, run.pid)
    assert f"child {wrote.pid} ended with exit status -9" in parent_says
    assert b"".join(chunks_read(parent_says)) == b"Spam 0"   # then end of file
    figures = result(events)
    assert (figures["exit_status"], figures["bytes_written"], figures["bytes_read"]) == (
        -9, None, 6)
    assert events[-1].data["died"] == [{"actor": f"child pid {wrote.pid}", "pid": wrote.pid,
                                        "how": "killed"}]


def test_stop_ends_parent_and_child_and_leaves_nothing():
    events, lab_pid = stop_at_first_output("pipes", "--pause=5")
    assert events[-1].data["status"] == "stopped", events[-1]
    assert_group_ends(lab_pid)   # the forked child too, not only the lab process


# -- through engine.start, as the window and the CLI run it: the probes' view ------------

def pipe_calls(events: list) -> tuple[list, list]:
    """(the os.write probes on the pipe's write end, the os.read probes on its read
    end), as the pipes tab picks them: by the descriptors the os.pipe probe gave."""
    probes = [e for e in events if e.kind == "probe"]
    read_end, write_end = next(e.data["fds"] for e in probes if e.data["call"] == "os.pipe")
    writes = [e for e in probes if e.data["call"] == "os.write" and e.data["fd"] == write_end]
    reads = [e for e in probes if e.data["call"] == "os.read" and e.data["fd"] == read_end]
    return writes, reads


@forks
@pytest.mark.parametrize("framing", ["none", "newline"])
def test_each_write_and_each_read_is_probed_and_the_bytes_match(framing):
    events = run_lesson("pipes", {"messages": 10, "size": 7, "delay": 0.1, "pause": 0.3,
                                  "framing": framing}, speed=10)
    assert events[-1].data["status"] == "ok", events[-1]
    writes, reads = pipe_calls(events)
    end = "\n" if framing == "newline" else ""
    assert [e.data["chunk"] for e in writes] == [f"Spam {n}{end}" for n in range(10)]
    assert {e.actor for e in writes} == {f"child pid {writes[0].pid}"}   # the forked child
    assert {e.actor for e in reads} == {"MainThread"} and reads[0].pid != writes[0].pid
    *chunks, eof = reads
    assert (eof.data["bytes"], eof.data["chunk"]) == (0, "")          # end of file
    assert "".join(e.data["chunk"] for e in chunks) == "".join(e.data["chunk"] for e in writes)
    assert all(0 < e.data["bytes"] <= 7 for e in chunks)
    figures = result_of(events)
    total = sum(e.data["bytes"] for e in writes)
    assert figures["bytes_written"] == figures["bytes_read"] == total == sum(
        e.data["bytes"] for e in chunks)
    assert figures["reads"] == len(chunks)
    if framing == "newline":
        assert figures["messages"] == [f"Spam {n}" for n in range(10)]


def test_only_the_program_calls_are_probed_not_its_prints():
    """The program prints too; print() goes through the lab's capture, never through
    a probed os.write of the program, so every os.write probe is a write to the pipe."""
    events = run_lesson("pipes", {"messages": 3, "delay": 0, "pause": 0}, speed=10)
    writes, _ = pipe_calls(events)
    all_writes = [e for e in events if e.kind == "probe" and e.data["call"] == "os.write"]
    assert all_writes == writes and len(writes) == 3
    assert len([e for e in events if e.kind == "output"]) > 3   # it did print


@forks
def test_the_child_is_forked_in_the_lab_and_reaped_by_the_program():
    events = run_lesson("pipes", {"messages": 3, "delay": 0, "pause": 0}, speed=10)
    probes = {e.data["call"]: e for e in events if e.kind == "probe"}
    forked, reaped = probes["os.fork"], probes["os.waitpid"]
    lab, child = forked.pid, forked.data["child_pid"]
    assert os.getpid() not in (lab, child)          # this process never forked
    started = next(e for e in events if e.kind == "process" and e.pid == child)
    assert started.data == {"role": "fork", "parent": lab}
    assert (reaped.pid, reaped.data["child_pid"], reaped.data["exitcode"]) == (lab, child, 0)
    assert result_of(events)["exit_status"] == 0


@forks
def test_stop_mid_run_leaves_no_process_and_no_zombie():
    run = start("pipes", {"messages": 200, "delay": 1.0, "pause": 1.0})
    try:
        events = read_until(run, lambda e: e.kind == "probe" and e.data["call"] == "os.fork",
                            HANG, "the fork")
        lab = processes([events[-1].pid, events[-1].data["child_pid"]])
        assert len(lab) == 2 and lab[1].ppid() == lab[0].pid == run.pid
        run.stop()
        assert run.join(HANG), "the run did not end after stop()"
        assert collect(run)[-1].data["status"] == "stopped"
    finally:
        run.stop()
        run.join(HANG)
    # The killed child's parent, the lab process, is gone: init reaps it.
    assert left_behind(lab, wait=HANG) == []


@forks
def test_on_stop_the_program_ends_its_child_and_reaps_it_itself():
    """Stop is Ctrl-C for the parent: it ends the child (SIGTERM) and waits for it,
    so no orphan is left for init (or a subreaper such as the soak) to reap."""
    run = start("pipes", {"messages": 200, "delay": 1.0, "pause": 1.0})
    try:
        events = read_until(run, lambda e: e.kind == "probe" and e.data["call"] == "os.read",
                            HANG, "the first read")
        child = next(e.data["child_pid"] for e in events if e.kind == "probe"
                     and e.data["call"] == "os.fork")
        run.stop()
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].data["status"] == "stopped", events[-1]
    reaped = [e.data for e in events if e.kind == "probe" and e.data["call"] == "os.waitpid"]
    assert [(r["child_pid"], r["exitcode"]) for r in reaped] == [(child, -signal.SIGTERM)]
    assert not [e for e in events if e.kind == "error"]   # Stop's KeyboardInterrupt is no error


def test_twenty_runs_in_a_row_leave_nothing_behind():
    before = descendants()
    for _ in range(20):
        events = run_lesson("pipes", {"messages": 2, "delay": 0, "pause": 0}, speed=10)
        assert result_of(events)["bytes_read"] == 12
    assert left_behind(descendants() - before, wait=HANG) == []


@forks
def test_cli_json_result_and_no_process_left_after_exit(tmp_path):
    status, output, seen = run_cli(
        ["run", "pipes", "--json", "--messages", "5", "--delay", "0.1", "--pause", "0.3",
         "--speed", "10"], tmp_path / "out.jsonl")
    assert status == 0, output
    rows = [json.loads(line) for line in output.splitlines()]
    figures = next(r for r in rows if r["kind"] == "result")["data"]
    assert figures["bytes_written"] == figures["bytes_read"] == 30
    reads = [r for r in rows if r["kind"] == "probe" and r["data"]["call"] == "os.read"]
    assert figures["reads"] == sum(1 for r in reads if r["data"]["bytes"] > 0)
    child_pid = next(r["data"]["child_pid"] for r in rows if r["kind"] == "probe"
                     and r["data"]["call"] == "os.fork")
    assert child_pid in {p.pid for p in seen}     # the grandchild was seen and checked
    # The command has exited: its ended orphans are init's to reap (see left_behind).
    assert left_behind(seen, wait=15.0, zombies=False) == []


def test_without_fork_alone_a_thread_writes_and_every_byte_is_read():
    # As on Windows: the program runs by itself with os.fork gone, and a thread writes.
    no_fork = ("import os, runpy, sys; vars(os).pop('fork', None); sys.argv = sys.argv[1:]; "
               "runpy.run_path(sys.argv[0], run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", no_fork, program("pipes"), "--pause=0.3"],
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr
    # Two threads print now: one print() is two writes (the text, then "\n"), so a
    # line of one may run into a line of the other. Each text is whole.
    out = done.stdout
    assert re.findall(r"wrote b'(Spam \d+)'", out) == [f"Spam {n}" for n in range(10)]
    chunks = [ast.literal_eval(c) for c in re.findall(r"read \d+: \d+ bytes (b'[^']*')", out)]
    assert b"".join(chunks) == SPAM
    assert "forked" not in out
    assert out.splitlines()[-1].startswith("bytes written: 60, read: 60 in ")
