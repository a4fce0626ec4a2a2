"""The lab: real lab processes running small plain programs from lab_programs/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.lab import LabError, start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, ending, read_until
from tests.engine.proctools import left_behind, processes
from tests.platforms import needs, posix_signal_delivery, start_methods

PROGRAMS = Path(__file__).parent / "lab_programs"


def lab(name: str, *argv: str, speed: float = 1.0):
    return start_lab(str(PROGRAMS / name), list(argv), speed=speed)


def line_of(name: str, text: str) -> int:
    """The number of the one line of a program that contains ``text``."""
    found = [n for n, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1)
             if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {name}"
    return found[0]


def outputs(events) -> list[str]:
    return [e.text for e in events if e.kind == "output"]


def stop_and_collect(run) -> list:
    run.stop()
    events = collect(run, HANG)
    assert run.join(HANG)
    return events


def assert_group_gone(run) -> None:
    assert_group_ends(run.pid)


#: Taken at import: a test that acts as Windows removes os.killpg from this process,
#: and its runs must still be checked by their group, which Linux still makes.
_killpg = getattr(os, "killpg", None)


def assert_group_ends(group: int, pids=()) -> None:
    """No process of the run's group is left, once init has reaped the killed orphans.

    The lab process (the group's leader) is reaped by the run itself; processes it
    left behind were killed with it and are reaped by init, a moment later.
    Where there are no process groups (Windows), the processes known to the
    test are checked instead: the lab process (``group``) and ``pids``.
    """
    if _killpg is None:
        assert_processes_end({group, *pids})
        return
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        try:
            _killpg(group, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass   # macOS (XNU's killpg skips zombies) while only zombies are left: wait on
        time.sleep(0.01)
    raise AssertionError(f"process group {group} still has members after {HANG} s")


def assert_processes_end(pids) -> None:
    """Each of ``pids`` ends (a zombie counts as ended: its parent reaps it)."""
    left = left_behind(processes(pids), wait=HANG, zombies=False)
    assert not left, f"still running after {HANG} s: {left}"


def test_threads_print_through_a_lock_with_actor_and_line():
    events = collect(lab("threads_lock.py"), HANG)
    assert [e.kind for e in events].count("done") == 1 and events[-1].kind == "done"
    assert ending(events[-1]) == ("ok", 0)
    said = [e for e in events if e.kind == "output" and "says" in e.text]
    assert sorted(e.text for e in said) == sorted(
        f"w{i} says line {n}" for i in range(3) for n in range(2))
    print_line = line_of("threads_lock.py", "print(f\"{name}")
    for event in said:
        assert event.actor == event.text.split()[0]   # the thread's own name
        assert event.line == print_line
        assert event.data["file"] == str(PROGRAMS / "threads_lock.py")
    assert outputs(events)[-1] == "all done"


def test_the_terminal_stream_is_every_write_in_order():
    events = collect(lab("threads_lock.py"), HANG)
    terminal = "".join(e.text for e in events if e.kind == "terminal" and e.pid)
    assert terminal.endswith("all done\n")
    assert terminal.splitlines() == outputs(events)


def test_the_terminal_shows_a_line_garbled_by_two_threads_and_the_log_does_not():
    events = collect(lab("interleave.py"), HANG)
    terminal = [e.text for e in events if e.kind == "terminal"]
    assert terminal == ["AAABBB\n", "aaa\n"]   # what a line-buffered terminal receives
    lines = {(e.actor, e.text) for e in events if e.kind == "output"}
    assert lines == {("A", "AAAaaa"), ("B", "BBB")}   # each actor's own line


def test_the_result_counts_the_terminal_lines_that_no_one_thread_wrote_whole():
    events = collect(lab("garbled.py"), HANG)
    terminal = "".join(e.text for e in events if e.kind == "terminal").splitlines()
    assert terminal == ["AAABBB", "aaa", "A whole"]
    assert [e.data for e in events if e.kind == "result"] == [{"done": True,
                                                               "garbled_lines": 2}]


@needs("os.fork")
def test_output_unflushed_at_fork_is_printed_by_both_as_in_a_terminal():
    events = collect(lab("fork_unflushed.py"), HANG)
    terminal = [e.text for e in events if e.kind == "terminal"]
    assert sorted(terminal) == ["written before the fork, by the child\n",
                                "written before the fork, by the parent\n"]


def test_bytes_written_to_stdout_buffer_are_captured_and_sleep_zero_works():
    events = collect(lab("bytes_out.py"), HANG)
    assert outputs(events) == ["raw bytes", "after"]
    assert [e.data["requested"] for e in events if e.kind == "sleep"] == [0]
    assert events[-1].data["status"] == "ok"


def test_sampler_shows_a_thread_blocked_in_acquire_on_its_line():
    run = lab("blocked.py")
    acquire = line_of("blocked.py", "    mutex.acquire()")
    read_until(run, lambda e: e.kind == "line" and e.actor == "waiter" and e.line == acquire,
               HANG, "the waiter shown on its acquire() line")
    # The main thread is asleep on its sleep line, also blocked in C.
    events = stop_and_collect(run)
    assert events[-1].data["status"] == "stopped"
    assert_group_gone(run)


def test_main_thread_blocked_in_sleep_is_sampled_on_the_sleep_line():
    run = lab("blocked.py")
    sleep_line = line_of("blocked.py", "time.sleep(3600)")
    read_until(run, lambda e: e.kind == "line" and e.actor == "MainThread"
               and e.line == sleep_line, HANG, "the main thread on its sleep line")
    stop_and_collect(run)


@needs("os.fork")
def test_a_forked_child_is_followed_with_its_pid():
    events = collect(lab("forks.py"), HANG)
    said = outputs(events)
    child_pid = int(next(t for t in said if t.startswith("parent forked")).split()[-1])
    from_child = [e for e in events if e.kind == "output" and e.text == "hello from the child"]
    assert [(e.pid, e.actor) for e in from_child] == [(child_pid, f"child pid {child_pid}")]
    assert "child ended with 7" in said   # os._exit still exits with its code
    started = [e for e in events if e.kind == "process" and e.pid == child_pid]
    assert started and started[0].data["role"] == "fork"
    assert events[-1].data["status"] == "ok"


@pytest.mark.parametrize("method", start_methods("spawn", "fork", "forkserver"))
def test_multiprocessing_children_are_followed(method):
    events = collect(lab("mp_children.py", method), HANG)
    greeting = [e for e in events if e.kind == "output" and e.text.startswith("hello by")]
    assert len(greeting) == 1, outputs(events)
    name = {"spawn": "SpawnProcess-1", "fork": "ForkProcess-1",
            "forkserver": "ForkServerProcess-1"}[method]   # a context names them so
    assert greeting[0].text == f"hello by {method} from {name}"
    assert greeting[0].actor == f"{name} pid {greeting[0].pid}"
    assert greeting[0].line == line_of("mp_children.py", "print(f\"{greeting}")
    assert f"{method} child exit code 0" in outputs(events)
    assert events[-1].data["status"] == "ok"


@pytest.mark.parametrize("method", start_methods("spawn", "fork", "forkserver"))
def test_a_multiprocessing_child_is_one_actor_from_its_first_event(method):
    """It is announced under the name multiprocessing gives it, never as "child pid N"
    first (two lanes for one process); multiprocessing's own helpers (the resource
    tracker, the forkserver) are not the program's processes and are not announced."""
    events = collect(lab("mp_children.py", method), HANG)
    root = next(e.pid for e in events if e.kind == "process" and e.data["role"] == "root")
    name = {"spawn": "SpawnProcess-1", "fork": "ForkProcess-1",
            "forkserver": "ForkServerProcess-1"}[method]
    child = next(e.pid for e in events if e.kind == "output" and e.text.startswith("hello"))
    from_children = {e.actor for e in events
                     if e.pid not in (root, os.getpid(), None) and e.actor != "fd"}
    assert from_children == {f"{name} pid {child}"}
    began = [e for e in events if e.kind == "process" and e.text.startswith("started")]
    assert sorted(e.actor for e in began) == sorted(["MainThread", f"{name} pid {child}"])
    assert events[-1].data["status"] == "ok"


