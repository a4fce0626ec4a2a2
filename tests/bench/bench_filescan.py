"""The filescan lesson against GNU find and against the classic walk.

For trees of 30k, 100k, 300k and 1M files (made once, reused; see
filescan_tree.py), with a warm cache, every contender runs as a whole program,
as a person would start it, interleaved round by round so all see the same
machine load:

- find:    find ROOT -type f -name '*.py' -printf '%s\\t%p\\n' | sort -n
- ours:    python -m engine run filescan --root ROOT --top 10: the lesson as the
           command line runs it, its program (the parallel way) in the lab
- program: python engine/lessons/filescan/program.py --root ROOT, the same program
           alone, as a learner runs it in a terminal: the lab costs ours - program
- careful: the same with --way careful (one process, os.scandir)
- classic: os.walk + os.path.getsize, every (size, path) in a list, sorted

Printed: median wall time of each (after one warm-up round, 5 rounds), the
ratios to find and to classic, and each one's peak RSS (the largest process of
the command, from wait4). Then the GUI's worst event-loop stall (an after()
heartbeat every 5 ms) while the real tab scans the 300k tree.

- before:  (only with PYSYSLAB_BENCH_BEFORE=CHECKOUT) the same command run from
           another checkout, such as the code before a change
           (``git worktree add /tmp/before REV``): ours/before compares the two in
           the same run, on the same machine

Goals (issues 4, 15 and 17): ours/find <= 1.0 at 30k, <= 0.7 at 300k, <= 0.6 at 1M,
and no worse than before the lesson ran in the lab; <= 40 MB at 1M; stall <= 50 ms.
Set PYSYSLAB_BENCH_SIZES=300000 to run one tree only.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

from tests.bench import filescan_tree

LESSON_PROGRAM = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "engine", "lessons", "filescan", "program.py")

ROUNDS = 5
GOAL_RATIO = {30_000: 1.0, 300_000: 0.7, 1_000_000: 0.6}   # /find, by tree size
GOAL_MB = 40
GOAL_STALL_MS = 50

CLASSIC = r"""
import os, sys
allsizes = []
for (folder, subfolders, files) in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith('.py'):
            path = os.path.join(folder, name)
            allsizes.append((os.path.getsize(path), path))
allsizes.sort()
print(allsizes[:2])
print(allsizes[-2:])
"""

# Peak RSS of the command line's process and of the largest of the lab process and
# its workers (every process below it is waited for), measured apart.
MEMORY = r"""
import resource, sys
from engine.cli import main
code = main(["run", "filescan", "--root", sys.argv[1], "--top", "10"])
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"MEMORY {me} {kids}", file=sys.stderr)
sys.exit(code)
"""


def before_checkout() -> str | None:
    """The other checkout to compare with (PYSYSLAB_BENCH_BEFORE), or None."""
    return os.environ.get("PYSYSLAB_BENCH_BEFORE") or None


def commands(root: str) -> dict[str, list[str]]:
    py = sys.executable
    before = before_checkout()
    return {
        "find": ["sh", "-c", f"find '{root}' -type f -name '*.py' -printf '%s\\t%p\\n' "
                              "| sort -n"],
        "ours": [py, "-m", "engine", "run", "filescan", "--root", root, "--top", "10"],
        "program": [py, LESSON_PROGRAM, "--root", root],
        "careful": [py, LESSON_PROGRAM, "--root", root, "--way", "careful"],
        "classic": [py, "-c", CLASSIC, root],
        # python -m finds engine in the folder it starts in: the other checkout's.
        **({"before": ["sh", "-c", f"cd '{before}' && exec '{py}' -m engine run filescan "
                                   f"--root '{root}' --top 10"]} if before else {}),
    }


def timed(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB of the command's largest process)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({proc.returncode}): {err[-500:]!r}")
    return elapsed, usage.ru_maxrss


def memory_split(root: str) -> tuple[int, int]:
    """Peak RSS (KB) of the command line's process and of the largest process below it."""
    done = subprocess.run([sys.executable, "-c", MEMORY, root], capture_output=True,
                          text=True, check=True)
    line = [x for x in done.stderr.splitlines() if x.startswith("MEMORY ")][-1]
    _, me, kids = line.split()
    return int(me), int(kids)


def fixed_costs() -> None:
    """What each contender costs on an empty folder: start-up and exit only."""
    import tempfile
    with tempfile.TemporaryDirectory() as empty:
        runs = commands(empty)
        times = {name: [] for name in runs}
        for _ in range(ROUNDS):
            for name, command in runs.items():
                times[name].append(timed(command)[0])
    print("on an empty folder (start-up and exit only), median of "
          f"{ROUNDS}: " + ", ".join(f"{name} {statistics.median(v) * 1000:.0f} ms"
                                    for name, v in times.items()))


