"""Every lesson program on a system without fork, alarm or SIGUSR1, as Windows is (issue 18).

Windows has no ``os.fork``, ``signal.alarm``, SIGALRM, SIGUSR1 or SIGUSR2
(``engine.lab.without.WINDOWS``), and multiprocessing only spawns there. Each
program runs with all of those removed, by itself (``python -m
engine.lab.without windows PROGRAM``) and in the lab, takes the path it takes
on such a system, and gets the right result: pipes writes from a thread,
signals rings its alarms with a timer and SIGABRT, mp_queue and the parallel
file scan start their workers by spawn. In the lab, the lab itself also goes
without what Windows lacks (process groups, Unix sockets, pthread_kill...;
``tests.platforms.as_on``), on both its sides.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.lab import LabError, start_lab, without
from tests.bounds import HANG
from tests.engine.programs.lesson_runs import assert_ok, program, run_file_in_lab
from tests.platforms import as_on

REPO = Path(__file__).resolve().parents[3]
LAB_PROGRAMS = REPO / "tests" / "engine" / "lab_programs"
#: Runs the filescan program with its parallel walk sharing out even a small tree,
#: to two workers even on one core.
PARALLEL_WALK = Path(__file__).parent / "parallel_walk.py"
FOLDERS = 30


def run_alone_without(path, *argv: str) -> subprocess.CompletedProcess:
    """``python PROGRAM ARGS`` on a system without what Windows lacks, no lab."""
    return subprocess.run([sys.executable, "-m", "engine.lab.without", "windows", str(path),
                           *argv], capture_output=True, text=True, timeout=HANG, cwd=REPO)


def run_in_lab_without(monkeypatch, path, *argv: str) -> list:
    """Every event of a lab run on a system without what Windows lacks; it ends ok."""
    as_on(monkeypatch, "windows")
    events = run_file_in_lab(path, *argv)
    assert_ok(events)
    return events


def result(events: list) -> dict:
    [found] = [e.data for e in events if e.kind == "result"]
    return found


def probes(events: list, call: str) -> list:
    return [e for e in events if e.kind == "probe" and e.data.get("call") == call]


def spawned(events: list) -> list:
    return [e for e in events if e.kind == "process" and not e.data.get("ending")
            and e.data["role"] != "root"]


@pytest.fixture
def tree(tmp_path) -> Path:
    return make_tree(tmp_path)


def make_tree(root: Path) -> Path:
    """FOLDERS folders of one .py file each, for the parallel walk to share out."""
    for n in range(FOLDERS):
        folder = root / f"d{n // 10}" / f"e{n}"
        folder.mkdir(parents=True)
        (folder / "m.py").write_text("x" * (n % 7))
    return root


def scan_summary(lines: list[str]) -> bool:
    return any(re.match(rf"{FOLDERS} files, [\d,]+ bytes, in [\d,]+ folders, 0 problems", line)
               for line in lines)


# lesson: (its arguments, the last line it prints alone)
ALONE = {
    "mutex": (["--threads=3", "--lines=2", "--delay=0"],
              r"counter is 6, expected 6: 0 updates lost"),
    "thread_queue": (["--producers=2", "--consumers=2", "--messages=3", "--delay=0.01"],
                     r"6 messages produced, 6 consumed: 0 never consumed, 0 consumed twice"),
    "mp_queue": (["--producers=2", "--consumers=2", "--names=3", "--delay=0.01"],
                 r"6 names produced, 6 consumed: 0 never consumed, 0 consumed twice"),
    "pipes": (["--delay=0", "--pause=0.05"], r"bytes written: 60, read: 60 in \d+ reads; "
                                             r"0 messages found"),
    "signals": (["--alarms=2"], r"handled: SIGABRT 2, SIGTERM 0"),
    "sockets": (["--clients=2", "--delay=0"], r"2 of 2 replies equal their requests"),
}


@pytest.mark.parametrize("lesson_id", list(ALONE))
def test_alone_each_program_takes_its_path_without_fork_and_alarm(lesson_id):
    argv, last = ALONE[lesson_id]
    done = run_alone_without(program(lesson_id), *argv)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(last, done.stdout.splitlines()[-1]), done.stdout[-500:]
    if lesson_id == "pipes":
        assert "forked" not in done.stdout
    if lesson_id == "signals":
        assert "Got SIGABRT (signal 6) at " in done.stdout


def test_alone_mp_queue_asked_to_fork_where_nothing_forks_says_so_in_one_line():
    done = run_alone_without(program("mp_queue"), "--start=fork")
    assert (done.returncode, done.stdout) == (2, ""), done
    assert done.stderr.splitlines()[-1] == "program.py: error: argument --start: this system " \
                                           "has no fork"


def test_alone_the_parallel_file_scan_spawns_its_workers(tree):
    done = run_alone_without(PARALLEL_WALK, str(program("filescan")), f"--root={tree}",
                             "--way=parallel")
    assert done.returncode == 0, done.stderr
    assert scan_summary(done.stdout.splitlines()), done.stdout[-500:]


def test_in_the_lab_mutex_thread_queue_and_sockets_run_as_ever(monkeypatch):
    figures = result(run_in_lab_without(monkeypatch, program("mutex"), *ALONE["mutex"][0]))
    assert figures == {"counter": 6, "expected": 6, "lost_updates": 0, "garbled_lines": 0}
    figures = result(run_in_lab_without(monkeypatch, program("thread_queue"),
                                        *ALONE["thread_queue"][0]))
    assert (figures["produced"], figures["consumed"], figures["missing"]) == (6, 6, 0)
    figures = result(run_in_lab_without(monkeypatch, program("sockets"),
                                        *ALONE["sockets"][0]))
    assert (figures["clients"], figures["replies_ok"]) == (2, 2)


def test_in_the_lab_pipes_writes_from_a_thread_of_the_same_process(monkeypatch):
    events = run_in_lab_without(monkeypatch, program("pipes"), *ALONE["pipes"][0])
    figures = result(events)
    assert (figures["bytes_written"], figures["bytes_read"], figures["exit_status"]) == (
        60, 60, 0)
    assert not probes(events, "os.fork") and not spawned(events)
    writes = [e for e in probes(events, "os.write") if e.data["bytes"]]
    assert [e.data["chunk"] for e in writes] == [f"Spam {n}" for n in range(10)]
    assert {(e.actor, e.pid) for e in writes} == {("child", events[0].pid)}
    reads = [e for e in probes(events, "os.read") if e.data["bytes"]]
    assert sum(e.data["bytes"] for e in reads) == 60


def test_in_the_lab_signals_rings_its_alarms_with_a_timer_and_sigabrt(monkeypatch):
    events = run_in_lab_without(monkeypatch, program("signals"), "--alarms=2")
    assert result(events)["handled"] == {"SIGABRT": 2, "SIGTERM": 0}
    assert not probes(events, "signal.alarm")
    delivered = [e.data["signal"] for e in events if e.kind == "probe"
                 and "signal" in e.data and e.data["call"] == "on_signal"]
    assert delivered == ["SIGABRT", "SIGABRT"]
    assert sorted(e.data["signal"] for e in probes(events, "signal.signal")) == [
        "SIGABRT", "SIGTERM"]


def test_in_the_lab_mp_queue_spawns_every_worker(monkeypatch):
    events = run_in_lab_without(monkeypatch, program("mp_queue"), *ALONE["mp_queue"][0])
    figures = result(events)
    assert (figures["produced"], figures["consumed"], figures["missing"]) == (6, 6, 0)
    workers = {e.pid: e.data["role"] for e in spawned(events)}
    assert set(figures["pids"]) <= set(workers), (figures["pids"], workers)
    assert {workers[pid] for pid in figures["pids"]} == {"spawn"}


def test_in_the_lab_the_parallel_file_scan_spawns_its_workers(monkeypatch, tree):
    events = run_in_lab_without(monkeypatch, PARALLEL_WALK, str(program("filescan")),
                                f"--root={tree}", "--way=parallel")
    assert scan_summary([e.text for e in events if e.kind == "output"])
    workers = [e for e in spawned(events) if e.actor.startswith("SpawnProcess")]
    assert len(workers) == 2 and {e.data["role"] for e in spawned(events)} == {"spawn"}


def test_the_names_are_gone_in_the_lab_process_and_in_its_spawned_children(monkeypatch):
    events = run_in_lab_without(monkeypatch, LAB_PROGRAMS / "without_names.py")
    said = sorted(e.text for e in events if e.kind == "output")
    assert said == ["child: fork False, alarm False, SIGUSR1 False, start methods ['spawn']",
                    "main: fork False, alarm False, SIGUSR1 False, start methods ['spawn']"]


def test_a_name_the_lab_cannot_remove_is_one_line_before_anything_starts(monkeypatch):
    monkeypatch.setenv(without.ENV, "os.fork,time.sleep")
    with pytest.raises(LabError, match=r"^PYSYSLAB_WITHOUT: cannot remove 'time.sleep'; "
                                       r"it can remove multiprocessing.fork_default, os.fork, "):
        start_lab(str(program("mutex")), [])
    done = subprocess.run([sys.executable, "-m", "engine", "run", "mutex"], capture_output=True,
                          text=True, timeout=HANG, cwd=REPO,
                          env={**os.environ, without.ENV: "bogus"})
    assert (done.returncode, done.stdout) == (1, ""), done
    assert done.stderr.startswith("error: PYSYSLAB_WITHOUT: cannot remove 'bogus'"), done.stderr
    assert len(done.stderr.splitlines()) == 1
