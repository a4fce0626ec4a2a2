"""engine/lessons/signals/program.py: handlers, alarms, kill from outside; alone and in the lab."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import psutil
import pytest

from engine import start
from engine import vocabulary as v
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, ending, read_until
from tests.engine.proctools import left_behind
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
from tests.platforms import needs, posix_signal_delivery


@needs("signal.alarm", "signal.SIGALRM")
def test_runs_alone_and_ends_by_itself_after_its_alarms():
    done = run_alone("signals")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"pid (\d+): send me signals, e\.g\. kill -USR1 \1", lines[0]), lines[0]
    assert [line.split(" at ")[0] for line in lines if line.startswith("Got ")] == \
        ["Got SIGALRM (signal 14)"] * 3
    assert lines[-1] == "handled: SIGALRM 3, SIGUSR1 0, SIGUSR2 0, SIGTERM 0"


@posix_signal_delivery
@needs("signal.SIGUSR1")
def test_in_a_terminal_kill_reaches_the_handler_and_ctrl_c_ends_it():
    alone = subprocess.Popen([sys.executable, program("signals"), "--alarms=100"],
                             stdout=subprocess.PIPE, text=True, env=unbuffered())
    try:
        first = alone.stdout.readline()
        pid = int(first.split()[1].rstrip(":"))
        assert pid == alone.pid
        # Signals only once the program is in its loop, as the first alarm's note
        # shows: a handler that runs in a print() before the loop's try, with a
        # Ctrl+C landing in it, ended the program with a traceback (seen under load).
        for line in alone.stdout:
            if line.startswith("Got SIGALRM"):
                break
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


@needs("signal.alarm", "signal.SIGALRM")
def test_in_the_lab_the_default_run_handles_three_alarms_and_ends():
    events, lab_pid = run_in_lab("signals")
    assert events[-1].data["status"] == "ok", events[-1]
    assert result(events) == {"handled": {"SIGALRM": 3, "SIGUSR1": 0, "SIGUSR2": 0,
                                          "SIGTERM": 0}, "pid": lab_pid}


@posix_signal_delivery
@needs("signal.SIGUSR1")
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


# --- through engine.start, as the window and the CLI run it ------------------------------

# No alarm rings while a test sends its own signals.
QUIET = {"interval": 60, "alarms": 100}
#: The signal the program's alarm rings with: SIGABRT, raised by a timer, where there
#: is no SIGALRM (Windows). The program handles those of HANDLED this system has.
ALARM = "SIGALRM" if hasattr(signal, "SIGALRM") else "SIGABRT"
HANDLED = tuple(name for name in (ALARM, "SIGUSR1", "SIGUSR2", "SIGTERM")
                if hasattr(signal, name))


def handled_none(**counts: int) -> dict[str, int]:
    """The program's ``handled`` figure: 0 for each of HANDLED but ``counts``."""
    return {name: counts.get(name, 0) for name in HANDLED}


def deliveries(events: list) -> list:
    """The lab's reports of a signal reaching a handler (call: the handler's name)."""
    return [e for e in events if e.kind == v.PROBE and v.SIGNAL in e.data
            and e.data[v.CALL] != "signal.signal"]


def handlers_set(run) -> list:
    """Events up to the last ``signal.signal`` of the program: then every handler is set."""
    left = set(HANDLED)

    def last_handler(event) -> bool:
        if event.kind == v.PROBE and event.data.get(v.CALL) == "signal.signal":
            left.discard(event.data[v.SIGNAL])
        return not left
    return read_until(run, last_handler, HANG, "the program's handlers set")


@pytest.fixture
def quiet_run():
    runs = []

    def begin(params=QUIET):
        runs.append(start("signals", params))
        return runs[-1]
    yield begin
    for run in runs:   # a failed test must not leave its run behind
        run.stop()
        run.join(HANG)


@posix_signal_delivery
@needs("signal.SIGALRM", "signal.SIGUSR1", "signal.SIGUSR2")
def test_each_signal_sent_reaches_the_handler_and_is_reported_before_it_runs(quiet_run):
    run = quiet_run()
    events = handlers_set(run)
    set_by = {e.data[v.SIGNAL]: (e.data[v.HANDLER], e.line) for e in events
              if e.kind == v.PROBE and e.data[v.CALL] == "signal.signal"}
    assert set_by == {name: ("on_signal", set_by["SIGALRM"][1]) for name in HANDLED}
    assert psutil.Process(run.pid).ppid() == os.getpid()   # the lab process is the program
    for name in ("SIGUSR1", "SIGUSR2", "SIGALRM", "SIGUSR1"):
        os.kill(run.pid, getattr(signal, name))
        got = read_until(run, lambda e, n=name: e.kind == "output"
                         and e.text.startswith(f"Got {n} "), HANG, f"the note of {name}")
        report = deliveries(got)
        assert [(e.data[v.SIGNAL], e.data[v.CALL], e.actor, e.pid) for e in report] == [
            (name, "on_signal", "MainThread", run.pid)]
        events += got
    assert psutil.pid_exists(run.pid), "a handled signal must not end the program"
    os.kill(run.pid, signal.SIGTERM)       # the polite "please end"
    events += collect(run, HANG)
    assert ending(events[-1]) == ("ok", 0)
    assert result(events)["handled"] == {"SIGALRM": 1, "SIGUSR1": 2, "SIGUSR2": 1,
                                         "SIGTERM": 1}
    assert result(events)["pid"] == run.pid
    assert not [e for e in events if e.kind == "error"]