def bench_tree(n_files: int) -> dict:
    root = filescan_tree.tree(n_files)
    runs = commands(root)
    names = list(runs)
    for name in names:                         # warm-up: the cache, and the binaries
        timed(runs[name])
    times = {name: [] for name in names}
    peaks = {name: [] for name in names}
    for round_no in range(ROUNDS):             # interleaved, rotating who goes first
        order = names[round_no % len(names):] + names[:round_no % len(names)]
        for name in order:
            seconds, peak = timed(runs[name])
            times[name].append(seconds)
            peaks[name].append(peak)
    parent_kb, worker_kb = memory_split(root)
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"\n{n_files:,} files ({root}), {ROUNDS} interleaved rounds after a warm-up, "
          f"median wall time:")
    print(f"  {'':<8} {'median':>8} {'min':>7} {'max':>7} {'peak RSS':>10}")
    for name in names:
        print(f"  {name:<8} {med[name]:>7.3f}s {min(times[name]):>6.3f}s "
              f"{max(times[name]):>6.3f}s {max(peaks[name]) / 1024:>7.1f} MB")
    ratio_find = med["ours"] / med["find"]
    goal = GOAL_RATIO.get(n_files)
    verdict = "no goal at this size" if goal is None else \
        f"goal <= {goal}x: {'met' if ratio_find <= goal else 'NOT met'}"
    print(f"  ours/find    = {ratio_find:.2f}x   ({verdict})")
    print(f"  program/find = {med['program'] / med['find']:.2f}x   (the lesson without the lab)")
    print(f"  careful/find = {med['careful'] / med['find']:.2f}x   (the lesson's one-process way)")
    print(f"  ours/program = {med['ours'] / med['program']:.2f}x   (what the lab and the command "
          "line cost)")
    print(f"  ours/classic = {med['ours'] / med['classic']:.2f}x")
    if "before" in med:
        print(f"  ours/before  = {med['ours'] / med['before']:.2f}x   (above 1: slower than "
              f"{before_checkout()}); before/find = {med['before'] / med['find']:.2f}x")
    print(f"  ours, peak RSS apart: command line {parent_kb / 1024:.1f} MB, the largest of the "
          f"lab and its workers {worker_kb / 1024:.1f} MB, together "
          f"{(parent_kb + worker_kb) / 1024:.1f} MB (goal <= {GOAL_MB} MB)")
    return {"n": n_files, "median": med, "ratio_find": ratio_find}


def gui_stall(n_files: int = 300_000) -> tuple[float, float, float]:
    """(worst gap, median gap in ms, scan seconds) of an after() heartbeat while the
    real filescan tab scans the tree."""
    root_path = filescan_tree.tree(n_files)
    from gui.app import App
    app = App()
    gaps: list[float] = []
    last = [time.perf_counter()]
    pending = [None]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        pending[0] = app.after(5, beat)

    try:
        tab = app.select("filescan")
        tab.form.set_values({"root": root_path, "top": 10})
        app.update()
        tab.run_button.invoke()
        started = time.perf_counter()
        last[0] = started
        pending[0] = app.after(5, beat)
        while tab.state != "done" and time.perf_counter() - started < 120:
            app.update()
            time.sleep(0.001)
        seconds = time.perf_counter() - started
        for _ in range(20):         # the result is drawn after "done": include it
            app.update()
            time.sleep(0.005)
        app.after_cancel(pending[0])
        assert tab.last_status == "ok", tab.last_status
    finally:
        app.close()
    return max(gaps) * 1000, statistics.median(gaps) * 1000, seconds


def main() -> None:
    sizes = [int(s) for s in os.environ.get("PYSYSLAB_BENCH_SIZES",
                                            "30000,100000,300000,1000000").split(",")
             if s.strip()]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    if before_checkout():   # its bytecode too, as ours has it (see tests/bench/__main__.py)
        import compileall
        compileall.compile_dir(os.path.join(before_checkout(), "engine"), quiet=1)
    fixed_costs()
    for n in sizes:
        bench_tree(n)
    screen = None
    if not os.environ.get("DISPLAY"):
        from tests.desktop import VirtualScreen
        screen = VirtualScreen().__enter__()
        os.environ["DISPLAY"] = screen.display
    stall_size = max(min(sizes), 300_000)   # a 30k scan is over before the GUI could stall
    try:
        stalls = [gui_stall(stall_size) for _ in range(3)]
    finally:
        if screen is not None:
            screen.__exit__()
    worst = statistics.median(s[0] for s in stalls)
    print(f"\nGUI during a {stall_size:,}-file scan in the real tab (3 runs, median): "
          f"worst event-loop stall {worst:.1f} ms, median beat "
          f"{statistics.median(s[1] for s in stalls):.1f} ms (5 ms asked), scan "
          f"{statistics.median(s[2] for s in stalls):.2f} s   (goal <= {GOAL_STALL_MS} ms: "
          f"{'met' if worst <= GOAL_STALL_MS else 'NOT met'})")
    print(f"load average {os.getloadavg()[0]:.2f} at the end; this process peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
