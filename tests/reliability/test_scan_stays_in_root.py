"""The folder that is checked is the folder that is scanned, and the scan never
reports a file outside it (issue 13, point 7).

- A root with ``..`` after a symlink (``a/link/..``, link -> other/inner) names
  ``other`` for the kernel, for ``find`` and for the folder check, but the
  lesson used to normalise it by hand to ``a`` and scan that. The root is now
  resolved once (realpath), checked, scanned and shown as that one path.
- The tree changes while the scan walks it: between the listing of a folder
  and the walk of its subfolder, the subfolder (or the folder above it) is
  replaced by a symlink to a folder outside the root. The swap is made to
  happen at that exact point: the lesson's program runs in the lab held after
  the real listing is read (tests/held_scan.py, tests/vanish.py), and the test
  swaps the folders before it lets the walk go on. Without following links, the
  files outside must not be reported, and every reported path is under the root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from tests import held_scan
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson
from tests.engine.programs.test_filescan_lesson import find_rows
from tests.engine.programs.test_filescan_program import write
from tests.engine.test_probes import say_go
from tests.reliability.lessons import REPO

ALL = 10_000        # a top N bigger than the tree: the result lists every match


def reported(result: dict) -> set[str]:
    return {path for _, path in result["smallest"]}


# -- a root with '..' after a symlink ---------------------------------------------------------

@pytest.fixture
def dotdot_tree(tmp_path):
    """a/link -> other/inner; the root given is a/link/.., which is other."""
    base = str(tmp_path)
    write(os.path.join(base, "a", "near.py"), 1)             # where abspath() would look
    write(os.path.join(base, "other", "far.py"), 2)          # where the kernel looks
    write(os.path.join(base, "other", "inner", "deep.py"), 3)
    os.symlink(os.path.join(base, "other", "inner"), os.path.join(base, "a", "link"))
    return os.path.join(base, "a", "link", ".."), os.path.join(base, "other")


def scan_through_cli(root: str) -> tuple[list, dict]:
    done = subprocess.run([sys.executable, "-m", "engine", "run", "filescan", "--root", root,
                           "--top", str(ALL), "--json"], capture_output=True, cwd=REPO,
                          timeout=HANG)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return [e["text"] for e in events], [e for e in events if e["kind"] == "result"][-1]["data"]


def scan_through_engine(root: str) -> tuple[list, dict]:
    events = run_lesson("filescan", {"root": root, "top": ALL})
    return [e.text for e in events], result_of(events)


@pytest.mark.parametrize("scan", [scan_through_engine, scan_through_cli],
                         ids=["engine", "cli"])
def test_a_root_with_dotdot_after_a_symlink_is_the_folder_the_kernel_names(dotdot_tree, scan):
    root, real = dotdot_tree
    assert os.path.samefile(root, real), "the kernel takes '..' from the link's target"
    rows, _ = find_rows(root)                      # find ROOT walks what the kernel names
    texts, result = scan(root)
    assert result["root"] == real, "the scanned root is the resolved one"
    assert any(real in text for text in texts), "the learner is shown the resolved root"
    assert reported(result) == {os.path.realpath(path) for _, path in rows}
    assert reported(result) == {os.path.join(real, "far.py"),
                                os.path.join(real, "inner", "deep.py")}
    assert result["count"] == len(rows) == 2


# -- the tree changes under the walk ---------------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    """root/ with keep/, sub/ and a/b/ in it; outside/ beside it, with files the scan
    must never report."""
    base = str(tmp_path)
    root = os.path.join(base, "root")
    write(os.path.join(root, "keep", "kept.py"), 1)
    write(os.path.join(root, "sub", "inside.py"), 2)
    write(os.path.join(root, "a", "b", "inside_b.py"), 3)
    write(os.path.join(base, "outside", "secret.py"), 4)
    write(os.path.join(base, "outside", "nested", "secret_nested.py"), 5)
    write(os.path.join(base, "outside", "b", "secret_b.py"), 6)
    return base, root


def scan_swapping(monkeypatch, tmp_path, root: str, held: str, swap) -> dict:
    """The lesson's result on ``root``, with ``swap()`` made right after the walk
    has read ``held``'s listing, before it goes on."""
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    run = held_scan.start_held({"root": root, "top": ALL}, monkeypatch, listed=held,
                               fifo=str(fifo))
    events = read_until(run, lambda e: e.kind == "output" and e.text.startswith("held after"),
                        HANG, f"the walk held after the listing of {held}")
    swap()
    say_go(fifo)
    events += collect(run, HANG)
    assert events[-1].data["status"] == "ok", [e.text for e in events]
    return result_of(events)