@pytest.mark.parametrize("method", start_methods("spawn", "fork"))
def test_a_child_the_program_terminates_is_no_death(method):
    events = collect(lab("terminates.py", method), HANG)
    assert "sleeper exit code -15" in outputs(events)
    assert "the witness saw it" in outputs(events)
    assert events[-1].data["died"] == []
    assert ending(events[-1]) == ("ok", 0)


def test_an_exception_becomes_one_error_then_done_with_the_exit_code():
    events = collect(lab("raises.py"), HANG)
    kinds = [e.kind for e in events if e.kind in ("error", "done")]
    assert kinds == ["error", "done"]
    error = next(e for e in events if e.kind == "error")
    assert error.text == "ZeroDivisionError: division by zero"
    assert error.line == line_of("raises.py", "return a / b")
    assert "raises.py" in error.data["traceback"]
    assert "runpy" not in error.data["traceback"]   # the lab's own frames are left out
    assert ending(events[-1]) == ("error", 1)
    assert "about to divide" in outputs(events)


def test_an_exception_in_a_thread_is_an_error_of_that_thread():
    events = collect(lab("thread_fails.py"), HANG)
    errors = [e for e in events if e.kind == "error"]
    assert [(e.actor, e.text) for e in errors] == [("worker", "RuntimeError: the worker failed")]
    assert errors[0].line == line_of("thread_fails.py", "raise RuntimeError")
    assert "main goes on" in outputs(events)
    assert ending(events[-1]) == ("error", 0)


