"""The soak (``make soak``): every lesson many times in a row, and what each run leaves.

Each lesson runs 50 times through the engine and 10 times in the real window
(on a virtual screen of its own), with the quick parameters of
``tests/reliability/lessons.py`` at speed 10. Every other run gets Stop at a
random moment. After each run, what is left is counted: threads, processes,
zombies, sockets, file descriptors (see ``tests/reliability/soak.py``).

Prints a table per lesson and writes it to docs/reliability.md. Exit status 0
if no run failed and nothing was left behind.

    python scripts/soak.py [--engine-runs 50] [--gui-runs 10] [--lessons ID ...]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "reliability.md"
PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Become the parent of any orphan below us (Linux), so a grandchild that
    outlives its parent is still counted as ours instead of vanishing into init."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def say(text: str) -> None:
    print(text, flush=True)


def soak(lessons: list[str], engine_runs: int, gui_runs: int) -> list:
    from tests.leaks import warm_multiprocessing
    from tests.reliability.soak import soak_engine, soak_gui
    warm_multiprocessing()
    tallies = []
    for lesson in lessons:
        started = time.monotonic()
        tallies.append(soak_engine(lesson, engine_runs))
        say(f"engine {lesson:<13} {engine_runs} runs in {time.monotonic() - started:5.1f} s"
            f"{'' if tallies[-1].clean else '  PROBLEMS'}")
    if gui_runs:
        from gui.app import App
        first = App()          # Tcl's notifier thread and the X connection stay for good:
        first.update()         # open one window first, so they are not counted as leaks
        first.close()
        gc.collect()
        app = App()
        app.update()
        try:
            for lesson in lessons:
                started = time.monotonic()
                tallies.append(soak_gui(app, lesson, gui_runs))
                say(f"gui    {lesson:<13} {gui_runs} runs in "
                    f"{time.monotonic() - started:5.1f} s"
                    f"{'' if tallies[-1].clean else '  PROBLEMS'}")
        finally:
            app.close()
            gc.collect()
    return tallies


def report(tallies: list, engine_runs: int, gui_runs: int, took: float) -> str:
    from tests.reliability.soak import table
    machine = (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    return "\n".join([
        "# Reliability: the soak",
        "",
        f"Measured by `make soak` on {time.strftime('%Y-%m-%d')} ({machine}), in "
        f"{took / 60:.1f} minutes.",
        "",
        f"Every lesson ran {engine_runs} times in a row through the engine and {gui_runs} "
        "times in the real window (on Xvfb), at speed 10, with the quick parameters of "
        "`tests/reliability/lessons.py` (each lesson's variants in turn: daemon endings, "
        "spawn instead of fork, the classic walk, a tree big enough for worker processes...). "
        "Every other run was sent Stop at a random moment of its run; one that ended first "
        "counts as run to the end.",
        "",
        "The leak columns count what a run left that was still there 2 s after it ended, "
        "against the state before the lesson's first run: threads, open file descriptors and "
        "sockets of the process that ran the lessons (for the window rows, the window's "
        "process); processes of the runs still running, and zombies. Every process seen below "
        "it while a run went on is checked, grandchildren included, and it adopts orphans (a "
        "Linux subreaper), so a forked grandchild that outlives its parent is still counted. "
        "*Worst stop* is the longest time from Stop to the end of a run (engine: the run's "
        "thread has ended; window: the tab shows the run as done).",
        "",
        table(tallies),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-runs", type=int, default=50)
    parser.add_argument("--gui-runs", type=int, default=10)
    parser.add_argument("--lessons", nargs="*", help="only these lessons (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the table")
    args = parser.parse_args(argv)

    adopt_orphans()
    from tests.desktop import VirtualScreen
    from tests.reliability.lessons import lesson_ids
    lessons = args.lessons or lesson_ids()
    started = time.monotonic()
    with VirtualScreen() as screen, tempfile.TemporaryDirectory(prefix="soak-config-") as config:
        os.environ["DISPLAY"] = screen.display
        os.environ["PYSYSLAB_CONFIG_DIR"] = config    # the app's settings: not the user's
        tallies = soak(lessons, args.engine_runs, args.gui_runs)
    took = time.monotonic() - started
    text = report(tallies, args.engine_runs, args.gui_runs, took)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    from tests.reliability.soak import table
    say("\n" + table(tallies))
    say(f"\nwritten to {args.out}")
    problems = [f"{t.lesson} ({t.via}): {p}" for t in tallies for p in t.problems]
    for problem in problems[:50]:
        say(f"PROBLEM {problem}")
    return 1 if problems or not all(t.clean for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
