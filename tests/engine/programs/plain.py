"""Checks every lesson program must pass, alone in a terminal and in the lab.

A lesson program is a plain program: ``python engine/lessons/<id>/program.py``
runs it, ``--help`` lists its settings, a bad value is refused by argparse
(exit status 2), and nothing in it exists only for the app. These helpers run
it for real, as a learner would, and in the lab as the window does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from engine import programs
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.test_lab import assert_group_ends

__all__ = ["assert_group_ends"]   # for the lesson tests: nothing of a stopped run is left

#: What must not appear in a program: the app's plumbing (issue 15's acceptance grep).
PLUMBING = re.compile(r"emit|Control|stop\.|engine")


def program(lesson_id: str) -> str:
    return programs.program_path(lesson_id)


def run_alone(lesson_id: str, *args: str) -> subprocess.CompletedProcess:
    """``python program.py ARGS``: its exit status, stdout and stderr.

    Its stdout is a pipe, so Python buffers it in blocks: a parent's line is not
    cut in two by its forked child's, as it can be with every write unbuffered.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, program(lesson_id), *args], capture_output=True,
                          text=True, timeout=HANG, env=env)


def unbuffered() -> dict[str, str]:
    """The environment with Python's output unbuffered, so a reader sees each line at once."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def plumbing_lines(lesson_id: str) -> list[str]:
    """The lines ``grep -nE 'emit|Control|stop\\.|engine' program.py`` would print."""
    with open(program(lesson_id), encoding="utf-8") as f:
        return [f"{n}:{line}" for n, line in enumerate(f, 1) if PLUMBING.search(line)]


def assert_help_lists_every_setting(lesson_id: str) -> None:
    done = run_alone(lesson_id, "--help")
    assert done.returncode == 0, done.stderr
    declared = programs.settings(program(lesson_id))
    assert declared, "the program declares no SETTINGS"
    for name, (_default, _low, _high, text) in declared.items():
        assert f"--{name}" in done.stdout, f"--{name} missing from --help"
        assert " ".join(text.split()[:3]) in " ".join(done.stdout.split()), \
            f"the help of --{name} is missing"


def assert_refused(lesson_id: str, *args: str) -> None:
    """A bad value: exit status 2 and argparse's one error line, no traceback, no run."""
    done = run_alone(lesson_id, *args)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("program.py: error: argument"), done.stderr


def outputs(events: list, pid: int | None = None) -> list[str]:
    """The lines printed during a run (by one process, if ``pid`` is given)."""
    return [e.text for e in events if e.kind == "output" and (pid is None or e.pid == pid)]


def result(events: list) -> dict:
    found = [e.data for e in events if e.kind == "result"]
    assert len(found) == 1, f"{len(found)} result events among {[e.kind for e in events]}"
    return found[0]


def run_in_lab(lesson_id: str, *args: str) -> tuple[list, int]:
    """Run the program in the lab to its end: every event, and the lab process's pid."""
    run = start_lab(program(lesson_id), list(args))
    try:
        return collect(run, HANG), run.pid
    finally:
        run.stop()
        run.join(HANG)


def stop_at_first_output(lesson_id: str, *args: str) -> tuple[list, int]:
    """Start the program in the lab, press Stop once it has printed a line; every event."""
    run = start_lab(program(lesson_id), list(args))
    try:
        read_until(run, lambda e: e.kind == "output", HANG, "the first line printed")
        run.stop()
        return collect(run, HANG), run.pid
    finally:
        run.stop()
        run.join(HANG)
