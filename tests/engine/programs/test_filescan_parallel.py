"""The filescan lesson's parallel way (engine/lessons/filescan/parallel.py), on real trees.

``parallel.scan`` must give the careful walk's answer, whichever worker walked
which folder: on the odd tree of test_filescan_program.py (loops, broken links,
a FIFO, a non-UTF-8 name, hidden folders), on a random tree checked against a
brute-force count, with files that vanish mid-walk, and with unreadable folders.
A small tree goes to the workers because the tests lower parallel.py's module
constants: directly (``monkeypatch``), or through ``parallel_walk.py``, a tiny
wrapper that runs the program as ``python program.py`` would.

Stop, Ctrl-C and a worker killed with SIGKILL are made to land mid-walk by
holding one worker at a known folder (``parallel_walk.py --hold``), never by a
tree big enough or a sleep long enough.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.lab import start_lab
from tests import vanish
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.programs.lesson_runs import run_file_in_lab
from tests.engine.programs.test_filescan_program import (
    LESSON,
    PROGRAM,
    brute_force,
    make_odd_tree,
    run_until_held,
    scan_unreadable_tree,
    write,
)
from tests.engine.test_lab import assert_group_ends
from tests.platforms import needs, posix_signal_delivery

PARALLEL_WALK = Path(__file__).parent / "parallel_walk.py"
#: The workers are forked where the system can, and inherit what this process (or
#: parallel_walk.py) changed: the lowered constants, a wrapped os.scandir, a held
#: folder. Spawned workers (Windows) start afresh; the spawn path is tested in
#: test_without_windows_apis.py.
inherits = needs("os.fork")


@pytest.fixture(scope="module")
def lesson():
    """careful.py and parallel.py imported as the program imports them."""
    sys.path.insert(0, str(LESSON))
    try:
        yield importlib.import_module("careful"), importlib.import_module("parallel")
    finally:
        sys.path.remove(str(LESSON))
        for name in ("careful", "parallel"):
            sys.modules.pop(name, None)


@pytest.fixture
def shared(lesson, monkeypatch):
    """parallel.scan made to share out even a tiny tree; records each share-out."""
    careful, parallel = lesson
    monkeypatch.setattr(parallel, "IN_PROCESS_FOLDERS", 1)
    monkeypatch.setattr(parallel, "SHARE_FOLDERS", 2)
    monkeypatch.setattr(parallel, "SHARE_SIZE", 3)
    monkeypatch.setattr(parallel, "WORKERS", 2)
    calls = []
    real = parallel.share_out

    def share_out(*args):
        calls.append(len(args[0]))
        return real(*args)

    monkeypatch.setattr(parallel, "share_out", share_out)
    return careful, parallel, calls


@pytest.fixture(scope="module")
def odd_tree(tmp_path_factory):
    return make_odd_tree(str(tmp_path_factory.mktemp("filescan-parallel")))


def same_answer(a: dict, b: dict) -> None:
    """Equal results; the first problems listed may come in another order, and more
    processes may have walked."""
    assert {**a, "errors": sorted(a["errors"]), "processes": 1} == \
        {**b, "errors": sorted(b["errors"]), "processes": 1}


# -- parallel.scan, imported directly --------------------------------------------------------

@pytest.mark.parametrize("top", [3, 10000])
@pytest.mark.parametrize("hidden", [True, False])
def test_parallel_equals_careful_on_the_odd_tree(shared, odd_tree, top, hidden):
    careful, parallel, calls = shared
    found = parallel.scan(odd_tree, ".py", top, hidden=hidden)
    assert calls, "the tree was not shared out to workers"
    assert found["processes"] == 3, "this one and 2 workers"
    same_answer(found, careful.scan(odd_tree, ".py", top, hidden=hidden))
    rows = brute_force(odd_tree, hidden=hidden)
    assert found["count"] == len(rows) and found["complete"] is True
    assert found["largest"][0] == [rows[-1][0], rows[-1][1]]   # the non-UTF-8 name
    assert multiprocessing.active_children() == []


def test_parallel_equals_a_brute_force_count_on_a_random_tree(shared, tmp_path):
    careful, parallel, calls = shared
    rng = random.Random(17)
    folders = [tmp_path]
    for i in range(120):
        folders.append(rng.choice(folders) / f"d{i}")
    for i in range(600):
        name = f"f{i}{rng.choice(['.py', '.txt', '.py.bak'])}"
        write(str(rng.choice(folders) / name), rng.choice([0, 1, 7, rng.randrange(5000)]))
    rows = brute_force(str(tmp_path))
    found = parallel.scan(str(tmp_path), top=25)
    assert calls
    assert found["count"] == len(rows) and found["bytes"] == sum(r[0] for r in rows)
    assert found["smallest"] == [[size, path] for size, path, _ in rows[:25]]
    assert found["largest"] == [[size, path] for size, path, _ in rows[::-1][:25]]
    histogram = [0] * len(found["histogram"])
    for size, _, _ in rows:
        histogram[size.bit_length()] += 1
    assert found["histogram"] == histogram
    same_answer(found, careful.scan(str(tmp_path), top=25))


def test_follow_stays_in_this_process_and_equals_careful(shared, odd_tree):
    careful, parallel, calls = shared
    found = parallel.scan(odd_tree, top=10000, follow=True)
    assert calls == [], "follow needs one set of folders walked: no workers"
    same_answer(found, careful.scan(odd_tree, top=10000, follow=True))
    assert found["loops"] == 3


@inherits
def test_files_deleted_mid_walk_in_a_worker_are_counted(shared, tmp_path, monkeypatch):
    """Half the files of a folder a worker walks are deleted between its listing and
    their stat (the wrapped scandir is inherited by the forked workers)."""
    careful, parallel, calls = shared
    for i in range(3):
        write(str(tmp_path / f"top{i}.py"), 1)
    folder = tmp_path / "deeper" / "churn"
    for i in range(200):
        write(str(folder / f"f{i:04d}.py"), i)
    doomed = {str(folder / name) for name in sorted(os.listdir(folder))[1::2]}
    monkeypatch.setattr(os, "scandir", os.scandir)   # put back after the test
    for module in (careful, parallel):                 # fewer than the problems
        monkeypatch.setattr(module, "LISTED_PROBLEMS", 50)
    vanish.install(str(folder), lambda: [os.unlink(path) for path in doomed])
    found = parallel.scan(str(tmp_path), top=10000)
    assert calls and found["complete"] is True
    assert found["count"] == 3 + 100 and found["vanished"] == 100 == found["error_count"]
    assert len(found["errors"]) == 50   # the first LISTED_PROBLEMS, by path
    assert {path for path, _ in found["errors"]} <= doomed
    assert {reason for _, reason in found["errors"]} == {"vanished during the walk"}


UNREADABLE_SCAN = """
import json, os, sys
sys.path.insert(0, {lesson!r})
import careful, parallel
# What parallel.py imports later (to fork its workers), when nobody may not read them:
import pickle, select
user = {user!r}
if user is not None:      # after the imports: the interpreter may be where nobody can't read
    os.setgroups([]); os.setgid(user); os.setuid(user)