def test_the_program_sees_none_of_the_lab_threads():
    events = collect(lab("thread_fails.py"), HANG)
    assert "threads at start: ['MainThread']" in outputs(events)


def test_stop_asks_first_and_the_program_keeps_its_partial_result():
    run = lab("loops_catch.py")
    read_until(run, lambda e: e.kind == "output" and e.text == "counting", HANG, "counting")
    events = stop_and_collect(run)
    assert any(t.startswith("partial result: counted ") for t in outputs(events))
    assert ending(events[-1]) == ("stopped", 0)
    assert_group_gone(run)


def test_a_result_returned_after_stop_is_marked_incomplete():
    run = lab("loops_catch.py")
    read_until(run, lambda e: e.kind == "output" and e.text == "counting", HANG, "counting")
    events = stop_and_collect(run)
    result = [e for e in events if e.kind == "result"][-1].data
    assert result["counted"] >= 1 and result["complete"] is False
    assert ending(events[-1]) == ("stopped", 0)


# Without pthread_kill (Windows) Stop raises SIGINT from the lab's own thread, which
# wakes a main thread in sleep() but not in acquire(): a lock wait is interruptible
# on POSIX only. There the program is killed after the grace instead.
@needs("signal.pthread_kill")
def test_stop_reaches_a_main_thread_blocked_in_acquire():
    # A flag such as _thread.interrupt_main() sets is not seen by a thread blocked
    # in C; a real SIGINT wakes it, as Ctrl-C would in a terminal.
    run = lab("main_blocked.py")
    waiting = line_of("main_blocked.py", "    mutex.acquire()")
    read_until(run, lambda e: e.kind == "line" and e.line == waiting, HANG,
               "the main thread waiting in acquire()")
    events = stop_and_collect(run)
    assert "interrupted while waiting for the lock" in outputs(events)
    assert ending(events[-1]) == ("stopped", 0)


@needs("signal.SIGKILL")
def test_a_program_that_ignores_the_ask_is_killed_after_the_grace():
    run = lab("ignores.py")
    read_until(run, lambda e: e.kind == "output" and e.text == "sleeping", HANG, "sleeping")
    events = stop_and_collect(run)
    assert "ignoring Ctrl-C" in outputs(events)   # it was asked first
    assert ending(events[-1]) == ("stopped", -signal.SIGKILL)
    assert_group_gone(run)