@needs("signal.alarm", "signal.SIGALRM")
def test_the_alarm_is_set_again_by_the_handler_until_the_last_one():
    run = start("signals", {"alarms": 2, "interval": 1})
    events = collect(run, HANG)
    assert ending(events[-1]) == ("ok", 0)
    alarms = [(e.data[v.SECONDS], e.text) for e in events
              if e.kind == v.PROBE and e.data[v.CALL] == "signal.alarm"]
    assert [seconds for seconds, _ in alarms] == [1, 1, 0]   # set, set again, cancelled
    rang = deliveries(events)
    assert [e.data[v.SIGNAL] for e in rang] == ["SIGALRM", "SIGALRM"]
    # The second alarm is set from inside the handler, after the first ring.
    second_set = [e for e in events if e.kind == v.PROBE
                  and e.data[v.CALL] == "signal.alarm"][1]
    assert rang[0].seq < second_set.seq < rang[1].seq
    assert result(events)["handled"]["SIGALRM"] == 2


@needs("signal.SIGKILL", "signal.SIGUSR1")
def test_sigkill_cannot_be_caught_and_the_run_ends_as_an_error(quiet_run):
    run = quiet_run()
    handlers_set(run)
    os.kill(run.pid, signal.SIGUSR1)
    read_until(run, lambda e: e.kind == "output" and e.text.startswith("Got SIGUSR1"), HANG,
               "the note of SIGUSR1")
    program = psutil.Process(run.pid)
    os.kill(run.pid, signal.SIGKILL)
    events = collect(run, HANG)
    done = events[-1]
    assert ending(done) == ("error", -signal.SIGKILL)
    assert done.text == "error: killed by SIGKILL"
    assert not deliveries(events), "no handler runs for SIGKILL"
    assert not [e for e in events if e.kind == "result"], "main() never returned"
    assert not program.is_running()


@posix_signal_delivery
@needs("signal.SIGUSR1")
def test_a_signal_sent_before_its_handler_is_set_ends_the_program():
    # Step mode holds the program at its first report: SIGALRM's handler is set
    # (the report comes after the real call), SIGUSR1's not yet.
    run = start("signals", QUIET, stepping=True)
    try:
        events = read_until(run, lambda e: e.kind == "paused", HANG, "the first pause")
        assert not [e for e in events if e.kind == v.PROBE], "nothing reported before the pause"
        os.kill(run.pid, signal.SIGUSR1)   # no handler: the default action ends the program
        events = collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert ending(events[-1]) == ("error", -signal.SIGUSR1)
    assert events[-1].text == "error: killed by SIGUSR1"


def test_stop_ends_the_run_and_leaves_no_process(quiet_run):
    run = quiet_run()
    handlers_set(run)
    program = psutil.Process(run.pid)
    run.stop()
    assert run.join(HANG), "the run did not end after stop()"
    events = collect(run, HANG)
    assert events[-1].data["status"] == "stopped"
    assert not [e for e in events if e.kind == "error"]
    assert left_behind([program], wait=2.0) == []


def test_stop_right_after_start_ends_the_run():
    # Stop may come before the program has set its handlers; it must still end.
    for _ in range(3):
        run = start("signals", QUIET)
        run.stop()
        assert run.join(HANG)
        events = collect(run, HANG)
        assert events[-1].data["status"] == "stopped"
        assert not [e.text for e in events if e.kind == "error"]


def test_runs_in_a_row_leave_nothing():
    pids = set()
    for _ in range(5):
        run = start("signals", {"alarms": 1, "interval": 1}, speed=10)
        events = collect(run, HANG)
        assert ending(events[-1]) == ("ok", 0), [e.text for e in events]
        assert result(events)["handled"][ALARM] == 1
        pids.add(result(events)["pid"])
    assert len(pids) == 5
    assert not [pid for pid in pids if psutil.pid_exists(pid)]
    # The autouse leak fixture then checks threads, children and fds.


