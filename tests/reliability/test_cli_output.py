"""What the command line prints, whatever the names in the tree and wherever it goes.

Each test runs ``python -m engine`` as a real process on a real tree whose
names are hostile: bytes that are not UTF-8, escape sequences, a newline that
would forge a line, a carriage return, a C1 control. The promises:

* plain output never crashes, whatever the stream's encoding, and shows such
  names escaped (``caf\\xe9``, ``\\x1b``, ``\\n``), as ``ls -b`` does: no control
  character but the newline ending each line reaches the terminal;
* ``--json`` stays exact: every name reads back to the very bytes on disk;
* a reader that goes away (``| head -1``) ends the run quietly: no traceback,
  no process left, exit status 141 (128 + SIGPIPE, what a shell reports for
  ``find | head``); 0 when all was written before the reader left;
* with stderr closed, ``error:`` lines go nowhere, never to stdout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from tests.bounds import HANG
from tests.desktop import ProcessFamily, wait_for
from tests.reliability.lessons import REPO, big_tree

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE     # 141, as a shell reports for find | head

# Names in bytes, as they are on disk. Each would do harm if printed raw.
ODD_ROOT = b"root-caf\xe9"                        # the root itself is not UTF-8
HOSTILE = {
    b"caf\xe9.py": b"caf\\xe9.py",                           # Latin-1, not UTF-8
    b"paint\x1b[2J\x1b]0;pwned\x07.py": b"paint\\x1b[2J\\x1b]0;pwned\\x07.py",
    b"two\nerror: forged line.py": b"two\\nerror: forged line.py",
    b"back\rover.py": b"back\\rover.py",
    "c1\u009b31m.py".encode(): b"c1\\x9b31m.py",            # C1 CSI, valid UTF-8
    b"tab\there.py": b"tab\\there.py",
    "r\u00e9sum\u00e9.py".encode(): "r\u00e9sum\u00e9.py".encode(),  # fine as it is
}
LOOP = b"loop\xe9\x1b[31m.py"      # a link to itself: an error line names it
LOOP_SHOWN = b"loop\\xe9\\x1b[31m.py"
# What must never be printed: a control character other than the line ends,
# and a C1 control encoded in UTF-8.
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


@pytest.fixture(scope="module")
def odd_root():
    base = tempfile.mkdtemp(prefix="cli-output-")
    root = os.path.join(os.fsencode(base), ODD_ROOT)
    os.mkdir(root)
    for size, name in enumerate(HOSTILE, start=1):
        with open(os.path.join(root, name), "wb") as f:
            f.write(b"x" * size)
    os.symlink(LOOP, os.path.join(root, LOOP))
    yield root
    shutil.rmtree(base)


def engine_cli(*args, env_changes: dict | None = None, **popen) -> subprocess.CompletedProcess:
    """``python -m engine ARGS`` as a real process; bytes in, bytes out."""
    env = dict(os.environ)
    for name, value in (env_changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    if "stdout" not in popen:
        popen["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=REPO, env=env,
                          timeout=120, **popen)


def scan_args(root: bytes, *more: str) -> list:
    return ["run", "filescan", "--root", root, "--top", "50", "--follow", *more]


# -- plain output ---------------------------------------------------------------------------

# PYTHONIOENCODING=utf-8 is what Python uses in an en_US.UTF-8 locale: strict
# UTF-8, which refuses the surrogates of bytes that are not UTF-8. Unset, in
# this C.UTF-8 locale, Python writes such bytes raw (surrogateescape). ASCII
# stands for a terminal that cannot show "é".
ENCODINGS = {"utf-8": "utf-8", "default": None, "ascii": "ascii"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_plain_output_escapes_odd_names_and_never_crashes(odd_root, encoding):
    done = engine_cli(*scan_args(odd_root),
                      env_changes={"PYTHONIOENCODING": ENCODINGS[encoding]})
    out, err = done.stdout, done.stderr
    assert done.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    text = out.decode("ascii" if encoding == "ascii" else "utf-8")   # strict: valid
    err.decode("utf-8")
    for stream in (out, err):
        assert not RAW_CONTROL.search(stream), RAW_CONTROL.search(stream)
    shown_root = ODD_ROOT.replace(b"\xe9", b"\\xe9")
    looking = [line for line in out.splitlines() if b"Looking for" in line]
    assert looking and looking[0].endswith(shown_root + b", the parallel way"), looking
    listed = [line.strip() for line in out.splitlines() if line.startswith(b"  ")]
    for shown in HOSTILE.values():
        if encoding == "ascii":
            shown = shown.decode().encode("ascii", "backslashreplace")
        # once among the smallest and once among the largest, each on a line of its own
        assert sum(line.endswith(b"/" + shown) for line in listed) == 2, (shown, listed)
    assert not any(line.startswith(b"error: forged") for line in out.splitlines())
    # The program says what it skipped (on its stderr, an output line here); the run
    # is ok, so the command line's own stderr stays empty.
    skipped = b"skipped " + os.path.join(odd_root.replace(b"\xe9", b"\\xe9"), LOOP_SHOWN)
    assert [line for line in out.splitlines() if skipped in line][0].endswith(
        skipped + b": symlink loop")
    assert err == b""
    assert "1 problems, " in text


def test_json_keeps_every_name_exact(odd_root):
    done = engine_cli(*scan_args(odd_root, "--json"), env_changes={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert all(byte < 128 for byte in done.stdout), "JSON is ASCII (ensure_ascii)"
    events = [json.loads(line) for line in done.stdout.splitlines()]
    result = [e for e in events if e["kind"] == "result"][-1]["data"]
    found = {os.fsencode(path) for _size, path in result["smallest"]}
    assert found == {os.path.join(odd_root, name) for name in HOSTILE}
    assert [os.fsencode(path) for path, _ in result["errors"]] == [os.path.join(odd_root, LOOP)]


# -- a reader that goes away --------------------------------------------------------------

@pytest.fixture(scope="module")
def many_matches():
    """3,000 matches: with --top 10000 the result lists 6,000 lines, about 400 KB,
    far more than a pipe holds, so the command is still writing when head has gone."""
    base = tempfile.mkdtemp(prefix="cli-output-many-")
    for i in range(3000):
        folder = os.path.join(base, f"d{i % 30}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"file{i:05d}.py"), "wb") as f:
            f.write(b"x" * (i % 97))
    yield base
    shutil.rmtree(base)


@pytest.mark.parametrize("as_json", [False, True], ids=["plain", "json"])
def test_head_one_ends_the_command_quietly_with_141(many_matches, as_json):
    command = [sys.executable, "-m", "engine", "run", "filescan", "--root", many_matches,
               "--top", "10000"] + (["--json"] if as_json else [])
    pipeline = shlex.join(command) + ' | head -1; echo "status ${PIPESTATUS[0]}"'
    done = subprocess.run(["bash", "-c", pipeline], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 2, lines
    assert ("started" in lines[0]) if not as_json else json.loads(lines[0])["kind"] == "state"
    assert lines[1] == f"status {EXIT_BROKEN_PIPE}"
    assert done.stderr == "", "no BrokenPipeError, no 'Exception ignored'"


def test_reader_gone_mid_scan_ends_the_workers_and_exits_141():
    """The pipe breaks while worker processes walk a big tree: they are ended too."""
    # --top 10000: the result alone is more than a pipe holds, so the command
    # cannot have written everything before the pipe is closed.
    cli = subprocess.Popen([sys.executable, "-m", "engine", "run", "filescan",
                            "--root", big_tree(), "--top", "10000"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, cwd=REPO)
    family = ProcessFamily.of(cli.pid)
    try:
        assert cli.stdout.readline(), "the run started"
        assert wait_for(family.descendants_now, 30), "the scan's workers run"
        cli.stdout.close()           # as head does once it has its line
        assert wait_for(lambda: cli.poll() is not None, 30, every=family.look), "it ended"
        err = cli.stderr.read()
        assert cli.returncode == EXIT_BROKEN_PIPE, err.decode(errors="replace")
        assert err == b""
        wait_for(lambda: not family.left_over(), HANG)
        assert family.left_over() == []
    finally:
        family.kill_all()
        if cli.poll() is None:
            cli.kill()
        cli.wait()
        cli.stderr.close()


def test_a_pipe_closed_before_the_start_gives_141_and_nothing_on_stderr(odd_root):
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = engine_cli(*scan_args(odd_root), stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)
    assert done.returncode == EXIT_BROKEN_PIPE
    assert done.stderr == b""


# -- stderr closed ----------------------------------------------------------------------------

@pytest.mark.parametrize("what", ["bad root", "bad ext", "run with an error"])
def test_error_lines_never_go_to_stdout_when_stderr_is_closed(odd_root, tmp_path, what):
    args = {"bad root": ["run", "filescan", "--root", str(tmp_path / "missing")],
            "bad ext": ["run", "filescan", "--root", str(tmp_path), "--ext", "*.py"],
            "run with an error": scan_args(odd_root)}[what]
    command = [sys.executable, "-m", "engine", *args]
    done = subprocess.run(["bash", "-c", 'exec "$@" 2>&-', "cli", *command], cwd=REPO,
                          stdout=subprocess.PIPE, timeout=120)
    # A link that loops is skipped: the run still ends "ok" (status 0).
    assert done.returncode == (0 if what == "run with an error" else 2)
    assert not any(line.startswith(b"error:") for line in done.stdout.splitlines()), \
        done.stdout
    if what != "run with an error":
        assert done.stdout == b""
