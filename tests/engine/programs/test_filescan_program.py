"""The filescan lesson as plain programs: engine/lessons/filescan/program.py and careful.py.

Real temporary trees with what trips up a naive walk: a symlink that loops, a
folder link back up the tree, a broken ``.py`` link, a FIFO and a folder named
like a match, hidden folders, a non-UTF-8 name; an unreadable folder (as user
nobody when the tests run as root); files deleted between a folder's listing
and their ``stat`` (held at that exact point by ``tests/vanish.py``).

The program runs as a learner would start it (``python program.py ...``) and in
the lab (``start_lab``). ``careful.scan`` is also imported directly and compared
with a brute-force count (``os.walk`` + ``os.lstat`` of every name). Stop is
made to land mid-walk by holding the walk at a known folder (``held_walk.py``),
never by a tree big enough or a sleep long enough.
"""

from __future__ import annotations

import functools
import heapq
import importlib.util
import json
import os
import random
import re
import runpy
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from engine import programs
from engine.lab import start_lab
from engine.params import specs
from tests import vanish
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.platforms import posix_signal_delivery

REPO = Path(__file__).resolve().parents[3]
LESSON = REPO / "engine" / "lessons" / "filescan"
PROGRAM = LESSON / "program.py"
CAREFUL = LESSON / "careful.py"
HELD_WALK = Path(__file__).parent / "held_walk.py"
NOBODY = 65534
ODD_NAME = b"caf\xe9-latin1.py"     # not UTF-8: Python keeps it as "caf\udce9-latin1.py"


@pytest.fixture(scope="module")
def careful():
    """careful.py imported as the program imports it (its folder on sys.path)."""
    sys.path.insert(0, str(LESSON))
    try:
        spec = importlib.util.spec_from_file_location("careful", CAREFUL)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(LESSON))


# -- trees -------------------------------------------------------------------------------

def write(path: str | bytes, size: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"x" * size)


def make_odd_tree(base: str) -> str:
    root = os.path.join(base, "tree")
    for i in range(40):   # ordinary matches and non-matches, many of the same size
        folder = os.path.join(root, f"pkg{i % 5}", f"sub{i % 3}")
        write(os.path.join(folder, f"m{i}.py"), [0, 0, 10, 100, 37 * i][i % 5])
        write(os.path.join(folder, f"notes{i}.txt"), 50)
    write(os.path.join(root, "UPPER.PY"), 7)                  # the end must match exactly
    write(os.path.join(root, ".hidden", "secret.py"), 33)     # hidden folders count
    write(os.path.join(root, ".dotfile.py"), 44)
    write(os.path.join(root, "outside", "big.bin"), 9000)
    try:
        os.symlink("loop.py", os.path.join(root, "loop.py"))      # a link to itself
        os.symlink("nowhere.py", os.path.join(root, "broken.py"))  # points nowhere
        os.symlink(os.path.join(root, "outside", "big.bin"), os.path.join(root, "fake.py"))
        os.symlink(os.path.join(root, "pkg1"), os.path.join(root, "linked_pkg"))
        os.symlink(root, os.path.join(root, "pkg2", "up"))        # a folder loop
    except OSError as exc:   # Windows lets only some users make links
        pytest.skip(f"the odd tree needs symbolic links: {exc}")
    if hasattr(os, "mkfifo"):   # Windows has no FIFOs in its file system
        os.mkfifo(os.path.join(root, "pipe.py"))              # not a regular file
    write(os.path.join(root, "folder.py", "inner.py"), 3)     # a folder named like a match
    write_odd_name(os.path.join(os.fsencode(root), ODD_NAME), 7000)   # the largest match
    deep = os.path.join(root, *[f"level{i:03d}" for i in range(150)])
    write(os.path.join(deep, "deep.py"), 42)
    return root


def write_odd_name(path: bytes, size: int) -> None:
    """``write``, or skip the test where the file system takes UTF-8 names only
    (macOS's APFS refuses the byte, Windows cannot decode it)."""
    try:
        write(path, size)
    except (OSError, UnicodeError) as exc:
        pytest.skip(f"this file system refuses the non-UTF-8 name {ODD_NAME!r}: {exc}")