@needs("os.fork")
def test_stop_ends_forked_children_that_ignore_it():
    run = lab("fork_and_hang.py")
    seen = set()
    read_until(run, lambda e: e.kind == "output" and seen.add(e.text.split()[0]) is None
               and {"child", "parent"} <= seen, HANG, "both processes waiting")
    events = stop_and_collect(run)
    assert events[-1].data["status"] == "stopped"
    assert_group_gone(run)


def test_sleep_is_scaled_by_the_speed_and_follows_a_change_live():
    run = lab("sleeps.py", speed=10)
    asked = read_until(run, lambda e: e.kind == "sleep", HANG, "the sleep")[-1]
    assert asked.data == {"requested": 1000, "scaled": 100.0, "speed": 10.0,
                          "file": str(PROGRAMS / "sleeps.py")}
    assert asked.line == line_of("sleeps.py", "sleep(1000)")
    # 1000 s at speed 10 would outlast HANG; at 100000 what is left takes ~10 ms.
    run.set_speed(100000)
    read_until(run, lambda e: e.kind == "output" and e.text == "woke up", HANG, "waking up")
    assert collect(run, HANG)[-1].data["status"] == "ok"


def kill_the_engine_mid_run(name: str, ready: str, env: dict | None = None) -> int:
    """Run ``name`` from an engine in another process, kill that engine once the run
    is ``ready`` (a condition on its events ``seen``, checked there); the lab's pid."""
    engine = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from engine.lab import start_lab\n"
         "run = start_lab(sys.argv[1])\n"
         "seen = []\n"
         f"while not ({ready}):\n"
         "    seen.append(run.events.get())\n"
         "print(run.pid, flush=True)\n"
         "sys.stdin.read()",   # until the test kills this engine
         str(PROGRAMS / name)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        return int(engine.stdout.readline())
    finally:
        engine.kill()
        engine.wait()
        engine.stdout.close()
        engine.stdin.close()


def assert_the_lab_ends_the_run(lab_pid: int) -> None:
    """The lab saw its engine's connection close and ended the whole run."""
    try:
        assert_group_ends(lab_pid)
    except AssertionError:
        if _killpg is not None:
            _killpg(lab_pid, signal.SIGKILL)
        raise


def test_the_lab_ends_when_its_engine_is_killed():
    # Once a line event came, the lab is connected and running.
    lab_pid = kill_the_engine_mid_run("blocked.py", "seen and seen[-1].kind == 'line'")
    assert_the_lab_ends_the_run(lab_pid)


def test_bad_program_and_speed_are_one_clear_error():
    with pytest.raises(LabError, match="no such program"):
        start_lab(str(PROGRAMS / "missing.py"))
    with pytest.raises(LabError, match="speed must be a number above 0"):
        start_lab(str(PROGRAMS / "sleeps.py"), speed=0)


