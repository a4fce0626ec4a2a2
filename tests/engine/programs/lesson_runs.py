"""What every plain lesson program must do, checked with real runs.

A program (``engine/lessons/<id>/program.py``) runs by itself as
``python program.py``, builds its command line from its add_argument lines, holds no
code for the app, and runs in the lab, which watches it from outside. The test
file of each lesson calls these checks and adds what its lesson must show.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from engine import programs
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.test_lab import assert_group_ends

LESSONS = Path(__file__).resolve().parents[3] / "engine" / "lessons"
# The acceptance grep of issue 15: nothing in a program exists only for the app.
PLUMBING = re.compile(r"emit|Control|stop\.|engine")


def program(lesson_id: str) -> Path:
    return LESSONS / lesson_id / "program.py"


def line_of(lesson_id: str, text: str) -> int:
    """The number of the one line of the program that holds ``text`` (not in a comment)."""
    found = [n for n, line in enumerate(program(lesson_id).read_text().splitlines(), 1)
             if text in line.split("#")[0]]
    assert len(found) == 1, f"{text!r} is on lines {found} of {lesson_id}"
    return found[0]


def run_alone(lesson_id: str, *args: str) -> subprocess.CompletedProcess:
    """``python program.py ARGS``: its exit status, stdout and stderr, as a learner runs it.

    Its stdout is a pipe, so Python buffers it in blocks: a parent's line is not
    cut in two by its forked child's, as it can be with every write unbuffered.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, str(program(lesson_id)), *args],
                          capture_output=True, text=True, timeout=HANG, env=env)


def settings_of(lesson_id: str) -> dict:
    """The program's settings, read as the engine reads them (ast), never imported."""
    return programs.settings(str(program(lesson_id)))


def assert_help_lists_every_setting(lesson_id: str) -> None:
    done = run_alone(lesson_id, "--help")
    assert done.returncode == 0, done.stderr
    declared = settings_of(lesson_id)
    assert declared, "the program declares no settings"
    for name, (default, _low, _high, text) in declared.items():
        assert f"--{name}" in done.stdout, f"--{name} missing from:\n{done.stdout}"
        assert " ".join(text.split()[:3]) in " ".join(done.stdout.split()), \
            f"the help of --{name} is missing"
        if isinstance(default, bool):
            assert f"--no-{name}" in done.stdout, done.stdout


def assert_bad_value_exits_2(lesson_id: str, option: str) -> None:
    done = run_alone(lesson_id, option, "x")
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    # argparse's own clear line, last; no traceback.
    assert f"argument {option}: invalid" in done.stderr.splitlines()[-1], done.stderr
    assert "Traceback" not in done.stderr


def assert_no_plumbing(lesson_id: str) -> None:
    text = program(lesson_id).read_text()
    found = [f"{n}: {line}" for n, line in enumerate(text.splitlines(), 1)
             if PLUMBING.search(line)]
    assert not found, "plumbing in the program:\n" + "\n".join(found)
    assert text.endswith('if __name__ == "__main__":\n    main()\n')


def run_in_lab(lesson_id: str, *argv: str) -> list:
    """Every event of one lab run of the program, up to ``done``; nothing left after."""
    return run_file_in_lab(program(lesson_id), *argv)


def run_file_in_lab(path: Path, *argv: str) -> list:
    """The same for any program file (a test's wrapper around a lesson program)."""
    run = start_lab(str(path), list(argv))
    try:
        events = collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert_group_ends(run.pid, pids_of(events))
    return events


def pids_of(events: list) -> set[int]:
    """Every process of the run that said something."""
    return {e.pid for e in events if e.pid}


def stop_in_lab(lesson_id: str, *argv: str, when=lambda e: e.kind == "output",
                what: str = "the first output") -> list:
    """Start the program in the lab, press Stop at its first line of output (or at
    the first event ``when`` is true for).

    Returns every event; asserts the run ended as stopped with nothing left.
    """
    run = start_lab(str(program(lesson_id)), list(argv))
    try:
        events = read_until(run, when, HANG, what)
        run.stop()
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].kind == "done" and events[-1].data["status"] == "stopped", events[-1]
    assert_group_ends(run.pid, pids_of(events))
    return events


def terminal_lines(events: list) -> list[str]:
    """The screen as a terminal shows it: every ``terminal`` chunk, in order, in lines."""
    return "".join(e.text for e in events if e.kind == "terminal").splitlines()


def outputs(events: list, actor: str | None = None) -> list[str]:
    """Each finished line of output (of one actor, if given)."""
    return [e.text for e in events
            if e.kind == "output" and (actor is None or e.actor == actor)]


def assert_ok(events: list) -> None:
    done = events[-1]
    errors = [e.text for e in events if e.kind == "error"]
    assert done.kind == "done" and done.data["status"] == "ok", (done.text, errors,
                                                                   outputs(events)[-5:])


def summary(pattern: re.Pattern, lines: list[str]) -> tuple[int, ...]:
    """The numbers of the one line of ``lines`` that is the program's summary."""
    found = [pattern.fullmatch(line) for line in lines if pattern.fullmatch(line)]
    assert len(found) == 1, f"{len(found)} summary lines among the last: {lines[-5:]}"
    return tuple(int(n) for n in found[0].groups())
