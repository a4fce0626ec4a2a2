"""engine/lessons/signals/program.py: handlers, alarms, kill from outside; alone and in the lab."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.programs.plain import (
    assert_help_lists_every_setting,
    assert_refused,
    outputs,
    plumbing_lines,
    program,
    result,
    run_alone,
    run_in_lab,
    stop_at_first_output,
    unbuffered,
)


def test_runs_alone_and_ends_by_itself_after_its_alarms():
    done = run_alone("signals")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"pid (\d+): send me signals, e\.g\. kill -USR1 \1", lines[0]), lines[0]
    assert [line.split(" at ")[0] for line in lines if line.startswith("Got ")] == \
        ["Got SIGALRM (signal 14)"] * 3
    assert lines[-1] == "handled: SIGALRM 3, SIGUSR1 0, SIGUSR2 0, SIGTERM 0"


def test_in_a_terminal_kill_reaches_the_handler_and_ctrl_c_ends_it():
    alone = subprocess.Popen([sys.executable, program("signals"), "--alarms=100"],
                             stdout=subprocess.PIPE, text=True, env=unbuffered())
    try:
        first = alone.stdout.readline()
        pid = int(first.split()[1].rstrip(":"))
        assert pid == alone.pid
        os.kill(pid, signal.SIGUSR1)
        for line in alone.stdout:
            if line.startswith("Got SIGUSR1"):
                break
        alone.send_signal(signal.SIGINT)      # Ctrl+C: no handler of ours, KeyboardInterrupt
        rest = alone.stdout.read().splitlines()
        assert alone.wait(HANG) == 0
    finally:
        alone.kill()
        alone.wait()
        alone.stdout.close()
    assert "Ctrl+C: leaving early" in rest
    assert rest[-1].startswith("handled: SIGALRM ") and "SIGUSR1 1" in rest[-1]


def test_help_lists_every_setting():
    assert_help_lists_every_setting("signals")


def test_a_bad_value_is_refused():
    assert_refused("signals", "--alarms", "three")
    assert_refused("signals", "--interval", "0.5")   # signal.alarm counts whole seconds


def test_the_program_holds_no_plumbing():
    assert plumbing_lines("signals") == []


def test_in_the_lab_the_default_run_handles_three_alarms_and_ends():
    events, lab_pid = run_in_lab("signals")
    assert events[-1].data["status"] == "ok", events[-1]
    assert result(events) == {"handled": {"SIGALRM": 3, "SIGUSR1": 0, "SIGUSR2": 0,
                                          "SIGTERM": 0}, "pid": lab_pid}


def test_in_the_lab_signals_sent_from_outside_reach_the_handler():
    # 100 alarms: the program cannot end by itself before the test's SIGTERM ends it.
    run = start_lab(program("signals"), ["--alarms=100"])
    try:
        said = read_until(run, lambda e: e.kind == "output" and e.text.startswith("pid "),
                          HANG, "the program's pid")[-1]
        assert said.text == f"pid {run.pid}: send me signals, e.g. kill -USR1 {run.pid}"
        os.kill(run.pid, signal.SIGUSR1)      # as a learner would, from another terminal
        got = read_until(run, lambda e: e.kind == "output" and e.text.startswith("Got SIGUSR1"),
                         HANG, "the handler's note of SIGUSR1")[-1]
        assert got.actor == "MainThread"
        os.kill(run.pid, signal.SIGTERM)      # the polite "please end"
        events = collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].data["status"] == "ok", events[-1]
    assert "asked to end: tidying up and leaving" in outputs(events)
    handled = result(events)["handled"]
    assert (handled["SIGUSR1"], handled["SIGTERM"], handled["SIGUSR2"]) == (1, 1, 0)


def test_stop_ends_the_run():
    events, _ = stop_at_first_output("signals", "--alarms=100")
    assert events[-1].data["status"] == "stopped", events[-1]
