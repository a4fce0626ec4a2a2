"""The filescan lesson's plain programs against GNU find and against today's engine scan.

Run: ``.venv/bin/python scripts/bench_programs_filescan.py [N_FILES ...]`` (default
100000 300000). On the same generated tree (``tests/bench/filescan_tree.py``
makes it once and reuses it), with a warm cache, each contender runs as a whole
program, as a person would start it, interleaved round by round (rotating who
goes first) so all see the same machine load:

- find:      find ROOT -name '*.py' -printf '%s %p\\n'
- find|sort: find ROOT -type f -name '*.py' -printf '%s\\t%p\\n' | sort -n
             (the reference of ``make bench BENCH=filescan``)
- parallel:  python engine/lessons/filescan/program.py --root ROOT   (parallel.py, the default)
- careful:   the same with --way careful (careful.py's walk, one process)
- classic:   the same with --way classic (os.walk + os.path.getsize)
- lab:       the parallel program watched by the lab (python -m engine.lab PROGRAM ...):
             what a run costs once the lesson is switched over to the program
- engine:    python -m engine run filescan --root ROOT --json   (engine/scan.py, workers)
- engine-1p: engine/scan.py's walk kept in one process, as a small program (as
             ``ours-1p`` in tests/bench/bench_filescan.py): the fair match for careful

Printed: median wall time of ROUNDS rounds after one warm-up round (set
PYSYSLAB_BENCH_ROUNDS to change the 3), min and max, peak RSS of the command's
largest process, and each one's ratio against find and against find|sort.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The repository goes on sys.path first, so these imports come after it.
from tests.bench import filescan_tree  # noqa: E402
from tests.bench.bench_filescan import PROGRAM as ENGINE_SCAN  # noqa: E402
from tests.bench.bench_filescan import timed as wall_and_peak  # noqa: E402

PROGRAM = REPO / "engine" / "lessons" / "filescan" / "program.py"
ROUNDS = int(os.environ.get("PYSYSLAB_BENCH_ROUNDS", "3"))


def commands(root: str) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "find": ["find", root, "-name", "*.py", "-printf", "%s %p\n"],
        "find|sort": ["sh", "-c", f"find '{root}' -type f -name '*.py' -printf '%s\\t%p\\n' "
                                  "| sort -n"],
        "parallel": [py, str(PROGRAM), "--root", root],
        "careful": [py, str(PROGRAM), "--root", root, "--way", "careful"],
        "classic": [py, str(PROGRAM), "--root", root, "--way", "classic"],
        "lab": [py, "-m", "engine.lab", str(PROGRAM), "--root", root],
        "engine": [py, "-m", "engine", "run", "filescan", "--root", root, "--json"],
        "engine-1p": [py, "-c", ENGINE_SCAN, root, "one"],
    }


def timed(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB of the command's largest process).

    The peak comes from GNU time when it is there: a child forked from this Python
    process starts with this process's own peak (about 14 MB), so wait4 alone
    cannot see a smaller one, such as find's.
    """
    if not os.path.exists("/usr/bin/time"):
        return wall_and_peak(command)
    with tempfile.NamedTemporaryFile("r") as peak_file:
        seconds, _ = wall_and_peak(["/usr/bin/time", "-f", "%M", "-o", peak_file.name,
                                    *command])
        return seconds, int(peak_file.read().split()[-1])


def bench_tree(n_files: int) -> dict[str, float]:
    root = filescan_tree.tree(n_files)
    runs = commands(root)
    names = list(runs)
    for name in names:                      # warm-up: the cache, and the binaries
        timed(runs[name])
    times: dict[str, list[float]] = {name: [] for name in names}
    peaks: dict[str, list[int]] = {name: [] for name in names}
    for round_no in range(ROUNDS):
        order = names[round_no % len(names):] + names[:round_no % len(names)]
        for name in order:
            seconds, peak = timed(runs[name])
            times[name].append(seconds)
            peaks[name].append(peak)
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"\n{n_files:,} files ({root}), median of {ROUNDS} interleaved rounds after a "
          f"warm-up; load average {os.getloadavg()[0]:.2f} now")
    print(f"  {'':<10} {'median':>8} {'min':>7} {'max':>7} {'peak RSS':>9}"
          f" {'/find':>7} {'/find|sort':>11}")
    for name in names:
        print(f"  {name:<10} {med[name]:>7.3f}s {min(times[name]):>6.3f}s "
              f"{max(times[name]):>6.3f}s {max(peaks[name]) / 1024:>6.1f} MB"
              f" {med[name] / med['find']:>6.2f}x {med[name] / med['find|sort']:>10.2f}x")
    print(f"  careful/engine = {med['careful'] / med['engine']:.2f}x   "
          f"(above 1: the single-process careful walk is slower than today's scan)")
    print(f"  parallel/engine = {med['parallel'] / med['engine']:.2f}x   "
          f"(above 1: the parallel walk is slower than today's scan)")
    print(f"  careful/engine-1p = {med['careful'] / med['engine-1p']:.2f}x   "
          f"(both in one process: the walks themselves)")
    return med


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 300_000]
    print(f"python {sys.version.split()[0]} ({sys.executable}), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    for n in sizes:
        bench_tree(n)


if __name__ == "__main__":
    main()
