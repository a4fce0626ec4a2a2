"""What step mode costs when it is off (issue 16): a lesson run in the lab, as the window
starts it (the step machinery loaded, Step off, turnable on at any time), against the
same run with no step machinery at all (``stepping=None``, as the command line starts it).

With Step off no trace function is installed (engine/lab/stepping.py); what is
left is a flag looked at per event in each lab process, the probes' lock names
and, in the engine, the step board's look at each lane change and the program
clock's mapping of each event's time. Measured on the runs that stress those
most:

* ``mutex``: 10 threads x 200 lines at speed 100, the lock on: about 8,000 lock
  events and 4,000 printed lines, in ~1 s;
* ``filescan``: the careful walk of the 100k-file tree (filescan_tree.py): the
  program's own Python, with few events.

Both ways are taken in turns (after a warm-up; which goes first alternates),
so they share the machine's load. Each run is measured twice: the CPU time it
costs (the lab process and its children, once reaped, and the engine's
watcher in this process), which the load of a shared machine disturbs
little, and the wall time from its start to its ``done`` event. Printed: the
median of each way, and the median of the per-round ratios (off/none).
Goal (on CPU time): <= 1.05x.
"""

from __future__ import annotations

import resource
import statistics
import time

from engine import programs
from engine.lab import start_lab
from engine.params import build
from tests.bench import filescan_tree

ROUNDS = 15
GOAL = 1.05
WAYS = {"Step off": False, "no step machinery": None}


def cases() -> dict[str, tuple[str, list[str], float]]:
    """name -> (program, argv, speed)."""
    def program(lesson_id: str, values: dict) -> tuple[str, list[str]]:
        path = programs.program_path(lesson_id)
        return path, programs.argv(build(programs.params_class(lesson_id, path), values))

    return {
        "mutex": (*program("mutex", {"threads": 10, "lines": 200, "delay": 0.0,
                                     "lock": True}), 100.0),
        "filescan": (*program("filescan", {"root": filescan_tree.tree(100_000),
                                           "way": "careful"}), 1.0),
    }


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children, so far."""
    own, children = (resource.getrusage(who) for who in
                     (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run(program: str, argv: list[str], speed: float,
            stepping: bool | None) -> tuple[float, float]:
    """(CPU seconds, wall seconds to the done event) of one run, which must end ok."""
    cpu, began = cpu_seconds(), time.monotonic()
    run = start_lab(program, argv, speed, stepping=stepping)
    try:
        while True:
            event = run.events.get(timeout=120)
            if event.kind == "done":
                if event.data["status"] != "ok":
                    raise RuntimeError(f"the run failed: {event.text}")
                wall = time.monotonic() - began
                break
    finally:
        run.stop()
        run.join(10)   # reaped: its CPU time is counted now
    return cpu_seconds() - cpu, wall


def main() -> None:
    print(f"{'lesson':<10} {'':>4} {'Step off':>10} {'no machinery':>13} {'ratio':>7}"
          f" {'goal':>6}  (median of {ROUNDS}, in turns)")
    for name, (program, argv, speed) in cases().items():
        for stepping in WAYS.values():
            one_run(program, argv, speed, stepping)   # warm-up: file cache, bytecode
        runs: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
        for round_ in range(ROUNDS):
            order = list(WAYS.items())
            for way, stepping in order[::-1] if round_ % 2 else order:   # first in turns too
                runs[way].append(one_run(program, argv, speed, stepping))
        for i, what in enumerate(("cpu", "wall")):
            off, none = (statistics.median(r[i] for r in runs[way]) for way in WAYS)
            ratio = statistics.median(a[i] / b[i] for a, b in
                                      zip(*runs.values(), strict=True))
            verdict = ("ok" if ratio <= GOAL else "OVER") if what == "cpu" else ""
            goal = f"{GOAL:>5.2f}x" if what == "cpu" else ""
            print(f"{name if what == 'cpu' else '':<10} {what:>4} {off * 1000:>7.0f} ms"
                  f" {none * 1000:>10.0f} ms {ratio:>6.3f}x {goal:>6}  {verdict}")
