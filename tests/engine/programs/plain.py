"""Checks every lesson program must pass, alone in a terminal and in the lab.

A lesson program is a plain program: ``python engine/lessons/<id>/program.py``
runs it, ``--help`` lists its settings, a bad value is refused by argparse
(exit status 2), and nothing in it exists only for the app. These helpers run
it for real, as a learner would, and in the lab as the window does.
"""

from __future__ import annotations

import os

from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.programs.lesson_runs import (
    PLUMBING,
    assert_help_lists_every_setting,
    program,
    run_alone,
)
from tests.engine.test_lab import assert_group_ends

# Shared with lesson_runs (one definition each), and for the lesson tests.
__all__ = ["assert_group_ends", "assert_help_lists_every_setting", "program", "run_alone"]

def unbuffered() -> dict[str, str]:
    """The environment with Python's output unbuffered, so a reader sees each line at once."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def plumbing_lines(lesson_id: str) -> list[str]:
    """The lines ``grep -nE 'emit|Control|stop\\.|engine' program.py`` would print."""
    with open(program(lesson_id), encoding="utf-8") as f:
        return [f"{n}:{line}" for n, line in enumerate(f, 1) if PLUMBING.search(line)]


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
    run = start_lab(str(program(lesson_id)), list(args))
    try:
        return collect(run, HANG), run.pid
    finally:
        run.stop()
        run.join(HANG)


def stop_at_first_output(lesson_id: str, *args: str) -> tuple[list, int]:
    """Start the program in the lab, press Stop once it has printed a line; every event."""
    run = start_lab(str(program(lesson_id)), list(args))
    try:
        read_until(run, lambda e: e.kind == "output", HANG, "the first line printed")
        run.stop()
        return collect(run, HANG), run.pid
    finally:
        run.stop()
        run.join(HANG)
