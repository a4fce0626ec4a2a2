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
skipped when not built (``make exe``). Goals (issue 15): 150 ms from source,
300 ms from the executable.
"""

from __future__ import annotations

import statistics
import time

from engine import catalog, programs
from engine.lab import run as labrun
from engine.params import build
from tests.desktop import ROOT

RUNS = 11
GOALS_MS = {"source": 150, "onedir": 300}
ONEDIR = ROOT / "dist" / "pysyslab" / "pysyslab"


class ExeLabRun(labrun.LabRun):
    """A lab run started as the frozen app starts one: its executable, --lab-inside."""

    def _command(self, argv: list[str]) -> list[str]:
        return [str(ONEDIR), "--lab-inside", self.program, *argv]


def one_start(kind: str) -> tuple[float, float]:
    lesson = catalog.get("mutex")
    argv = programs.argv(build(lesson.params_cls, {"threads": 1, "lines": 1, "delay": 0}))
    cls = ExeLabRun if kind == "onedir" else labrun.LabRun
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


def main() -> None:
    kinds = ["source"] + (["onedir"] if ONEDIR.is_file() else [])
    if len(kinds) == 1:
        print("onedir: not built, skipped (build it with `make exe`)")
    one_start("source")   # warm-up: file cache and bytecode
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for _ in range(RUNS):
        for kind in kinds:
            times[kind].append(one_start(kind))
    print(f"{'from':<8} {'lab ready':>10} {'first print':>12} {'goal':>6}  (median of {RUNS})")
    for kind in kinds:
        lab = statistics.median(t[0] for t in times[kind]) * 1000
        first = statistics.median(t[1] for t in times[kind]) * 1000
        verdict = "ok" if first <= GOALS_MS[kind] else "OVER"
        print(f"{kind:<8} {lab:>8.0f} ms {first:>9.0f} ms {GOALS_MS[kind]:>4} ms  {verdict}")
