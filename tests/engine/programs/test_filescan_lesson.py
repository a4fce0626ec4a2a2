"""The filescan lesson as the window and the command line run it: ``engine.start``
and ``python -m engine run filescan``, the program in the lab.

What the older lesson module's tests promised, checked on the program's runs:
the same files, counts and top N as GNU ``find`` on a tree with everything that
trips up a naive walk (symlink loops and rings, a broken link, a symlinked
folder, a FIFO and a folder named like a match, a non-UTF-8 name, a 200-level
deep path, hidden folders); the classic way's crash and its FIFO; progress as
the walk goes, counted by the lab; Stop with workers mid-walk giving a partial
result; the command line's JSON and text. The program alone is checked in
test_filescan_program.py and test_filescan_parallel.py.

A walk is made to last with the program's own ``pause`` setting (seconds after
each folder), so that progress and Stop land mid-walk on a machine of any speed.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from engine import start
from engine import vocabulary as v
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson
from tests.engine.programs.test_filescan_program import REPO, write
from tests.reliability.lessons import big_tree

NOBODY = 65534
#: Every key of the result a script may read (README: the result is what main() returned).
RESULT_KEYS = {"count", "bytes", "folders", "complete", "processes", "smallest", "largest",
               "modified", "histogram", "errors", "error_count", "unreadable_folders",
               "vanished", "loops", "elapsed", "root", "ext", "way"}


# -- find, the reference -------------------------------------------------------------------

def find_rows(root: str, *options: str, follow: bool = False, user: int | None = None):
    """(sorted (size, path) rows, paths find complained about) for *.py files."""
    command = ["find"] + (["-L"] if follow else []) + [root, *options,
                                                         "-type", "f", "-name", "*.py",
                                                         "-printf", r"%s\t%p\0"]
    extra = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    env = dict(os.environ, LC_ALL="C")      # plain 'quotes' around paths in complaints
    done = subprocess.run(command, capture_output=True, env=env, **extra)
    rows = []
    for record in done.stdout.split(b"\0"):
        if record:
            size, path = record.split(b"\t", 1)
            rows.append((int(size), os.fsdecode(path)))
    complaints = [os.fsdecode(line.split(b"'")[1]) for line in done.stderr.splitlines()
                  if line.count(b"'") >= 2]
    return sorted(rows), sorted(complaints)


def assert_same_as_find(result: dict, rows: list, top: int) -> None:
    assert result["count"] == len(rows)
    assert result["bytes"] == sum(size for size, _ in rows)
    assert [tuple(r) for r in result["smallest"]] == rows[:top]
    assert [tuple(r) for r in result["largest"]] == rows[::-1][:top]
    assert sum(result["histogram"]) == len(rows)


def make_hostile_tree(base: str) -> str:
    """A tree with every entry that trips up a naive walk."""
    root = os.path.join(base, "tree")
    rng = random.Random(4)
    for i in range(60):   # ordinary matches and non-matches, with ties in size
        folder = os.path.join(root, f"pkg{i % 7}", f"sub{i % 3}")
        write(os.path.join(folder, f"m{i}.py"), rng.choice([0, 0, 10, 100, rng.randrange(5000)]))
        write(os.path.join(folder, f"notes{i}.txt"), 50)
    write(os.path.join(root, "UPPER.PY"), 7)                 # -name is case-sensitive
    write(os.path.join(root, ".hidden", "secret.py"), 33)    # hidden folders count
    write(os.path.join(root, "outside", "big.bin"), 9000)
    os.symlink("loop.py", os.path.join(root, "loop.py"))     # a link to itself
    os.symlink("ping.py", os.path.join(root, "pong.py"))     # two links in a ring
    os.symlink("pong.py", os.path.join(root, "ping.py"))
    os.symlink("nowhere.py", os.path.join(root, "broken.py"))   # dangling
    os.symlink(os.path.join(root, "outside", "big.bin"), os.path.join(root, "fake.py"))
    os.symlink(os.path.join(root, "pkg1"), os.path.join(root, "linked_pkg"))  # a folder
    os.symlink(root, os.path.join(root, "pkg2", "up"))       # a folder loop
    os.mkfifo(os.path.join(root, "pipe.py"))                 # not a regular file
    os.makedirs(os.path.join(root, "folder.py"))             # a folder, not a file
    write(os.path.join(root, "folder.py", "inner.py"), 3)
    write(os.fsdecode(os.path.join(os.fsencode(root), b"caf\xe9-latin1.py")), 21)
    deep = os.path.join(root, *[f"level{i:03d}" for i in range(200)])
    write(os.path.join(deep, "deep.py"), 42)
    return root


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory):
    return make_hostile_tree(str(tmp_path_factory.mktemp("filescan-lesson")))


# -- the answer equals find's --------------------------------------------------------------

@pytest.mark.parametrize("way", ["parallel", "careful"])
@pytest.mark.parametrize("top", [3, 10000])
def test_same_as_find_on_a_hostile_tree(hostile_tree, top, way):
    rows, _ = find_rows(hostile_tree)
    assert any(path.endswith("deep.py") for _, path in rows)
    assert any("\udce9" in path for _, path in rows), "the non-UTF-8 name is kept"
    events = run_lesson("filescan", {"root": hostile_tree, "top": top, "way": way}, timeout=HANG)
    assert events[-1].data["status"] == "ok"
    result = result_of(events)
    assert_same_as_find(result, rows, top)
    assert result["errors"] == [] and result["error_count"] == 0
    assert len(result["smallest"]) == min(top, len(rows))
    assert set(result) == RESULT_KEYS and result["way"] == way and result["complete"] is True


def test_follow_equals_find_L_and_walks_each_folder_once(hostile_tree):
    rows, complaints = find_rows(hostile_tree, follow=True)
    result = result_of(run_lesson("filescan", {"root": hostile_tree, "top": 10000,
                                               "follow": True}, timeout=HANG))
    # find -L walks the linked folder pkg1 twice (as pkg1 and as linked_pkg); the
    # lesson walks every folder once, by (device, inode), under the path met first.
    once = {os.path.realpath(path) for _, path in rows}
    paths = [path for _, path in result["smallest"]]
    assert len(paths) == len(set(paths)) == result["count"]
    assert {os.path.realpath(path) for path in paths} == once
    assert any(path.endswith("fake.py") for path in paths)     # a link to a file counts
    errors = dict(result["errors"])
    for looped in ("loop.py", "ping.py", "pong.py"):
        assert errors[os.path.join(hostile_tree, looped)] == "symlink loop"
        assert os.path.join(hostile_tree, looped) in complaints
    assert "already walked" in errors[os.path.join(hostile_tree, "pkg2", "up")]
    assert os.path.join(hostile_tree, "pkg2", "up") in complaints   # find: "loop detected"
    assert result["loops"] == 5 == result["error_count"]


def test_hidden_off_skips_dot_folders_and_dot_files(hostile_tree):
    rows, _ = find_rows(hostile_tree, "-name", ".*", "-prune", "-o")
    result = result_of(run_lesson("filescan", {"root": hostile_tree, "top": 10000,
                                               "hidden": False}, timeout=HANG))
    assert not any("/.hidden/" in path for _, path in rows)
    assert_same_as_find(result, rows, 10000)


def test_top_larger_than_the_matches_lists_every_file(tmp_path):
    for i, size in enumerate([5, 0, 3, 3, 9]):
        write(str(tmp_path / f"f{i}.py"), size)
    result = result_of(run_lesson("filescan", {"root": str(tmp_path), "top": 50}))
    rows, _ = find_rows(str(tmp_path))
    assert_same_as_find(result, rows, 50)
    assert [size for size, _ in result["smallest"]] == [0, 3, 3, 5, 9]


def test_ext_is_the_end_of_the_name_as_find_name_has_it(tmp_path):
    """``--ext txt`` finds names ending in txt (find -name '*txt'): no dot is added."""
    write(str(tmp_path / "a.txt"), 4)
    write(str(tmp_path / "happytxt"), 5)
    write(str(tmp_path / "b.TXT"), 6)
    result = result_of(run_lesson("filescan", {"root": str(tmp_path), "ext": "txt"}))
    assert result["ext"] == "txt" and result["count"] == 2 and result["bytes"] == 9


# -- the classic way ------------------------------------------------------------------------

def test_classic_way_crashes_on_a_looping_link_and_loses_the_work(hostile_tree):
    events = run_lesson("filescan", {"root": hostile_tree, "way": "classic"}, timeout=HANG)
    assert events[-1].data["status"] == "error"
    errors = [e for e in events if e.kind == "error"]
    assert "Too many levels of symbolic links" in errors[-1].text \
        or "No such file" in errors[-1].text
    assert errors[-1].data["file"].endswith("program.py"), "the program's own line"
    assert not [e for e in events if e.kind == "result"], "all the work was lost"


def test_classic_way_on_a_clean_tree_counts_a_fifo_too(tmp_path):
    write(str(tmp_path / "a" / "x.py"), 5)
    write(str(tmp_path / "b.py"), 1)
    os.mkfifo(tmp_path / "fifo.py")
    rows, _ = find_rows(str(tmp_path))
    classic = result_of(run_lesson("filescan", {"root": str(tmp_path), "way": "classic"}))
    careful = result_of(run_lesson("filescan", {"root": str(tmp_path)}))
    assert_same_as_find(careful, rows, 10)
    assert classic["count"] == len(rows) + 1          # the classic walk counts the FIFO
    assert [0, str(tmp_path / "fifo.py")] in classic["smallest"]


# -- progress and Stop ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wide_tree(tmp_path_factory):
    """500 folders, one in ten with a match."""
    root = tmp_path_factory.mktemp("filescan-wide") / "wide"
    for i in range(500):
        os.makedirs(root / f"a{i % 20}" / f"b{i}")
        if i % 10 == 0:
            write(str(root / f"a{i % 20}" / f"b{i}" / "x.py"), i)
    return str(root)


@pytest.mark.parametrize("way", ["careful", "classic"])
def test_progress_comes_from_the_lab_as_the_walk_goes_and_stop_keeps_a_partial_result(
        wide_tree, way):
    """0.05 s after each of 521 folders: the walk lasts 26 s or more, so the first
    progress event comes with nearly all of it to go; Stop then."""
    run = start("filescan", {"root": wide_tree, "way": way, "pause": 0.05})
    seen = read_until(run, lambda e: e.kind == v.PROGRESS, HANG, "a progress event")
    report = seen[-1]
    assert report.pid == run.pid and report.actor == "MainThread"
    assert 0 < report.data[v.FOLDERS] < 521 and report.data[v.FOLDER].startswith(wide_tree)
    assert report.data[v.CALL] == "os.scandir" and report.data[v.RATE] > 0
    run.stop()
    events = seen + collect(run, HANG)
    assert events[-1].data["status"] == "stopped"
    result = result_of(events)
    assert result["complete"] is False and result["count"] < 50
    outputs = [e.text for e in events if e.kind == "output"]
    assert any(text.startswith("stopped after ") for text in outputs), outputs


def test_stop_with_workers_mid_walk_ends_them_and_keeps_a_partial_result():
    """The parallel way on a tree of 64,000 folders, 0.5 ms after each: 1,000 folders
    walked here (0.5 s or more), then two forked workers (two, even on one core) with
    15 s or more each to go. Stop comes with the first progress of a worker; nothing
    is left (the leak check)."""
    run = start("filescan", {"root": big_tree(), "pause": 0.0005, "workers": 2})
    seen = read_until(run, lambda e: e.kind == v.PROGRESS and e.pid != run.pid, HANG,
                      "the progress of a worker process")
    worker = seen[-1]
    assert worker.actor == f"child pid {worker.pid}"   # os.fork: a child, as the lab names one
    run.stop()
    events = seen + collect(run, HANG)
    assert events[-1].data["status"] == "stopped" and events[-1].data["died"] == []
    result = result_of(events)
    assert result["complete"] is False and result["processes"] == 3
    assert result["folders"] < 64_000


# -- the command line ----------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", "run", "filescan", *args],
                          capture_output=True, cwd=REPO, timeout=HANG)


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_root_is_one_line_and_exit_status_2(tmp_path, kind):
    root = tmp_path / "nothing-here"
    if kind == "file":
        write(str(root), 3)
    done = cli("--root", str(root))
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert ("does not exist" if kind == "missing" else "is a file") in lines[0]
    assert lines[0].startswith("error: --root")


def test_cli_json_has_every_result_key_and_keeps_a_non_utf8_path(tmp_path):
    write(str(tmp_path / "ok.py"), 2)
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.py")
    with open(odd, "wb") as f:
        f.write(b"12345")
    done = cli("--root", str(tmp_path), "--top", "1", "--json")
    assert done.returncode == 0, done.stderr
    assert all(byte < 128 for byte in done.stdout), "JSON is written with ensure_ascii"
    events = [json.loads(line) for line in done.stdout.splitlines()]
    data = [e for e in events if e["kind"] == "result"][-1]["data"]
    assert set(data) == RESULT_KEYS
    assert data["count"] == 2 and data["bytes"] == 7 and data["complete"] is True
    assert data["smallest"] == [[2, str(tmp_path / "ok.py")]]
    assert data["largest"] == [[5, os.fsdecode(odd)]]
    assert data["errors"] == [] and data["root"] == str(tmp_path)
    assert [e for e in events if e["kind"] == "progress"], "the lab's progress is in the JSON"


def test_cli_text_shows_both_ends_and_the_problems(hostile_tree):
    done = cli("--root", hostile_tree, "--top", "2", "--follow")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode(errors="replace")
    assert "The 2 smallest:" in out and "The 2 largest:" in out
    assert "5 problems" in out and "symlink loop" in out
    assert " progress " not in out, "the progress events are for the window and --json"