@pytest.fixture(scope="module")
def odd_tree(tmp_path_factory):
    return make_odd_tree(str(tmp_path_factory.mktemp("filescan-program")))


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0   # Windows: no such user


def brute_force(root: str, ext: str = ".py", hidden: bool = True) -> list[tuple]:
    """Sorted (size, path, mtime) of every regular file whose name ends with ``ext``,
    by the plainest means: os.walk (links not followed), os.lstat of every name."""
    rows = []
    for folder, subfolders, names in os.walk(root):
        if not hidden:
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            names = [name for name in names if not name.startswith(".")]
        for name in names:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if name.endswith(ext) and stat.S_ISREG(info.st_mode):
                rows.append((info.st_size, path, info.st_mtime))
    return sorted(rows)


def find_rows(root: str, follow: bool = False) -> list[tuple]:
    """GNU find's view: sorted (size, path) of regular *.py files."""
    if not has_gnu_find():
        pytest.skip("needs GNU find (its -printf) to compare with: macOS's and Windows' "
                    "find have none")
    done = subprocess.run(["find", *(["-L"] if follow else []), root, "-type", "f",
                           "-name", "*.py", "-printf", r"%s\t%p\0"], capture_output=True)
    rows = []
    for record in done.stdout.split(b"\0"):
        if record:
            size, path = record.split(b"\t", 1)
            rows.append((int(size), os.fsdecode(path)))
    return sorted(rows)


@functools.cache
def has_gnu_find() -> bool:
    try:
        done = subprocess.run(["find", "--version"], capture_output=True, text=True,
                              timeout=HANG)
    except OSError:
        return False
    return "GNU findutils" in done.stdout


def run_program(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PROGRAM), *args], capture_output=True,
                          text=True, errors="surrogateescape", cwd=cwd or REPO, timeout=HANG)


# -- careful.scan, imported directly --------------------------------------------------------

@pytest.mark.parametrize("top", [3, 10000])
@pytest.mark.parametrize("hidden", [True, False])
def test_careful_scan_equals_a_brute_force_count(careful, odd_tree, top, hidden):
    rows = brute_force(odd_tree, hidden=hidden)
    found = careful.scan(odd_tree, ".py", top, hidden=hidden)
    assert found["count"] == len(rows)
    assert found["bytes"] == sum(size for size, _, _ in rows)
    assert found["smallest"] == [[size, path] for size, path, _ in rows[:top]]
    assert found["largest"] == [[size, path] for size, path, _ in rows[::-1][:top]]
    assert found["modified"] == {"smallest": [m for _, _, m in rows[:top]],
                                 "largest": [m for _, _, m in rows[::-1][:top]]}
    histogram = [0] * len(found["histogram"])
    for size, _, _ in rows:
        histogram[size.bit_length()] += 1
    assert found["histogram"] == histogram and histogram[-1] > 0
    # Links are not followed, so a loop or a broken link is simply not a file: no problem.
    assert found["errors"] == [] and found["error_count"] == 0
    assert (found["unreadable_folders"], found["vanished"], found["loops"]) == (0, 0, 0)
    assert found["complete"] is True
    assert found["folders"] > 150
    if hidden:
        assert [(size, path) for size, path, _ in rows] == find_rows(odd_tree)


def test_listed_by_path_where_folders_cannot_be_descriptors(careful, odd_tree, monkeypatch):
    """Windows lists each folder by its path (no os.open of a folder, no dir_fd): the
    same walk, the same answer."""
    by_descriptor = careful.scan(odd_tree, ".py", 10000)
    monkeypatch.setattr(careful, "BY_DESCRIPTOR", False)
    monkeypatch.setattr(os, "open", None)       # never called on that path
    by_path = careful.scan(odd_tree, ".py", 10000)
    assert by_path == by_descriptor and by_path["count"] == len(brute_force(odd_tree))
    assert careful.scan(odd_tree, ".py", 3, follow=True)["loops"] == 3


