"""The filescan lesson on real temporary trees, checked against GNU find.

Each tree holds the entries that trip up a naive walk (symlink loops,
broken links, a symlinked folder, a FIFO named like a match, a folder named
like a match, a non-UTF-8 name, a 200-level deep path, hidden folders).
Our answer must equal what ``find -type f -name '*.py'`` sees on the same
tree, both when the walk runs in this process and when every folder goes
through worker processes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

import engine.scan
from engine.control import Control
from engine.scan import ScanSpec, TopN, WorkerPool, scan_tree
from tests import vanish
from tests.engine.helpers import collect, result_of, run_lesson, wait_for
from tests.platforms import needs

NOBODY = 65534
WIDE = 5000       # folders in the tree that Stop and progress are tested on
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- find, the reference ---------------------------------------------------------------

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


# -- trees -------------------------------------------------------------------------------

def write(path: str, size: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"x" * size)


def make_odd_tree(base: str) -> str:
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
def odd_tree():
    base = tempfile.mkdtemp(prefix="filescan-odd-")
    try:
        yield make_odd_tree(base)
    finally:
        shutil.rmtree(base)


def through_workers(root: str, **spec) -> dict:
    """Scan with every folder walked by 2 worker processes (none here)."""
    return scan_tree(root, ScanSpec(**spec), Control(), workers=2, walk_here=False)


# -- the careful walk equals find ---------------------------------------------------------

@pytest.mark.parametrize("top", [3, 10000])
def test_same_as_find_on_an_odd_tree(odd_tree, top):
    rows, _ = find_rows(odd_tree)
    assert any(path.endswith("deep.py") for _, path in rows)
    assert any("\udce9" in path for _, path in rows), "the non-UTF-8 name is kept"
    result = result_of(run_lesson("filescan", {"root": odd_tree, "top": top}))
    assert_same_as_find(result, rows, top)
    assert result["errors"] == [] and result["error_count"] == 0
    assert len(result["smallest"]) == min(top, len(rows))


def test_a_worker_that_says_hello_after_the_walk_ended_is_ended_too(monkeypatch):
    """A CI run hung here once: a slow-starting worker said its first "hungry"
    while the others were sending their findings. It was never told to end,
    so it waited for work while the scan waited for its findings."""
    # The workers are started by hand below, in the order that once hung.
    monkeypatch.setattr(WorkerPool, "_start_all", lambda pool, ends: setattr(pool, "ends", ends))
    with WorkerPool(ScanSpec(), 2) as pool:
        pool._starter.join()
        pool.processes[0].start()
        pool.ends[0].close()
        while 0 not in pool.started:            # the first worker is ready, with no work:
            pool.read_messages(0.1)             # the walk is over
        pool.processes[1].start()               # the second says hello only now...
        pool.ends[1].close()
        assert pool.conns[1].poll(30), "the second worker started"
        stop = Control()
        ending = threading.Thread(target=pool.collect_finals, args=(stop,))
        ending.start()                          # ...while the findings are collected
        ending.join(20)
        hung = ending.is_alive()
        stop.set()
        ending.join()
        assert not hung, "collecting the findings hung on the late worker"
        assert set(pool.finals) == {0, 1}


def test_same_as_find_when_every_folder_goes_through_workers(odd_tree):
    rows, _ = find_rows(odd_tree)
    result = through_workers(odd_tree, top=5)
    assert result["processes"] >= 2, "the worker processes walked the tree"
    assert_same_as_find(result, rows, 5)
    assert result["errors"] == []


def test_follow_links_equals_find_L_and_walks_each_folder_once(odd_tree):
    rows, complaints = find_rows(odd_tree, follow=True)
    result = result_of(run_lesson("filescan", {"root": odd_tree, "top": 10000,
                                               "follow_links": True}))
    # find -L walks the linked folder pkg1 twice (as pkg1 and as linked_pkg);
    # we walk every folder once, by (device, inode), under its real path.
    once = sorted(r for r in rows if "/linked_pkg/" not in r[1])
    assert len(once) < len(rows)
    assert [tuple(r) for r in result["smallest"]] == once
    assert any(path.endswith("fake.py") for _, path in once)     # a link to a file counts
    errors = {path: reason for path, reason in result["errors"]}
    for looped in ("loop.py", "ping.py", "pong.py"):
        assert errors[os.path.join(odd_tree, looped)] == "symlink loop"
        assert os.path.join(odd_tree, looped) in complaints
    assert "already scanned" in errors[os.path.join(odd_tree, "pkg2", "up")]
    assert os.path.join(odd_tree, "pkg2", "up") in complaints   # find: "loop detected"
    assert "already scanned" in errors[os.path.join(odd_tree, "linked_pkg")]
    assert result["loops"] == 5 == result["error_count"]


def test_hidden_off_skips_dot_folders(odd_tree):
    rows, _ = find_rows(odd_tree, "-name", ".*", "-prune", "-o")
    result = result_of(run_lesson("filescan", {"root": odd_tree, "top": 10000,
                                               "hidden": False}))
    assert not any("/.hidden/" in path for _, path in rows)
    assert_same_as_find(result, rows, 10000)


def test_top_larger_than_the_matches_lists_every_file(tmp_path):
    for i, size in enumerate([5, 0, 3, 3, 9]):
        write(str(tmp_path / f"f{i}.py"), size)
    result = result_of(run_lesson("filescan", {"root": str(tmp_path), "top": 50}))
    rows, _ = find_rows(str(tmp_path))
    assert_same_as_find(result, rows, 50)
    assert [size for size, _ in result["smallest"]] == [0, 3, 3, 5, 9]


def test_ext_without_a_dot_gets_one(tmp_path):
    write(str(tmp_path / "a.txt"), 4)
    write(str(tmp_path / "happytxt"), 4)
    result = result_of(run_lesson("filescan", {"root": str(tmp_path), "ext": "txt"}))
    assert result["count"] == 1 and result["ext"] == ".txt"


def test_top_n_keeps_the_extremes_with_ties_on_path():
    rng = random.Random(9)
    items = [(rng.choice([0, 0, 1, 2, rng.randrange(10**6)]), f"/p/{rng.random()}", 0.0)
             for _ in range(20000)]
    for n in (1, 10, 700):
        top = TopN(n)
        for item in items:
            top.offer(*item)
        assert top.smallest() == sorted(items)[:n]
        assert top.largest() == sorted(items, reverse=True)[:n]


# -- failures are counted, never fatal ---------------------------------------------------

def scan_as(user: int | None, root: str) -> dict:
    """Run the CLI (--json) as ``user``; the result event's data.

    The interpreter may live where an unprivileged user cannot read (here,
    under /root), so the child imports what it needs first, then drops to
    ``user``, then runs the command line as a person would.
    """
    code = (
        "import os, sys, json, engine.cli, engine.catalog, engine.lessons.filescan\n"
        "engine.catalog.lessons()\n"
        f"user = {user!r}\n"
        "if user is not None:\n"
        "    os.setgroups([]); os.setgid(user); os.setuid(user)\n"
        f"sys.exit(engine.cli.main(['run', 'filescan', '--root', {root!r}, '--json']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return [e for e in events if e["kind"] == "result"][-1]["data"]


def test_unreadable_folder_is_listed_and_the_rest_scanned():
    base = tempfile.mkdtemp(prefix="filescan-perm-")
    try:
        os.chmod(base, 0o755)
        write(os.path.join(base, "open", "a.py"), 10)
        write(os.path.join(base, "open", "inner", "b.py"), 20)
        write(os.path.join(base, "locked", "secret.py"), 30)
        write(os.path.join(base, "locked2", "deeper", "c.py"), 40)
        for folder, _, files in os.walk(base):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        os.chmod(os.path.join(base, "locked"), 0o700 if os.geteuid() == 0 else 0o000)
        os.chmod(os.path.join(base, "locked2", "deeper"), 0o700 if os.geteuid() == 0 else 0)
        user = NOBODY if os.geteuid() == 0 else None
        rows, complaints = find_rows(base, user=user)
        if not complaints:
            pytest.skip("this user can read every folder (no unreadable folder to test)")
        result = scan_as(user, base)
        assert_same_as_find(result, rows, 10)
        assert [path for path, _ in result["errors"]] == complaints
        assert all(reason == "cannot read folder: permission denied"
                   for _, reason in result["errors"])
        assert result["unreadable_folders"] == 2
    finally:
        os.chmod(os.path.join(base, "locked"), 0o700)
        os.chmod(os.path.join(base, "locked2", "deeper"), 0o700)
        shutil.rmtree(base)


def test_files_vanishing_mid_scan_are_counted_not_fatal(tmp_path, monkeypatch):
    """Half the files are deleted after the folder is listed, before their stat."""
    folder = tmp_path / "churn"
    folder.mkdir()
    for i in range(400):
        (folder / f"f{i:05d}.py").write_bytes(b"")
    names = sorted(os.listdir(folder))
    doomed = {str(folder / n) for n in names[1::2]}
    kept = {str(folder / n) for n in names[0::2]}

    def delete_doomed():
        for path in doomed:
            os.unlink(path)

    monkeypatch.setattr(os, "scandir", os.scandir)     # put back after the test
    vanish.install(str(folder), delete_doomed)
    events = run_lesson("filescan", {"root": str(folder), "top": 10000})
    assert events[-1].data["status"] == "ok", "a vanished file must not stop the scan"
    result = result_of(events)
    assert {path for _, path in result["smallest"]} == kept
    assert dict(result["errors"]) == dict.fromkeys(doomed, "vanished during the scan")
    assert result["vanished"] == len(doomed) and result["count"] == len(kept)
    rows, _ = find_rows(str(folder))
    assert {path for _, path in rows} == kept   # what find sees afterwards


def test_classic_walk_crashes_on_a_looping_link(odd_tree):
    events = run_lesson("filescan", {"root": odd_tree, "classic": True})
    assert events[-1].data["status"] == "error"
    errors = [e for e in events if e.kind == "error"]
    assert "Too many levels of symbolic links" in errors[-1].text \
        or "No such file" in errors[-1].text
    assert not [e for e in events if e.kind == "result"], "all the work was lost"


@needs("os.mkfifo")
def test_classic_walk_on_a_clean_tree_counts_a_fifo_too(tmp_path):
    write(str(tmp_path / "a" / "x.py"), 5)
    write(str(tmp_path / "b.py"), 1)
    os.mkfifo(tmp_path / "fifo.py")
    rows, _ = find_rows(str(tmp_path))
    classic = result_of(run_lesson("filescan", {"root": str(tmp_path), "classic": True}))
    careful = result_of(run_lesson("filescan", {"root": str(tmp_path)}))
    assert_same_as_find(careful, rows, 10)
    assert classic["count"] == len(rows) + 1          # the classic walk counts the FIFO
    assert [0, str(tmp_path / "fifo.py")] in classic["smallest"]


# -- bad roots --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_root_is_one_line_and_exit_status_2(tmp_path, kind):
    root = tmp_path / "nothing-here"
    if kind == "file":
        write(str(root), 3)
    done = subprocess.run([sys.executable, "-m", "engine", "run", "filescan",
                           "--root", str(root)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert ("does not exist" if kind == "missing" else "is a file") in lines[0]
    assert lines[0].startswith("error: --root")


# -- the command line -----------------------------------------------------------------------

def test_cli_json_result_shape_and_a_non_utf8_path(tmp_path):
    write(str(tmp_path / "ok.py"), 2)
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.py")
    with open(odd, "wb") as f:
        f.write(b"12345")
    done = subprocess.run([sys.executable, "-m", "engine", "run", "filescan", "--root",
                           str(tmp_path), "--top", "1", "--json"], capture_output=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert all(byte < 128 for byte in done.stdout), "JSON is written with ensure_ascii"
    events = [json.loads(line) for line in done.stdout.splitlines()]
    data = [e for e in events if e["kind"] == "result"][-1]["data"]
    assert {"count", "bytes", "smallest", "largest", "errors"} <= set(data)
    assert data["count"] == 2 and data["bytes"] == 7
    assert data["smallest"] == [[2, str(tmp_path / "ok.py")]]
    assert data["largest"] == [[5, os.fsdecode(odd)]]
    assert data["errors"] == []


def test_cli_text_lists_both_ends_and_the_errors(odd_tree):
    done = subprocess.run([sys.executable, "-m", "engine", "run", "filescan", "--root",
                           odd_tree, "--top", "2", "--follow-links"],
                          capture_output=True, text=True, cwd=REPO, timeout=60,
                          errors="surrogateescape")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "2 smallest:" in out and "2 largest:" in out
    assert "problems:" in out and "symlink loop" in out


# -- progress and Stop -------------------------------------------------------------------------
#
# A walk of these trees ends in tens of milliseconds on a fast machine, before the
# first progress report is due. So the tests hold the walk open themselves: every
# folder is followed by a pause (``folder_delay``, or ``engine.scan.FOLDER_DELAY``
# for a run through the runner), which makes a walk last at least folders x delay
# seconds on any machine. Stop is sent from the first progress report, so it lands
# while the walk still has almost all of that time to go.

FOLDER_DELAY = 0.005   # seconds after each folder: the wide tree takes >= 25 s to walk


@pytest.fixture(scope="module")
def wide_tree():
    """5,000 folders, one in ten with a match; walked slowly only when a test says so."""
    base = tempfile.mkdtemp(prefix="filescan-wide-")
    root = os.path.join(base, "wide")
    for i in range(WIDE):
        os.makedirs(os.path.join(root, f"a{i % 40}", f"b{i}"))
    for i in range(0, WIDE, 10):
        write(os.path.join(root, f"a{i % 40}", f"b{i}", "x.py"), i)
    try:
        yield root
    finally:
        shutil.rmtree(base)


def test_progress_events_come_at_most_every_50_ms(tmp_path, monkeypatch):
    for i in range(200):                    # 200 folders x 2 ms: a walk of >= 0.4 s
        write(str(tmp_path / f"d{i}" / "x.py"), i)
    monkeypatch.setattr(engine.scan, "FOLDER_DELAY", 0.002)
    events = run_lesson("filescan", {"root": str(tmp_path)})
    progress = [e for e in events if e.kind == "progress"]
    assert len(progress) >= 2, "a walk that lasts >= 0.4 s reports progress more than once"
    # The meter's own clock, not the time the event was queued: the promise is about
    # how often the scan reports, and a busy machine may delay the queueing.
    elapsed = [e.data["elapsed"] for e in progress]
    gaps = [b - a for a, b in zip(elapsed, elapsed[1:], strict=False)]
    assert all(gap >= engine.scan.PROGRESS_EVERY - 1e-6 for gap in gaps), gaps
    assert {"folders", "matches", "rate", "folder"} <= set(progress[-1].data)
    assert result_of(events)["count"] == 200


def test_stop_ends_the_workers_and_keeps_a_partial_result(wide_tree):
    stop = Control()
    seen = []

    def on_progress(data):
        seen.append(data)
        if data["workers"] >= 2 and data["folders"] > 0:
            stop.set()        # a worker is walking (for >= 25 s more): stop now

    spec = ScanSpec(folder_delay=FOLDER_DELAY)
    result = scan_tree(wide_tree, spec, stop, on_progress, workers=1, walk_here=False)
    assert stop.is_set(), f"no progress report came from a walking worker: {seen}"
    assert result["complete"] is False
    assert result["count"] < WIDE // 10, "the walk stopped part way"
    # The leak check (conftest) then proves no worker process or pipe is left.


def test_stop_through_the_runner(wide_tree, monkeypatch):
    from engine import start
    monkeypatch.setattr(engine.scan, "FOLDER_DELAY", FOLDER_DELAY)
    run = start("filescan", {"root": wide_tree})
    wait_for(run, "progress")                # the walk has >= 25 s to go
    run.stop()
    events = collect(run)
    result = result_of(events)
    assert events[-1].data["status"] == "stopped"
    assert result["complete"] is False and result["count"] < WIDE // 10
