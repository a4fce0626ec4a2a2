"""engine/lessons/pipes/program.py: fork, a pipe, raw reads; alone and in the lab."""

from __future__ import annotations

import ast
import os
import re
import signal

from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
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

SPAM = b"".join(f"Spam {n}".encode() for n in range(10))   # what the default child writes


def chunks_read(lines: list[str]) -> list[bytes]:
    """The chunks the parent printed ("read 3: 16 bytes b'...'"), as bytes again."""
    return [ast.literal_eval(line.split(" bytes ", 1)[1]) for line in lines
            if re.match(r"read \d+: ", line)]


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


def test_a_child_killed_mid_way_is_reaped_and_its_writes_are_not_claimed():
    # The child sleeps 60 s after its first write: the test kills it there.
    run = start_lab(program("pipes"), ["--delay=60", "--pause=0"])
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