@pytest.mark.parametrize("n", [1, 10, 700])
def test_extremes_keep_both_ends_with_ties_broken_by_path(careful, n):
    rng = random.Random(n)
    items = [(rng.choice([0, 0, 1, 2, 3, rng.randrange(10**6)]), f"/p/{rng.random()}", 0.0)
             for _ in range(20000)]
    extremes = careful.Extremes(n)
    for item in items:
        extremes.add(*item)
    assert len(extremes.small) < 20000 and len(extremes.large) < 20000, "not every file kept"
    assert heapq.nsmallest(n, extremes.small) == sorted(items)[:n]
    assert heapq.nlargest(n, extremes.large) == sorted(items, reverse=True)[:n]


def test_a_non_utf8_name_survives_as_str_and_through_json(careful, odd_tree):
    found = careful.scan(odd_tree, top=1)
    size, path = found["largest"][0]
    assert size == 7000 and isinstance(path, str)
    assert os.fsencode(path) == os.path.join(os.fsencode(odd_tree), ODD_NAME)
    # The lab sends a result as JSON, ASCII only, default=repr: the name comes back whole.
    sent = json.dumps(found, ensure_ascii=True, default=repr)
    assert sent.isascii()
    assert json.loads(sent) == found


def test_follow_walks_every_folder_once_and_counts_the_loops(careful, odd_tree):
    found = careful.scan(odd_tree, top=10000, follow=True)
    paths = [path for _, path in found["smallest"]]
    # find -L lists pkg1's files twice (also through linked_pkg); we list each file once,
    # under whichever path reached its folder first.
    real = {os.path.realpath(path) for _, path in find_rows(odd_tree, follow=True)}
    assert len(paths) == len(set(paths)) == found["count"]
    assert {os.path.realpath(path) for path in paths} == real
    assert any(path.endswith("fake.py") for path in paths), "a link to a file is followed"
    reasons = dict(found["errors"])
    assert reasons[os.path.join(odd_tree, "loop.py")] == "symlink loop"
    again = [path for path, reason in found["errors"] if "already walked" in reason]
    # The root again through pkg2/up, and pkg1 again (as itself or as linked_pkg).
    assert len(again) == 2 and os.path.join(odd_tree, "pkg2", "up") in again
    assert found["loops"] == 3 == found["error_count"]


def test_files_deleted_mid_walk_are_counted_and_the_walk_goes_on(careful, tmp_path,
                                                                 monkeypatch):
    """Half the files are deleted after their folder is listed, before their stat."""
    folder = tmp_path / "churn"
    for i in range(200):
        write(str(folder / f"f{i:04d}.py"), i)
    names = sorted(os.listdir(folder))
    doomed = {str(folder / name) for name in names[1::2]}

    def delete_doomed():
        for path in doomed:
            os.unlink(path)

    monkeypatch.setattr(os, "scandir", os.scandir)   # put back after the test
    monkeypatch.setattr(careful, "LISTED_PROBLEMS", 50)   # fewer than the problems
    vanish.install(str(folder), delete_doomed)
    found = careful.scan(str(folder), top=10000)
    assert found["complete"] is True
    assert {path for _, path in found["smallest"]} == {str(folder / n) for n in names[0::2]}
    assert found["vanished"] == len(doomed) == found["error_count"] == found["count"]
    assert len(found["errors"]) == 50   # the first LISTED_PROBLEMS, by path
    assert {path for path, _ in found["errors"]} <= doomed
    assert {reason for _, reason in found["errors"]} == {"vanished during the walk"}


def test_ctrl_c_mid_walk_keeps_what_was_found(careful, tmp_path, monkeypatch):
    """KeyboardInterrupt raised in the walk, at a known folder: the partial result."""
    for i in range(5):
        write(str(tmp_path / f"top{i}.py"), i)
    write(str(tmp_path / "later" / "never.py"), 99)

    def ctrl_c():
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "scandir", os.scandir)
    vanish.install(str(tmp_path / "later"), ctrl_c)
    try:
        found = careful.scan(str(tmp_path), top=3)
    except KeyboardInterrupt:     # not caught: it would end this test session too
        pytest.fail("the KeyboardInterrupt came out of scan(): the work was lost")
    assert found["complete"] is False
    assert found["count"] == 5 and found["folders"] == 2
    assert found["largest"] == [[4 - i, str(tmp_path / f"top{4 - i}.py")] for i in range(3)]