parallel.IN_PROCESS_FOLDERS, parallel.SHARE_FOLDERS, parallel.WORKERS = 1, 1, 2
print(json.dumps([parallel.scan({root!r}, top=10), careful.scan({root!r}, top=10)]))
"""


def test_unreadable_folders_are_listed_as_careful_lists_them():
    locked, (found, careful_found) = scan_unreadable_tree(UNREADABLE_SCAN)
    if found["unreadable_folders"] == 0 and found["count"] == 4:
        pytest.skip("this user can read every folder (no unreadable folder to test)")
    same_answer(found, careful_found)
    assert found["count"] == 2 and found["unreadable_folders"] == 2 == found["error_count"]
    assert sorted(found["errors"]) == [[path, "cannot read folder: permission denied"]
                                       for path in locked]


# -- the program, shared out (parallel_walk.py), held at a known folder ------------------------

def held_tree(base: Path) -> Path:
    """Files at the top (walked by the program's own process), a folder to hold a
    worker at, and more folders for the other worker."""
    for i in range(4):
        write(str(base / f"top{i}.py"), i)
    write(str(base / "held" / "never.py"), 99)
    for i in range(6):
        write(str(base / f"other{i}" / f"o{i}.py"), 100 + i)
    return base / "held"


def test_program_in_a_terminal_shares_out_and_gives_the_careful_answer(odd_tree):
    shared = subprocess.run([sys.executable, str(PARALLEL_WALK), str(PROGRAM), "--root",
                             odd_tree, "--top", "5"], capture_output=True, text=True,
                            errors="surrogateescape", timeout=HANG)
    alone = subprocess.run([sys.executable, str(PROGRAM), "--root", odd_tree, "--top", "5",
                            "--way", "careful"], capture_output=True, text=True,
                           errors="surrogateescape", timeout=HANG)
    assert shared.returncode == 0 == alone.returncode, shared.stderr + alone.stderr
    assert shared.stderr == ""
    assert "the parallel way" in shared.stdout

    def answer(out: str) -> list[str]:   # the lists and counts, not the way or the time
        return [line.rsplit(",", 1)[0] for line in out.splitlines()[1:]
                if not line.startswith("walked ")]

    assert answer(shared.stdout) == answer(alone.stdout)


def run_held(base: Path, when_held) -> tuple[str, str]:
    """Run the program, shared out, on a tree with a worker held (see ``held_tree``);
    call ``when_held(program, worker_pid)`` then; return its stdout and stderr once it
    ends. It runs in a session (and group) of its own, as a program started in a
    terminal: no process of that group may be left once it has ended."""
    held = held_tree(base)
    program_group = []

    def hold(program, pid):
        program_group.append(program.pid)   # a session leader: its group's id is its pid
        when_held(program, pid)

    code, out, err = run_until_held(
        [sys.executable, str(PARALLEL_WALK), "--hold", str(held), str(PROGRAM),
         "--root", str(base)], hold, start_new_session=True)
    assert code == 0, err
    assert err == "", "a worker (or the program) printed on stderr"
    assert "never.py" not in out
    assert "top3.py" in out   # walked by the program's own process, before the pool
    assert_group_ends(program_group[0])
    return out, err


@inherits
@posix_signal_delivery
@needs("os.killpg")
def test_ctrl_c_in_a_terminal_mid_parallel_walk(tmp_path):
    """SIGINT to the whole process group, as a terminal sends Ctrl-C: the program
    prints its partial result; no worker prints a traceback; nothing is left."""
    out, _ = run_held(tmp_path, lambda program, _pid: os.killpg(program.pid, signal.SIGINT))
    assert "stopped after " in out and "the lists below are partial" in out


@inherits
@needs("signal.SIGKILL")
def test_a_worker_killed_mid_walk_is_said_in_one_line_and_the_run_ends(tmp_path):
    out, _ = run_held(tmp_path, lambda _program, pid: os.kill(int(pid), signal.SIGKILL))
    died = [line for line in out.splitlines() if "worker process died" in line]
    assert len(died) == 1 and died[0].endswith("the lists below are partial"), out
    assert "stopped after" not in out


# -- in the lab ------------------------------------------------------------------------------

def outputs(events) -> list[str]:
    return [e.text for e in events if e.kind == "output"]


@inherits
def test_in_the_lab_the_workers_are_watched_and_the_answer_is_careful(odd_tree):
    events = run_file_in_lab(PARALLEL_WALK, str(PROGRAM), "--root", odd_tree, "--top", "5")
    assert events[-1].kind == "done" and events[-1].data["status"] == "ok", outputs(events)
    forks = [e for e in events if e.kind == "process" and e.text == "started (fork)"]
    assert len(forks) == 2, "two workers, each watched"
    sys.path.insert(0, str(LESSON))
    try:
        expected = importlib.import_module("careful").scan(odd_tree, top=5)
    finally:
        sys.path.remove(str(LESSON))
    said = outputs(events)
    assert said[said.index("The 5 largest:") + 1].split()[0] == f"{expected['largest'][0][0]:,}"
    assert any(line.startswith(f"{expected['count']:,} files, {expected['bytes']:,} bytes, "
                               f"in {expected['folders']:,} folders, 0 problems")
               for line in said), said[-3:]


@inherits
def test_in_the_lab_stop_mid_parallel_walk_gives_the_partial_result(tmp_path):
    held = held_tree(tmp_path)
    run = start_lab(str(PARALLEL_WALK), ["--hold", str(held), str(PROGRAM),
                                         "--root", str(tmp_path), "--top", "2"])
    try:
        read_until(run, lambda e: e.kind == "output" and e.text.startswith("holding the walk"),
                   HANG, "a worker held at the folder 'held'")
        run.stop()
        events = collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert_group_ends(run.pid)
    done = events[-1].data
    assert (done["status"], done["exit_code"], done["died"]) == ("stopped", 0, []), \
        outputs(events)
    said = outputs(events)
    assert any(line.startswith("stopped after ") for line in said)
    assert said[said.index("The 2 largest:") + 1].split()[0] in ("3", "100", "101", "102",
                                                                 "103", "104", "105")
    summary = [line for line in said if " files, " in line and " folders, " in line]
    assert len(summary) == 1 and 4 <= int(summary[0].split()[0]) <= 10, summary
    assert not [e for e in events if e.kind == "error"], outputs(events)


@inherits
@needs("signal.SIGKILL")
def test_in_the_lab_a_worker_killed_mid_walk_ends_the_run(tmp_path):
    held = held_tree(tmp_path)
    run = start_lab(str(PARALLEL_WALK), ["--hold", str(held), str(PROGRAM),
                                         "--root", str(tmp_path), "--top", "2"])
    try:
        events = read_until(run, lambda e: e.kind == "output"
                            and e.text.startswith("holding the walk"),
                            HANG, "a worker held at the folder 'held'")
        worker = int(events[-1].text.split()[-1])
        os.kill(worker, signal.SIGKILL)
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert_group_ends(run.pid)
    said = outputs(events)
    died = [line for line in said if "worker process died" in line]
    assert len(died) == 1 and died[0].endswith("the lists below are partial"), said
    assert said[said.index("The 2 largest:") + 1].split()[0] in ("3", "100", "101", "102",
                                                                 "103", "104", "105")
    done = events[-1]
    assert done.kind == "done" and done.data["exit_code"] == 0
    # The lab saw it killed; the other worker, ended by the broken pool, is listed too.
    assert worker in [d["pid"] for d in done.data["died"]]


@inherits
def test_a_worker_dead_before_its_first_share_is_said_in_one_line(shared, odd_tree, monkeypatch,
                                                                  capsys):
    """The first worker is killed (and is surely dead) before it is sent anything: the
    share written to it finds its pipe without a reader. One line says so, the result
    is partial, and both workers are reaped."""
    careful, parallel, calls = shared
    real_start = parallel.start_worker
    started = []

    def start_the_first_dead(ext, top, hidden, pause, crew):
        worker = real_start(ext, top, hidden, pause, crew)
        started.append(worker[0])
        if not crew:
            os.kill(worker[0], signal.SIGKILL)
            os.waitid(os.P_PID, worker[0], os.WEXITED | os.WNOWAIT)   # dead, not reaped
        return worker

    monkeypatch.setattr(parallel, "start_worker", start_the_first_dead)
    found = parallel.scan(odd_tree, top=3)
    said = capsys.readouterr().out.splitlines()
    assert found["complete"] is False
    assert [line for line in said if "died" in line] == [
        f"a worker process died (killed?) after {found['folders']:,} folders:"
        " the lists below are partial"]
    assert len(started) == 2
    for pid in started:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)   # reaped already by the scan
