"""Pressing Run to the first event of the program, from source and from the onedir executable.

What Run does is ``engine.start(lesson_id, params)``: it starts a lab process
(``engine/lab/run.py``) that installs the lab, then runs the lesson program.
The first event the window gets is the engine's own "started" line, at once;
what is timed here is what the learner waits for after it:

* ``lab``: the lab process says it started (``process``), the program's
  first line is next;
* ``first print``: the program's first ``output`` event.

The mutex lesson with 1 thread and 1 line, RUNS times each (median), source and
executable taken in turns so they share the machine's load. The executable is
timed the way the app itself starts a lab when frozen (``pysyslab --lab-inside``);
skipped when not built (``make exe``). Each is timed twice: with a lab started
ahead of time, as the window keeps one (engine.lab.keep_spare), and cold, as
``python -m engine run`` starts one. Goals (issue 15, for the window): 150 ms
from source, 300 ms from the executable.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from engine import catalog, programs
from engine.lab import run as labrun
from engine.params import build
from tests.desktop import ROOT

RUNS = 11
SPARE_READY = 1.5   # seconds a spare lab is given to get ready before a run takes it
GOALS_MS = {"source": 150, "onedir": 300}
ONEDIR = ROOT / "dist" / "pysyslab" / "pysyslab"


class ExeLabRun(labrun.LabRun):
    """A lab run started as the frozen app starts one: its executable, --lab-inside."""

    def _command(self, tail: list[str]) -> list[str]:
        return [str(ONEDIR), "--lab-inside", *tail]


def one_start(kind: str, spare: bool) -> tuple[float, float]:
    """One Run; with ``spare``, taken by a lab started ahead of time, as the window does."""
    lesson = catalog.get("mutex")
    argv = programs.argv(build(lesson.params_cls, {"threads": 1, "lines": 1, "delay": 0}))
    cls = ExeLabRun if kind == "onedir" else labrun.LabRun
    if spare:
        run = cls(None, [], 1.0)
        time.sleep(SPARE_READY)   # the app starts its spare long before the next Run
        began = time.monotonic()
        run.begin(lesson.program, argv, 1.0)
    else:
        began = time.monotonic()
        run = cls(lesson.program, argv, 1.0)
    lab = first = None
    try:
        while True:
            event = run.events.get(timeout=30)
            now = time.monotonic() - began
            if event.kind == "process" and lab is None:
                lab = now
            if event.kind == "output" and first is None:
                first = now
            if event.kind == "done":
                if event.data["status"] != "ok" or lab is None or first is None:
                    raise RuntimeError(f"{kind}: the run failed: {event.text}")
                return lab, first
    finally:
        run.stop()
        run.join(10)


def bare_python() -> float:
    """The reference: seconds for ``python -c pass`` (an interpreter start, nothing more)."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.monotonic() - began


def main() -> None:
    kinds = ["source"] + (["onedir"] if ONEDIR.is_file() else [])
    if len(kinds) == 1:
        print("onedir: not built, skipped (build it with `make exe`)")
    one_start("source", False)   # warm-up: file cache and bytecode
    ways = [(kind, spare) for kind in kinds for spare in (True, False)]
    times: dict[tuple, list[tuple[float, float]]] = {way: [] for way in ways}
    reference = []
    for _ in range(RUNS):
        reference.append(bare_python())
        for way in ways:
            times[way].append(one_start(*way))
    bare = statistics.median(reference) * 1000
    print(f"reference: python -c pass takes {bare:.0f} ms (median, same run)")
    print(f"{'from':<8} {'lab':<14} {'lab ready':>10} {'first print':>12} {'/python':>8}"
          f" {'goal':>7}  (median of {RUNS})")
    for kind, spare in ways:
        lab = statistics.median(t[0] for t in times[kind, spare]) * 1000
        first = statistics.median(t[1] for t in times[kind, spare]) * 1000
        how = "ahead (window)" if spare else "cold (CLI)"
        verdict = ("ok" if first <= GOALS_MS[kind] else "OVER") if spare else "-"
        print(f"{kind:<8} {how:<14} {lab:>7.0f} ms {first:>9.0f} ms {first / bare:>7.2f}x"
              f" {GOALS_MS[kind]:>4} ms  {verdict}")