UNREADABLE_SCAN = """
import json, os, sys
sys.path.insert(0, {lesson!r})
import careful
user = {user!r}
if user is not None:      # after the imports: the interpreter may be where nobody can't read
    os.setgroups([]); os.setgid(user); os.setuid(user)
print(json.dumps(careful.scan({root!r}, top=10)))
"""


def scan_unreadable_tree(code: str) -> tuple[list[str], object]:
    """Run ``code`` (a template with {lesson}, {user}, {root}) on a tree with two
    folders nobody may read; return those folders and what it printed, as JSON.
    Root reads every folder: as root, the code runs as user nobody."""
    base = tempfile.mkdtemp(prefix="filescan-program-perm-")
    locked = [os.path.join(base, "locked"), os.path.join(base, "locked2", "deeper")]
    try:
        write(os.path.join(base, "open", "a.py"), 10)
        write(os.path.join(base, "open", "inner", "b.py"), 20)
        write(os.path.join(locked[0], "secret.py"), 30)
        write(os.path.join(locked[1], "c.py"), 40)
        for folder, _, names in os.walk(base):
            os.chmod(folder, 0o755)
            for name in names:
                os.chmod(os.path.join(folder, name), 0o644)
        for folder in locked:
            os.chmod(folder, 0o000)
        user = NOBODY if running_as_root() else None
        done = subprocess.run(
            [sys.executable, "-c", code.format(lesson=str(LESSON), user=user, root=base)],
            capture_output=True, text=True, timeout=HANG)
        assert done.returncode == 0, done.stderr
        return locked, json.loads(done.stdout)
    finally:
        for folder in locked:
            os.chmod(folder, 0o755)
        shutil.rmtree(base)


def test_unreadable_folders_are_listed_and_the_rest_is_walked():
    locked, found = scan_unreadable_tree(UNREADABLE_SCAN)
    if found["unreadable_folders"] == 0 and found["count"] == 4:
        pytest.skip("this user can read every folder (no unreadable folder to test)")
    assert found["count"] == 2 and found["bytes"] == 30
    assert sorted(found["errors"]) == [[path, "cannot read folder: permission denied"]
                                       for path in locked]
    assert found["unreadable_folders"] == 2 == found["error_count"]
    assert found["complete"] is True


# -- the program, as a learner runs it --------------------------------------------------------

def test_program_prints_the_smallest_and_the_largest(odd_tree):
    done = run_program("--root", odd_tree, "--top", "3")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout.splitlines()
    rows = find_rows(odd_tree)
    smallest = out.index("The 3 smallest:")
    largest = out.index("The 3 largest:")
    assert [line.split()[-1] for line in out[smallest + 1:smallest + 4]] == \
        [path for _, path in rows[:3]]
    # The largest is the non-UTF-8 name, shown with the odd byte as \xe9.
    assert out[largest + 1].split() == ["7,000", os.path.join(odd_tree, r"caf\xe9-latin1.py")]
    assert f"{len(rows):,} files, {sum(s for s, _ in rows):,} bytes, in " in done.stdout


SCAN_KEYS = {"count", "bytes", "folders", "complete", "smallest", "largest", "histogram",
             "errors", "error_count", "elapsed", "root", "ext", "way", "processes"}
# Only the careful walk can know these: os.walk skips what goes wrong without a word.
CAREFUL_KEYS = {"modified", "unreadable_folders", "vanished", "loops"}


