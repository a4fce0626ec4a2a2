"""One tree with everything that breaks a naive walk, scanned as a person without rights.

The tree (make_hostile_tree of tests/engine/programs/test_filescan_lesson.py, plus two locked
folders and a folder of files that vanish during the scan) holds: symlink
loops, a broken symlink, unreadable folders, files deleted while the scan
runs, a non-UTF-8 name and a 200-level-deep path. The scan runs through the
command line (``python -m engine run filescan``) as a person who lacks the
rights: as user ``nobody`` when the tests run as root (root reads every
folder), else as this user with the folders locked to everyone. It is
checked against GNU ``find`` run as the same user:

1. while a thread deletes half of the churn folder: every file outside it
   exactly as find lists it, the churn files between what stayed and what was
   there, and every problem listed (unreadable folders as find names them,
   vanished files by path);
2. on the settled tree, the counts and the top N equal find's exactly;
3. following links: the files of ``find -L``, each once (each folder walked
   once), with the symlink loops listed as errors.

The engine tests (tests/engine/programs/test_filescan_*.py) check each trap alone;
this checks them together, with no rights. For 1, the command line runs the
lesson's program held after the churn folder's listing (tests/held_scan.py): it
says so, the test deletes the files, then lets it go on through a FIFO.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

from tests import held_scan
from tests.bounds import HANG
from tests.engine.programs.test_filescan_lesson import (
    NOBODY,
    assert_same_as_find,
    find_rows,
    make_hostile_tree,
)
from tests.engine.programs.test_filescan_program import write
from tests.engine.test_probes import say_go
from tests.reliability.lessons import REPO

TOP = 5
ALL = 10_000           # a top N bigger than the tree: the result lists every file
CHURN = 400            # files in the folder that half vanishes

ENGINE_HOME: list[str] = []   # where the scanning user finds engine/ (engine_copy)


#: What the held run needs of tests/, besides engine/.
HELD_FILES = ("__init__.py", "held_scan.py", "vanish.py", "hugefolder.py")


@pytest.fixture(scope="module", autouse=True)
def engine_copy():
    """A copy of engine/ (and of the held program) that the scanning user may read.
    The checkout itself may sit in a folder only its owner can enter (``mktemp -d``
    makes such folders)."""
    base = tempfile.mkdtemp(prefix="engine-copy-")
    shutil.copytree(os.path.join(REPO, "engine"), os.path.join(base, "engine"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.mkdir(os.path.join(base, "tests"))
    for name in HELD_FILES:
        shutil.copy(os.path.join(REPO, "tests", name), os.path.join(base, "tests", name))
    for folder, _, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    ENGINE_HOME[:] = [base]
    try:
        yield base
    finally:
        ENGINE_HOME.clear()
        shutil.rmtree(base)


@functools.cache
def python_for(uid: int | None) -> str | None:
    """A Python (3.10+) that user ``uid`` (None: this user) may run, this one if it can.

    The engine needs nothing outside the standard library, so any will do. The
    scan may start worker processes, which run the same interpreter, so it must
    be one that user can start (this one may live where nobody can reach it,
    such as a pyenv under /root)."""
    if uid is None:
        return sys.executable
    for candidate in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if not candidate:
            continue
        try:
            probe = subprocess.run([candidate, "-c", "import sys, multiprocessing.spawn; "
                                    "sys.exit(sys.version_info < (3, 10))"],
                                   **as_user(uid), cwd="/", capture_output=True, timeout=30)
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    return None


def as_user(uid: int | None) -> dict:
    """Popen arguments that run a child as user ``uid`` (None: as this user)."""
    return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}


def scan_without_rights(root: str, *args: str, hold=None) -> dict:
    """The result of ``python -m engine run filescan --json`` run by SCANNER.

    ``hold=(folder, action)``: the scan reads the listing of ``folder``, then
    waits while ``action()`` runs here, then goes on (see tests/held_scan.py).
    """
    python = python_for(SCANNER)
    if python is None:
        pytest.skip("no Python here that user nobody may run")
    argv = ["--root", root, "--json", *args]
    command = [python, "-m", "engine", "run", "filescan", *argv]
    env = dict(os.environ, PYTHONPATH=ENGINE_HOME[0])
    if hold is not None:
        fifo = os.path.join(ENGINE_HOME[0], "go")   # a place the scanning user may reach
        os.mkfifo(fifo)
        os.chmod(fifo, 0o666)
        held = os.path.join(ENGINE_HOME[0], "tests", "held_scan.py")
        command = [python, "-c", held_scan.cli_code(argv, held=held)]
        env = dict(held_scan.held_env(listed=hold[0], fifo=fifo), PYTHONPATH=ENGINE_HOME[0])
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ENGINE_HOME[0], env=env, **as_user(SCANNER))
    errors: list[bytes] = []
    helper = threading.Thread(target=lambda: errors.extend(proc.stderr))
    helper.start()
    events = []
    try:
        for line in proc.stdout:
            events.append(json.loads(line))
            event = events[-1]
            if hold is not None and event["kind"] == "output" \
                    and event["text"].startswith("held after listing"):
                hold[1]()
                say_go(fifo)
        assert proc.wait(HANG) == 0, b"".join(errors).decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        helper.join()
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()
        if hold is not None:
            os.unlink(fifo)
    return [e for e in events if e["kind"] == "result"][-1]["data"]


#: Who scans: root reads everything, so as root the scan runs as nobody.
SCANNER = NOBODY if os.geteuid() == 0 else None     # None: this user


@pytest.fixture
def tree():
    base = tempfile.mkdtemp(prefix="adversarial-")
    os.chmod(base, 0o755)                     # nobody may come in
    root = make_hostile_tree(base)
    write(os.path.join(root, "locked", "secret.py"), 30)
    write(os.path.join(root, "pkg3", "locked2", "deeper", "c.py"), 40)
    locked = [os.path.join(root, "locked"), os.path.join(root, "pkg3", "locked2")]
    for folder in locked:
        os.chmod(folder, 0o700 if SCANNER is not None else 0)  # root's alone, or no one's
    try:
        yield root
    finally:
        for folder in locked:
            os.chmod(folder, 0o700)
        shutil.rmtree(base)


def fill_churn(folder: str) -> tuple[set, set]:
    """CHURN 1-byte files: (kept, doomed), every other name doomed."""
    os.makedirs(folder)
    for i in range(CHURN):
        with open(os.path.join(folder, f"f{i:05d}.py"), "wb") as f:
            f.write(b"x")
    names = sorted(os.listdir(folder))
    return ({os.path.join(folder, n) for n in names[0::2]},
            {os.path.join(folder, n) for n in names[1::2]})


def test_adversarial_tree_scanned_without_rights_equals_find(tree):
    rows, complaints = find_rows(tree, user=SCANNER)
    assert len(complaints) == 2, f"find should be refused 2 folders: {complaints}"
    assert sum(1 for size, _ in rows if size == 0) >= TOP, "the 0-byte files lead the top N"

    # 1. Files vanish between the listing of their folder and their stat.
    churn = os.path.join(tree, "churn")
    kept, doomed = fill_churn(churn)
    os.chmod(churn, 0o755)

    def delete_doomed():
        for path in doomed:
            os.unlink(path)

    during = scan_without_rights(tree, "--top", str(ALL), hold=(churn, delete_doomed))
    listed = [tuple(r) for r in during["smallest"]]
    assert len(listed) == during["count"] < ALL
    outside = sorted(r for r in listed if not r[1].startswith(churn + os.sep))
    in_churn = {path for _, path in listed if path.startswith(churn + os.sep)}
    assert outside == rows, "every file outside the churn folder, as find lists it"
    assert in_churn == kept
    errors = dict(during["errors"])
    vanished = {path for path, reason in errors.items() if reason == "vanished during the walk"}
    assert vanished == doomed
    assert sorted(set(errors) - vanished) == complaints
    assert all(errors[path] == "cannot read folder: permission denied" for path in complaints)
    assert during["error_count"] == len(errors) == len(complaints) + len(vanished)
    shutil.rmtree(churn)

    # 2. The settled tree: counts and the top N exactly as find has them.
    settled = scan_without_rights(tree, "--top", str(TOP))
    assert_same_as_find(settled, rows, TOP)
    assert [path for path, _ in settled["errors"]] == complaints

    # 3. Following links: like find -L, each folder once, the loops listed.
    rows_l, complaints_l = find_rows(tree, follow=True, user=SCANNER)
    followed = scan_without_rights(tree, "--top", str(ALL), "--follow")
    # find -L lists pkg1's files twice (also as linked_pkg); the walk lists each file
    # once, under whichever path reached its folder first.
    once = {(size, os.path.realpath(path)) for size, path in rows_l}
    got = [(size, os.path.realpath(path)) for size, path in followed["smallest"]]
    assert len(got) == len(set(got)) == followed["count"] and set(got) == once
    errors = dict(followed["errors"])
    for looped in ("loop.py", "ping.py", "pong.py"):
        assert errors[os.path.join(tree, looped)] == "symlink loop"
    assert set(complaints_l) <= set(errors)
    assert "already walked" in errors[os.path.join(tree, "pkg2", "up")]
    broken = os.path.join(tree, "broken.py")  # points nowhere: no file, and (as for find) no error
    assert broken not in errors and broken not in {path for _, path in followed["smallest"]}
