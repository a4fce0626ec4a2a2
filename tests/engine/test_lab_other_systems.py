"""The lab's fallbacks for what macOS and Windows lack, run here on Linux (issue 18).

``tests.platforms.as_on`` removes from this process what the engine's side
would not find there (``os.waitid``, ``os.pidfd_open``; for Windows also
``os.killpg``, ``select.poll`` and ``socket.AF_UNIX``), and from every lab
process what the lab and the programs would not find (``engine.lab.without``:
for Windows also ``os.register_at_fork``, ``signal.pthread_kill``,
``signal.pthread_sigmask``, ``os.getpgrp``...). The lab must then take its
other paths and keep its promises: one ``done`` with the right status, raw fd
output, Stop that asks then kills, and nothing left, which is checked here by
the run's process group, as Linux still makes one.
"""

from __future__ import annotations

import os
import socket

import pytest

from engine.lab import without
from tests.bounds import HANG
from tests.engine.helpers import collect, ending, read_until
from tests.engine.test_lab import (
    assert_group_ends,
    assert_the_lab_ends_the_run,
    kill_the_engine_mid_run,
    lab,
    outputs,
    stop_and_collect,
)
from tests.platforms import as_on

SYSTEMS = ["macos", "windows"]


def acting_as(monkeypatch, system: str) -> None:
    if system != "linux":
        as_on(monkeypatch, system)


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_run_ends_ok_with_its_exit_code_and_every_line(monkeypatch, system):
    # Without os.waitid the watcher used to die at the first look, and kill the run.
    as_on(monkeypatch, system)
    events = collect(lab("threads_lock.py"), HANG)
    assert [e.kind for e in events].count("done") == 1
    assert ending(events[-1]) == ("ok", 0), [e.text for e in events if e.kind == "error"]
    assert sorted(t for t in outputs(events) if "says" in t) == sorted(
        f"w{i} says line {n}" for i in range(3) for n in range(2))


@pytest.mark.parametrize("system", ["linux", *SYSTEMS])
def test_writes_to_fd_1_past_sys_stdout_arrive(monkeypatch, system):
    # Windows' select() takes sockets only: there a thread reads the lab's pipe.
    acting_as(monkeypatch, system)
    events = collect(lab("raw_fd.py"), HANG)
    raw = "".join(e.text for e in events if e.kind == "terminal" and e.actor == "fd")
    assert raw == "straight to fd 1\n"
    assert outputs(events) == ["through print"]
    assert events[-1].kind == "done" and ending(events[-1]) == ("ok", 0)


@pytest.mark.parametrize("system", SYSTEMS)
def test_stop_asks_first_and_the_program_keeps_its_partial_result(monkeypatch, system):
    # Without pthread_kill the control thread raises SIGINT itself (raise_signal).
    as_on(monkeypatch, system)
    run = lab("loops_catch.py")
    read_until(run, lambda e: e.kind == "output" and e.text == "counting", HANG, "counting")
    events = stop_and_collect(run)
    assert any(t.startswith("partial result: counted ") for t in outputs(events))
    assert ending(events[-1]) == ("stopped", 0)
    assert_group_ends(run.pid)


@pytest.mark.parametrize("system", SYSTEMS)
def test_stop_kills_a_program_and_its_spawned_child_that_ignore_it(monkeypatch, system):
    # Without killpg the engine kills the lab process and each connected child by pid.
    as_on(monkeypatch, system)
    run = lab("spawn_and_hang.py")
    seen: set[str] = set()
    read_until(run, lambda e: e.kind == "output" and seen.add(e.text) is None
               and {"child sleeping", "parent sleeping"} <= seen, HANG, "both sleeping")
    events = stop_and_collect(run)
    assert "parent ignoring Ctrl-C" in outputs(events)   # it was asked first
    assert events[-1].data["status"] == "stopped"
    assert_group_ends(run.pid)   # the child too


def test_a_connection_without_the_runs_secret_is_closed_unread(monkeypatch):
    as_on(monkeypatch, "windows")   # TCP on 127.0.0.1: any local user could connect
    run = lab("loops_catch.py")
    try:
        read_until(run, lambda e: e.kind == "output" and e.text == "counting", HANG, "counting")
        kind, _, where = run._address.partition(":")
        assert kind == "tcp"
        host, _, port = where.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=HANG) as stranger:
            stranger.sendall(b'[[0, "intruder", "output", "forged", null, null, 1]]\n')
            assert read_to_the_end(stranger)   # the engine closed it
    finally:
        events = stop_and_collect(run)
    assert "forged" not in outputs(events) and "intruder" not in {e.actor for e in events}
    assert ending(events[-1]) == ("stopped", 0)


def read_to_the_end(sock: socket.socket) -> bool:
    """Read what comes (the orders the engine sends at once) until the other end closes."""
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass   # closed with something of ours unread: closed all the same
    return True


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_lab_and_its_children_end_when_its_engine_is_killed(system):
    # Without killpg the lab kills the multiprocessing children it knows, then itself.
    lab_pid = kill_the_engine_mid_run(
        "spawn_and_hang.py", "{'child sleeping', 'parent sleeping'} <= {e.text for e in seen}",
        env={**os.environ, without.ENV: system})
    assert_the_lab_ends_the_run(lab_pid)