@needs("os.fork")
def test_the_command_line_prints_one_line_per_event():
    done = subprocess.run([sys.executable, "-m", "engine.lab", str(PROGRAMS / "forks.py")],
                          capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("output" in line and "hello from the child" in line for line in lines)
    assert "done" in lines[-1] and "ok: exit code 0" in lines[-1]


@posix_signal_delivery
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_the_command_line_stops_the_run_on_ctrl_c_or_sigterm(how):
    cli = subprocess.Popen([sys.executable, "-m", "engine.lab", str(PROGRAMS / "loops_catch.py")],
                           stdout=subprocess.PIPE, text=True)
    try:
        for line in cli.stdout:
            if line.split()[-1:] == ["counting"]:
                break
        cli.send_signal(how)
        rest = cli.stdout.read().splitlines()
        assert cli.wait(HANG) == 1
    finally:
        cli.kill()
        cli.wait()
        cli.stdout.close()
    assert any("partial result: counted" in line and "output" in line for line in rest)
    assert "stopped: exit code 0" in rest[-1]


@posix_signal_delivery
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_second_ctrl_c_while_the_run_stops_changes_nothing(how):
    """A person presses Ctrl-C again while the run is stopping: here the program
    shrugs off the first (it catches KeyboardInterrupt), so the run is still in its
    grace before the kill when the second comes. The run ends "stopped", with no
    traceback of the command line's own (a KeyboardInterrupt raised in its print
    loop once broke its event queue's lock, or went unhandled)."""
    cli = subprocess.Popen([sys.executable, "-m", "engine.lab", str(PROGRAMS / "ignores.py")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in cli.stdout:
            if line.split()[-1:] == ["sleeping"]:
                cli.send_signal(how)
            elif line.split()[-2:] == ["ignoring", "Ctrl-C"]:
                cli.send_signal(how)   # the first reached the program; the kill is due
                break
        rest = cli.stdout.read().splitlines()
        assert cli.wait(HANG) == 1
        err = cli.stderr.read()
    finally:
        cli.kill()
        cli.wait()
        cli.stdout.close()
        cli.stderr.close()
    assert "Traceback" not in err, err
    assert "done" in rest[-1] and "stopped" in rest[-1]


def test_the_message_of_sys_exit_reaches_the_terminal():
    # The interpreter writes it from C at exit: there is no Python frame to name.
    events = collect(lab("exit_message.py"), HANG)
    assert "bye: one clear line" in outputs(events)
    assert events[-1].data["exit_code"] == 1


@needs("signal.setitimer", "signal.SIGALRM")
def test_a_signal_handler_that_prints_in_the_middle_of_a_print_does_not_hang():
    # A 2 ms timer: the handler lands inside the lab's own locks and sendall many
    # times, so each re-entrant path is taken (one deadlocked: a handler inside emit,
    # holding the event lock, waited to send behind the sampler, which waited for that
    # lock). At 0.5 ms, on a machine loaded ten times over, the lab's cost per print
    # lets the handlers nest until Python's recursion limit: a limit of the lab.
    events = collect(lab("handler_prints.py"), HANG)
    printed = outputs(events)
    assert events[-1].data["status"] == "ok", events[-1].text
    assert printed[-1] == "done" and "tick" in printed
    assert sum(1 for text in printed if text.startswith("main line")) >= 19_000


@pytest.mark.parametrize("method", start_methods("fork", "spawn"))
def test_an_exception_in_a_multiprocessing_child_is_an_error_event(method):
    events = collect(lab("mp_child_raises.py", method), HANG)
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 1, [e.text for e in errors]
    assert errors[0].actor.startswith("worker pid ")
    assert errors[0].text == "ValueError: the child failed on purpose"
    assert "mp_child_raises.py" in errors[0].data["traceback"]
    assert errors[0].line == line_of("mp_child_raises.py", "raise ValueError")
    assert "child exit code 1" in outputs(events)   # multiprocessing's own way, unchanged
    assert events[-1].data["status"] == "error"


@pytest.mark.parametrize("line, pid", [
    (b"hello 0123abcd 4242", 4242),
    (b"hello 0123abce 4242", None),     # another secret
    (b"hello 0123abc 4242", None),      # a part of it
    (b"hello 0123abcd0 4242", None),    # more than it
    (b"hello 0123abcd x42", None),
    (b"hi 0123abcd 4242", None),
    (b"hello 0123abcd", None),
])
def test_a_connection_is_heard_only_with_the_run_s_secret(line, pid):
    from engine.lab import wire
    assert wire.read_hello(line, "0123abcd") == pid


@pytest.mark.parametrize("status", [0, 3])
def test_a_program_ends_as_it_would_in_a_terminal(status, tmp_path):
    """The lab leaves without the interpreter's teardown (~10 ms), but what a program
    can tell of that teardown still happens: its status, its unclosed file written,
    its __del__ run, its last unfinished line shown."""
    log = tmp_path / "log.txt"
    events = collect(start_lab(str(PROGRAMS / "exit_status.py"), [str(log), str(status)]), HANG)
    assert events[-1].data["exit_code"] == status, events[-1].text
    assert log.read_text() == "written, never closed\n"
    assert "".join(e.text for e in events if e.kind == "terminal") == (
        "no newline at the end goodbye from __del__\n")
