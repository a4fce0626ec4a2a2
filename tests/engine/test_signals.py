"""The signals lesson, with real signals sent to its real child process."""

import json
import os
import queue
import signal
import subprocess
import sys
import time

import psutil
import pytest

from engine import start
from tests.bounds import HANG
from tests.engine.helpers import collect, result_of, run_lesson
from tests.engine.proctools import left_behind

# Long enough that no alarm rings while a test sends its own signals.
QUIET = {"interval": 10.0, "alarms": 100}


class Watch:
    """Read a run's events as they come, keeping every one."""

    def __init__(self, run):
        self.run = run
        self.events = []

    def until(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.run.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.events.append(event)
            if predicate(event):
                return event
            assert event.kind != "done", f"the run ended first: {self.texts()}"
        raise AssertionError(f"no such event within {timeout} s: {self.texts()}")

    def child_pid(self):
        ready = self.until(lambda e: e.kind == "state" and isinstance(e.data, dict)
                           and e.data.get("child_pid"))
        return ready.data["child_pid"]

    def arrival(self, name):
        return self.until(lambda e: e.kind == "log" and isinstance(e.data, dict)
                          and e.data.get("signal") == name)

    def rest(self):
        self.events += collect(self.run)
        return self.events

    def texts(self):
        return [e.text for e in self.events]


@pytest.fixture
def watch():
    watches = []

    def begin(params, speed=1.0):
        w = Watch(start("signals", params, speed=speed))
        watches.append(w)
        return w
    yield begin
    for w in watches:  # a failed test must not leave its run behind
        w.run.stop()
        w.run.join(5)


def gone(pid, timeout=HANG):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        time.sleep(0.02)
    return False


def test_each_signal_sent_is_handled_and_reported(watch):
    w = watch(QUIET)
    pid = w.child_pid()
    assert pid != os.getpid() and psutil.Process(pid).ppid() == os.getpid()
    expected_handler = {"SIGUSR1": "on_user_signal", "SIGUSR2": "on_user_signal",
                        "SIGINT": "on_interrupt", "SIGALRM": "on_alarm"}
    for name, handler in expected_handler.items():
        os.kill(pid, getattr(signal, name))
        report = w.arrival(name)
        assert report.data["handler"] == handler
        assert report.actor == f"catcher pid {pid}" and report.pid == pid
        assert f"{name} arrived at" in report.text and f"{handler}()" in report.text
    assert psutil.pid_exists(pid), "a caught signal must not end the child"
    os.kill(pid, signal.SIGTERM)       # the polite request: the child leaves by itself
    w.arrival("SIGTERM")
    events = w.rest()
    assert events[-1].data["status"] == "ok"
    result = result_of(events)
    assert result["handled"] == {"SIGALRM": 1, "SIGUSR1": 1, "SIGUSR2": 1,
                                 "SIGINT": 1, "SIGTERM": 1}
    assert result["killed_by"] is None and result["pid"] == pid
    assert not [e for e in events if e.kind == "error"]
    assert gone(pid)


def test_same_signal_twice_is_counted_twice(watch):
    w = watch(QUIET)
    pid = w.child_pid()
    for _ in range(2):
        os.kill(pid, signal.SIGUSR1)
        w.arrival("SIGUSR1")
    os.kill(pid, signal.SIGTERM)
    assert result_of(w.rest())["handled"]["SIGUSR1"] == 2


def test_alarms_are_rearmed_and_end_the_child():
    events = run_lesson("signals", {"interval": 0.2, "alarms": 3})
    assert events[-1].data["status"] == "ok"
    alarms = [e for e in events if isinstance(e.data, dict) and e.data.get("signal")]
    assert [e.data["signal"] for e in alarms] == ["SIGALRM"] * 3
    assert all(e.data["handler"] == "on_alarm" for e in alarms)
    times = [e.data["time"] for e in alarms]
    assert times == sorted(times) and len(set(times)) == 3
    assert result_of(events)["handled"]["SIGALRM"] == 3
    assert any("alarm 3 of 3" in e.text for e in events)


def test_sigkill_cannot_be_caught_and_is_detected(watch):
    w = watch(QUIET)
    pid = w.child_pid()
    os.kill(pid, signal.SIGUSR1)
    w.arrival("SIGUSR1")
    os.kill(pid, signal.SIGKILL)
    events = w.rest()
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 1 and "killed by SIGKILL" in errors[0].text
    assert errors[0].data["exitcode"] == -signal.SIGKILL
    result = result_of(events)
    assert result["killed_by"] == "SIGKILL"
    assert result["handled"]["SIGUSR1"] == 1
    assert events[-1].kind == "done" and events[-1].data["status"] == "ok"
    gone_state = [e for e in events if e.kind == "state" and isinstance(e.data, dict)
                  and "child_pid" in e.data and e.data["child_pid"] is None]
    assert gone_state, "the tab must learn that there is no child to signal"
    assert gone(pid)


def test_stop_mid_run_leaves_no_process(watch):
    w = watch(QUIET)
    pid = w.child_pid()
    child = psutil.Process(pid)
    w.run.stop()
    assert w.run.join(HANG), "the run did not end after stop()"
    events = w.rest()
    assert events[-1].data["status"] == "stopped"
    # Stop reaches the child as SIGTERM, which its handler turns into a clean exit.
    arrived = [e.data["signal"] for e in events
               if isinstance(e.data, dict) and e.data.get("signal")]
    assert arrived == ["SIGTERM"]
    assert not [e for e in events if e.kind == "error"]
    assert gone(pid) and not child.is_running()


def test_stop_right_after_start_leaves_no_process():
    # Stop may come before the child has set its handlers; it must still end.
    for _ in range(3):
        run = start("signals", QUIET)
        run.stop()
        assert run.join(HANG)
        events = collect(run)
        assert events[-1].data["status"] == "stopped"
        assert not [e.text for e in events if e.kind == "error"]


def test_twenty_runs_in_a_row_leave_nothing():
    pids = set()
    for _ in range(20):
        run = start("signals", {"interval": 0.1, "alarms": 1}, speed=10)
        events = collect(run, timeout=10)
        assert events[-1].data["status"] == "ok", [e.text for e in events]
        result = result_of(events)
        assert result["handled"]["SIGALRM"] == 1
        pids.add(result["pid"])
    assert len(pids) == 20
    assert not [pid for pid in pids if psutil.pid_exists(pid)]
    # The autouse leak fixture then checks threads, children and fds.


def test_cli_alarms_json_reports_handled_and_leaves_no_process():
    cli = subprocess.Popen(
        [sys.executable, "-m", "engine", "run", "signals", "--alarms", "3",
         "--interval", "1", "--json"],
        stdout=subprocess.PIPE, text=True)
    started = set()
    lines = []
    try:
        for line in cli.stdout:
            lines.append(json.loads(line))
            data = lines[-1]["data"]
            if isinstance(data, dict) and data.get("child_pid"):
                # Everything the command has started by now: catcher, resource tracker.
                started = set(psutil.Process(cli.pid).children(recursive=True))
        assert cli.wait(10) == 0
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stdout.close()
    assert lines[-1]["kind"] == "done" and lines[-1]["data"]["status"] == "ok"
    result = [e for e in lines if e["kind"] == "result"][-1]
    assert result["data"]["handled"]["SIGALRM"] == 3
    assert result["data"]["pid"] in {p.pid for p in started}
    # The command has exited: its ended orphans are init's to reap (see left_behind).
    assert left_behind(started, wait=15.0, zombies=False) == []


def test_catcher_does_not_outlive_a_killed_command():
    cli = subprocess.Popen(
        [sys.executable, "-m", "engine", "run", "signals", "--alarms", "100", "--json"],
        stdout=subprocess.PIPE, text=True)
    try:
        for line in cli.stdout:
            data = json.loads(line)["data"]
            if isinstance(data, dict) and data.get("child_pid"):
                catcher = psutil.Process(data["child_pid"])
                break
        cli.kill()                     # no Stop, no clean-up: the parent just vanishes
        cli.wait()
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stdout.close()
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        try:
            if catcher.status() == psutil.STATUS_ZOMBIE:
                break                  # ended; reaping it is now up to its new parent
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    else:
        catcher.kill()
        raise AssertionError("the orphaned catcher kept running")