def test_cli_json_reports_handled_and_leaves_no_process():
    cli = subprocess.Popen(
        [sys.executable, "-m", "engine", "run", "signals", "--alarms", "1", "--interval", "1",
         "--json"], stdout=subprocess.PIPE, text=True)
    lines, started = [], []
    try:
        for line in cli.stdout:
            lines.append(json.loads(line))
            if lines[-1]["kind"] == "process" and not started:
                started = psutil.Process(cli.pid).children(recursive=True)
        assert cli.wait(HANG) == 0
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stdout.close()
    assert lines[-1]["kind"] == "done" and lines[-1]["data"]["status"] == "ok"
    found = [e for e in lines if e["kind"] == "result"][-1]["data"]
    assert found["handled"] == handled_none(**{ALARM: 1})
    assert found["pid"] in {p.pid for p in started}
    # The command has exited: its ended orphans are init's to reap (see left_behind).
    assert left_behind(started, wait=15.0, zombies=False) == []


def test_the_program_does_not_outlive_a_killed_command():
    cli = subprocess.Popen(
        [sys.executable, "-m", "engine", "run", "signals", "--alarms", "100", "--json"],
        stdout=subprocess.PIPE, text=True)
    try:
        for line in cli.stdout:
            event = json.loads(line)
            if event["kind"] == "output" and event["text"].startswith("pid "):
                program = psutil.Process(event["pid"])
                break
        cli.kill()                     # no Stop, no clean-up: the command just vanishes
        cli.wait()
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stdout.close()
    assert left_behind([program], wait=HANG, zombies=False) == [], \
        "the orphaned program kept running"


@posix_signal_delivery
@needs("signal.alarm", "signal.SIGALRM")
def test_in_step_mode_an_alarm_that_rings_while_the_program_waits_for_next_loses_nothing():
    """The handler runs while the main thread waits for Next, and sets the alarm
    again: its report must not make the thread wait a second time (a second wait
    hid the first from every Next, and the program never went on)."""
    run = start("signals", {"alarms": 2, "interval": 60}, stepping=True)
    try:
        def alarm_set(event) -> bool:
            if event.kind == "paused" and not seen_alarm:
                run.step()   # Next, up to the first signal.alarm of main()
            if event.kind == v.PROBE and event.data[v.CALL] == "signal.alarm":
                seen_alarm.append(event)
            return bool(seen_alarm)
        seen_alarm: list = []
        events = read_until(run, alarm_set, HANG, "the first signal.alarm")
        events += read_until(run, lambda e: e.kind == "paused", HANG, "the next pause")
        # The main thread waits for Next: ring the alarm now, as the button does.
        os.kill(run.pid, signal.SIGALRM)
        events += read_until(run, lambda e: e.kind == v.PROBE and
                             e.data[v.CALL] == "signal.alarm", HANG,
                             "the handler's signal.alarm, while the program waits for Next")
        assert [e.data[v.SIGNAL] for e in deliveries(events)] == ["SIGALRM"]
        assert run.paused_actors() == ["MainThread"], "one place in line, not two"
        os.kill(run.pid, signal.SIGALRM)   # the last alarm: the program ends

        def next_until_done(event) -> bool:
            if run.paused_actors():
                run.step()
            return event.kind == "done"
        events += read_until(run, next_until_done, HANG, "the end, pressing Next")
    finally:
        run.stop()
        run.join(HANG)
    assert ending(events[-1]) == ("ok", 0)
    assert result(events)["handled"]["SIGALRM"] == 2


def blocked_signals(pid: int, tid: int) -> set[int]:
    """The signals thread ``tid`` of process ``pid`` blocks (Linux: SigBlk in its status)."""
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        mask = int(next(line for line in f if line.startswith("SigBlk:")).split()[1], 16)
    return {n for n in range(1, 65) if mask >> (n - 1) & 1}


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads Linux's /proc")
@needs("signal.pthread_sigmask")   # without it (Windows) no thread can block a signal
def test_only_the_program_threads_can_take_a_signal_sent_to_its_process(quiet_run):
    """The kernel gives a signal sent to a process to any thread that does not block
    it. The lab's own threads block them all, so a handler's signal never lands on
    one of those (a main thread asleep in signal.pause() would then sleep on)."""
    run = quiet_run()
    handlers_set(run)
    threads = [t.id for t in psutil.Process(run.pid).threads()]
    lab_threads = [tid for tid in threads if tid != run.pid]
    assert len(lab_threads) == 2, threads   # the sampler and the control reader
    wanted = {int(getattr(signal, name)) for name in (*HANDLED, "SIGINT")}
    for tid in lab_threads:
        assert wanted <= blocked_signals(run.pid, tid), f"lab thread {tid} takes signals"
    assert not wanted & blocked_signals(run.pid, run.pid), "the main thread must take them"