@pytest.mark.parametrize("way", ["parallel", "careful", "classic"])
def test_main_returns_the_result_the_window_reads(odd_tree, tmp_path, monkeypatch, way):
    """main() called as the lab will call it: the program's lines above the
    ``if __name__`` run first (under another name), then main()."""
    root = odd_tree if way != "classic" else str(tmp_path)   # the classic crashes on odd_tree
    if way == "classic":
        write(str(tmp_path / "a" / "x.py"), 5)
        write_odd_name(os.path.join(os.fsencode(tmp_path), ODD_NAME), 7000)
    monkeypatch.syspath_prepend(str(LESSON))
    monkeypatch.setattr(sys, "argv", [str(PROGRAM), "--root", root, "--way", way])
    for module in ("careful", "parallel"):   # the program imports them
        monkeypatch.delitem(sys.modules, module, raising=False)
    program = runpy.run_path(str(PROGRAM), run_name="filescan_program")
    found = program["main"]()
    for module in ("careful", "parallel"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    assert set(found) == SCAN_KEYS | (CAREFUL_KEYS if way != "classic" else set())
    assert found["complete"] is True and found["elapsed"] > 0 and found["root"] == root
    assert found["largest"][0][0] == 7000 and found["count"] == len(brute_force(root))
    sent = json.loads(json.dumps(found, ensure_ascii=True, default=repr))   # as the lab sends
    assert sent["largest"][0] == [7000, os.path.join(root, os.fsdecode(ODD_NAME))]


def test_classic_way_gives_the_same_answer_on_a_clean_tree(tmp_path):
    for i in range(30):
        write(str(tmp_path / f"d{i % 4}" / f"m{i}.py"), (i * 37) % 500)
        write(str(tmp_path / f"d{i % 4}" / f"n{i}.txt"), 5)
    classic = run_program("--root", str(tmp_path), "--way", "classic", "--top", "4")
    careful = run_program("--root", str(tmp_path), "--top", "4", "--way", "careful")
    assert classic.returncode == 0 == careful.returncode, classic.stderr + careful.stderr
    assert "the classic way" in classic.stdout and "the careful way" in careful.stdout

    def answer(out: str) -> list[str]:     # the lists and counts, not the timing
        return [re.sub(r"[\d.]+ s$", "", line) for line in out.splitlines()[1:]]

    assert answer(classic.stdout) == answer(careful.stdout)
    assert "30 files, " in classic.stdout


def test_classic_way_crashes_on_a_looping_link_and_loses_the_work(odd_tree):
    done = run_program("--root", odd_tree, "--way", "classic")
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "Too many levels of symbolic links" in done.stderr or "No such file" in done.stderr
    assert "smallest" not in done.stdout, "all the work was lost"


def test_help_lists_every_setting():
    done = run_program("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: program.py")
    assert "Find source files" in done.stdout
    for option in ("--root", "--ext", "--top", "--way {parallel,careful,classic}", "--hidden",
                   "--no-hidden", "--follow", "--no-follow"):
        assert option in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--top", "-1"], "argument --top: -1 is not between 1 and 10000"),
    (["--top", "10001"], "argument --top: 10001 is not between 1 and 10000"),
    (["--pause", "1.5"], "argument --pause: 1.5 is not between 0.0 and 1.0"),
    (["--root", "/no/such"], "argument --root: /no/such is not a folder you can read"),
    (["--root", str(PROGRAM)], f"argument --root: {PROGRAM} is not a folder you can read"),
    (["--ext", "*.py"], "argument --ext: '*.py' must be the end of a file name, such as .py"),
    (["--ext", "../x"], "argument --ext: '../x' must be the end of a file name, such as .py"),
], ids=["top-negative", "top-too-big", "pause-too-long", "root-missing", "root-a-file",
        "ext-pattern", "ext-path"])
def test_a_bad_setting_is_one_line_and_exit_status_2(args, message):
    done = run_program(*args)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert_usage_then(done.stderr, message)


def assert_usage_then(stderr: str, message: str) -> None:
    """argparse's way: the usage, then one line that says what is wrong; no traceback."""
    *usage, last = stderr.splitlines()
    assert last == f"program.py: error: {message}", stderr
    assert usage[0].startswith("usage: program.py") and "Traceback" not in stderr, stderr


AS_NOBODY = """
import argparse, locale, os, pkgutil, runpy, shutil, sys, time  # what runs later imports
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import careful, parallel
with open(sys.argv[1], encoding="utf-8") as f:   # read now: nobody may not reach the clone
    code = compile(f.read(), sys.argv[1], "exec")
os.setgroups([]); os.setgid({user}); os.setuid({user})
sys.argv = sys.argv[1:]
exec(code, {{"__name__": "__main__", "__file__": sys.argv[0]}})
"""