def swap_for_link(folder: str, target: str, trash: str) -> None:
    """Move ``folder`` away (to ``trash``) and put a symlink to ``target`` in its place."""
    os.rename(folder, trash)
    os.symlink(target, folder)


def assert_nothing_from_outside(result: dict, root: str) -> None:
    paths = reported(result)
    assert all(path.startswith(root + os.sep) for path in paths), paths
    assert not [path for path in paths if "secret" in path], "files outside the root reported"


def test_a_folder_swapped_for_a_link_mid_walk_is_not_followed(tree, tmp_path, monkeypatch):
    base, root = tree

    def swap():       # root is listed (sub is a folder in it); sub is not walked yet
        swap_for_link(os.path.join(root, "sub"), os.path.join(base, "outside"),
                      os.path.join(base, "sub-moved"))

    result = scan_swapping(monkeypatch, tmp_path, root, root, swap)
    assert_nothing_from_outside(result, root)
    assert reported(result) == {os.path.join(root, "keep", "kept.py"),
                                os.path.join(root, "a", "b", "inside_b.py")}
    assert dict(result["errors"]) == {
        os.path.join(root, "sub"): "changed during the scan (now a link or another folder); "
                                   "skipped"}


def test_a_folder_above_swapped_for_a_link_mid_walk_is_not_followed(tree, tmp_path,
                                                                   monkeypatch):
    """a is listed (b is a folder in it); then a itself becomes a link to outside/,
    which has a b/ too, so the path root/a/b leads outside. The walk holds a open
    while b waits, and opens b relative to it: it walks the very b it listed (now
    moved away with a), never outside/b; nothing changed for it."""
    base, root = tree

    def swap():
        swap_for_link(os.path.join(root, "a"), os.path.join(base, "outside"),
                      os.path.join(base, "a-moved"))

    result = scan_swapping(monkeypatch, tmp_path, root, os.path.join(root, "a"), swap)
    assert_nothing_from_outside(result, root)
    assert reported(result) == {os.path.join(root, "keep", "kept.py"),
                                os.path.join(root, "sub", "inside.py"),
                                os.path.join(root, "a", "b", "inside_b.py")}
    assert result["errors"] == []


def test_a_mount_point_inside_the_root_is_walked():
    """A mount point's listed inode is the folder under the mount, not the mounted
    one: the walk must not take it for a changed folder. /dev/shm is one below /dev."""
    if not os.path.ismount("/dev/shm"):
        pytest.skip("/dev/shm is not a mount point here")
    try:
        probe_dir = tempfile.mkdtemp(prefix="pysyslab-mount-", dir="/dev/shm")
    except OSError:
        pytest.skip("cannot write in /dev/shm")
    try:
        ext = "." + os.path.basename(probe_dir).replace("-", "")   # found nowhere else
        write(os.path.join(probe_dir, "probe" + ext), 7)
        result = result_of(run_lesson("filescan", {"root": "/dev", "ext": ext, "top": 5,
                                                   "way": "careful"}, timeout=HANG))
        assert result["largest"] == [[7, os.path.join(probe_dir, "probe" + ext)]]
        changed = [path for path, reason in result["errors"] if reason.startswith("changed")]
        assert not [path for path in changed if os.path.ismount(path)], changed
    finally:
        shutil.rmtree(probe_dir)