@pytest.mark.skipif(os.name != "posix", reason="Windows' chmod cannot make a folder unreadable")
def test_an_unreadable_root_is_one_line_and_exit_status_2():
    base = tempfile.mkdtemp(prefix="filescan-program-root-")
    locked = os.path.join(base, "locked")
    try:
        os.chmod(base, 0o755)
        os.mkdir(locked, 0o000)
        os.chmod(locked, 0o000)
        # Root may read every folder: as root, the program runs as user nobody (after
        # its imports: the interpreter may be where nobody cannot read).
        command = [sys.executable, str(PROGRAM), "--root", locked]
        if running_as_root():
            command[1:1] = ["-c", AS_NOBODY.format(user=NOBODY)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=HANG, cwd=base)
    finally:
        os.chmod(locked, 0o755)
        shutil.rmtree(base)
    assert done.returncode == 2, done.stderr
    assert_usage_then(done.stderr, f"argument --root: {locked} is not a folder you can read")


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_odd_names_are_printed_escaped_in_any_encoding(tmp_path, encoding):
    """As ``ls -b`` shows them: a newline or an escape character must not reach the
    terminal raw, and a name the terminal's encoding cannot show must not crash."""
    for name, size in ((b"new\nline.py", 1), (b"esc\x1b[31m.py", 2), (b"caf\xc3\xa9.py", 3),
                       (b"caf\xe9.py", 4)):
        try:
            write(os.path.join(os.fsencode(tmp_path), name), size)
        except (OSError, UnicodeError) as exc:
            # Windows refuses control characters in a name; macOS takes UTF-8 only.
            pytest.skip(f"this file system refuses the name {name!r}: {exc}")
    done = subprocess.run([sys.executable, str(PROGRAM), "--root", str(tmp_path)],
                          capture_output=True, cwd=REPO, timeout=HANG,
                          env=dict(os.environ, PYTHONIOENCODING=encoding))
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode(encoding)
    assert "\x1b" not in out
    assert len(out.splitlines()) == 12, "no name may break a line: 4 + 4 names, 4 others"
    cafe = "café.py" if encoding == "utf-8" else r"caf\xe9.py"
    shown = [line.split()[-1] for line in out.splitlines()[2:6]]
    assert shown == [os.path.join(str(tmp_path), name) for name in
                     (r"new\nline.py", r"esc\x1b[31m.py", cafe, r"caf\xe9.py")]


@pytest.mark.parametrize("args, message", [
    (["--top", "many"], "argument --top: invalid number value: 'many'"),
    (["--way", "fast"], "argument --way: invalid choice: 'fast'"),
], ids=["top-text", "way-unknown"])
def test_a_value_of_the_wrong_type_is_refused_by_argparse(args, message):
    done = run_program(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr.splitlines()[-1] and "Traceback" not in done.stderr


def test_the_programs_hold_no_plumbing():
    for path in (PROGRAM, CAREFUL):
        text = path.read_text()
        found = [(n, line) for n, line in enumerate(text.splitlines(), 1)
                 if re.search(r"emit|Control|stop\.|engine", line)]
        assert found == [], f"{path.name}: {found}"
    assert not (LESSON / "__init__.py").exists()
    text = PROGRAM.read_text()
    assert text.endswith('\n\nif __name__ == "__main__":\n    main()\n')
    for call in ("os.walk(", "os.path.getsize(", "os.path.join("):
        assert call in text
    assert "os.scandir(" in CAREFUL.read_text() and "heapq." in CAREFUL.read_text()


#: The settings as the window's form and the command line have them: (name, type,
#: default, low, high, choices, kind), the same as when they were a SETTINGS literal.
FORM = [("root", str, "~", None, None, None, "folder"),
        ("ext", str, ".py", None, None, None, "name-ending"),
        ("top", int, 10, 1, 10000, None, None),
        ("way", str, "parallel", None, None, ("parallel", "careful", "classic"), None),
        ("hidden", bool, True, None, None, None, None),
        ("follow", bool, False, None, None, None, None),
        ("pause", float, 0.0, 0.0, 1.0, None, None),
        ("workers", int, 0, 0, 64, None, None)]


def test_the_add_argument_lines_give_the_form_and_the_command_line(monkeypatch):
    """The engine reads the program's add_argument lines with ast (never importing
    it); the program's own parser, run alone, takes the very same defaults."""
    found = specs(programs.params_class("filescan", str(PROGRAM)))
    assert [(s.name, s.type, s.default, s.low, s.high, s.choices, s.kind)
            for s in found] == FORM
    assert all(s.help for s in found)
    assert os.path.expanduser(found[0].default) == str(Path.home())   # "~": home
    monkeypatch.syspath_prepend(str(LESSON))
    for module in ("careful", "parallel"):   # the program imports them
        monkeypatch.delitem(sys.modules, module, raising=False)
    parser = runpy.run_path(str(PROGRAM), run_name="filescan_program")["parser"]
    for module in ("careful", "parallel"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    assert vars(parser.parse_args([])) == {s.name: s.default for s in found}


def run_until_held(command: list[str], when_held, **popen) -> tuple[int, str, str]:
    """Start ``command``; when it prints "holding the walk at ..." (see held_walk.py),
    call ``when_held(program, last word of that line)``; return the exit status,
    stdout and stderr once it ends."""
    program = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, **popen)
    try:
        for line in program.stdout:
            if line.startswith("holding the walk at"):
                when_held(program, line.split()[-1])
                break
        out, err = program.communicate(timeout=HANG)
    finally:
        program.kill()
        program.wait()
        program.stdout.close()
        program.stderr.close()
    return program.returncode, out, err


@posix_signal_delivery
def test_ctrl_c_in_a_terminal_prints_the_partial_result(tmp_path):
    """A real SIGINT while the walk is held in the second folder, as Ctrl-C sends it."""
    for i in range(3):
        write(str(tmp_path / f"top{i}.py"), 10 + i)
    write(str(tmp_path / "held" / "never.py"), 99)
    code, out, err = run_until_held(
        [sys.executable, str(HELD_WALK), str(tmp_path / "held"), str(PROGRAM),
         "--root", str(tmp_path)], lambda program, _: program.send_signal(signal.SIGINT))
    assert code == 0, err
    assert "stopped after 2 folders: the lists below are partial" in out
    assert "The 3 largest:" in out and "3 files, 33 bytes" in out
    assert "never.py" not in out


# -- the program in the lab -----------------------------------------------------------------

def outputs(events) -> list[str]:
    return [e.text for e in events if e.kind == "output"]


@pytest.mark.parametrize("way", ["parallel", "careful", "classic"])
def test_in_the_lab_the_run_ends_ok(tmp_path, way):
    for i in range(6):
        write(str(tmp_path / f"d{i % 2}" / f"m{i}.py"), i * 10)
    run = start_lab(str(PROGRAM), ["--root", str(tmp_path), "--top", "2", "--way", way])
    events = collect(run, HANG)
    assert events[-1].kind == "done" and events[-1].data["status"] == "ok", outputs(events)
    said = outputs(events)
    assert said[0] == f"Looking for *.py files under {tmp_path}, the {way} way"
    largest = said.index("The 2 largest:")
    assert said[largest + 1].split() == ["50", str(tmp_path / "d1" / "m5.py")]
    assert any(line.startswith("6 files, 150 bytes, in 3 folders") for line in said)


@pytest.mark.parametrize("way", ["parallel", "careful", "classic"])
def test_in_the_lab_stop_mid_walk_gives_the_partial_result(tmp_path, way):
    """The walk is held at a known folder (see held_walk.py); Stop comes while it waits."""
    for i in range(4):
        write(str(tmp_path / f"top{i}.py"), i)
    write(str(tmp_path / "held" / "never.py"), 99)
    run = start_lab(str(HELD_WALK), [str(tmp_path / "held"), str(PROGRAM),
                                     "--root", str(tmp_path), "--top", "2", "--way", way])
    read_until(run, lambda e: e.kind == "output" and e.text.startswith("holding the walk"),
               HANG, "the walk held at the folder 'held'")
    run.stop()
    events = collect(run, HANG)
    assert run.join(HANG)
    done = events[-1].data
    assert (done["status"], done["exit_code"], done["died"]) == ("stopped", 0, []), outputs(events)
    said = outputs(events)
    assert any(line.startswith("stopped after ") for line in said)
    assert said[said.index("The 2 largest:") + 1].split() == ["3", str(tmp_path / "top3.py")]
    assert any(line.startswith("4 files, 6 bytes, in ") for line in said)
    assert not [e for e in events if e.kind == "error"]

