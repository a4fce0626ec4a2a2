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
ratios to find and to classic. Then, in a run of its own, the memory of ours:
every process of the command (the command line, the lab process, the scan's
workers), read from /proc every 5 ms (see ``memory_of``). Then the GUI's worst
event-loop stall (an after() heartbeat every 5 ms) while the real tab scans
the 300k tree.

Memory, honestly: ``ru_maxrss`` from wait4 cannot be used. Linux carries a
process's high-water mark across exec, and a child forked (or vforked) from
this benchmark starts with the benchmark's own ~20 MB: every command, even
find, "peaked" at 19.7 MB that way. So the figures are sampled: each
process's own peak (VmHWM, which starts afresh at exec), and, at each sample,
the sum over the live processes of the command of their RSS (pages shared
between them, such as a forked worker's copy of the lab, counted in each) and
of their PSS (each shared page split among the processes that map it: what
the machine pays, the figure the goal is on).

- before:  (only with PYSYSLAB_BENCH_BEFORE=CHECKOUT) the same command run from
           another checkout, such as the code before a change
           (``git worktree add /tmp/before REV``): ours/before compares the two in
           the same run, on the same machine

Goals (issues 4, 15 and 17): ours/find <= 1.0 at 30k, <= 0.7 at 300k, <= 0.6 at 1M,
and ours/before <= 1.0 (no worse than before the lesson ran in the lab) at every
size; <= 40 MB at 1M (PSS of every process of the command together); the
empty-folder run <= 40 ms; stall <= 50 ms.
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
GOAL_MB_AT = 1_000_000          # the tree size the memory goal is on
GOAL_EMPTY_MS = 40              # ours on an empty folder: start-up and exit
GOAL_BEFORE = 1.0               # ours/before, at every size
GOAL_STALL_MS = 50
SAMPLE_EVERY = 0.005            # seconds between two looks at the memory of a command

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


def verdict(value: float, goal: float | None, unit: str = "x") -> str:
    """The words after a figure: its goal and whether it is met."""
    if goal is None:
        return "no goal at this size"
    return f"goal <= {goal:g}{unit}: {'met' if value <= goal else 'NOT met'}"


def _descendants(root: int) -> list[tuple[int, int]]:
    """(pid, depth) of ``root`` (depth 0) and of every process below it, found by their
    parent in /proc/PID/stat."""
    parent_of = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue    # ended meanwhile
            # The name (field 2) may hold spaces and parentheses: split after its ')'.
            parent_of[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
    found, todo = [], [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        found.append((pid, depth))
        todo += [(child, depth + 1) for child, parent in parent_of.items() if parent == pid]
    return found


def _kb(path: str, field: bytes) -> int:
    """One 'Field:  N kB' figure of a /proc file, or 0 if the process has ended."""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def memory_of(command: list[str]) -> dict:
    """Run ``command`` once, looking at its processes every SAMPLE_EVERY seconds.

    Returns each process's peak (VmHWM) by its role (the command line; the lab
    process, its child; the workers, below the lab), and the highest sums over
    the live processes of RSS and of PSS at one moment.
    """
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, int] = {}
    depth_of: dict[int, int] = {}
    rss_sum = pss_sum = 0
    while proc.poll() is None:
        rss = pss = 0
        for pid, depth in _descendants(proc.pid):
            hwm = _kb(f"/proc/{pid}/status", b"VmHWM:")
            if not hwm:
                continue
            depth_of[pid] = depth
            peaks[pid] = max(peaks.get(pid, 0), hwm)
            rss += _kb(f"/proc/{pid}/status", b"VmRSS:")
            pss += _kb(f"/proc/{pid}/smaps_rollup", b"Pss:")
        rss_sum, pss_sum = max(rss_sum, rss), max(pss_sum, pss)
        time.sleep(SAMPLE_EVERY)
    if proc.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({proc.returncode})")
    by_depth = [[peak for pid, peak in peaks.items() if depth_of[pid] == depth]
                for depth in range(3)]
    workers = [peak for pid, peak in peaks.items() if depth_of[pid] >= 2]
    return {"cli": max(by_depth[0], default=0), "lab": max(by_depth[1], default=0),
            "workers": workers, "rss_sum": rss_sum, "pss_sum": pss_sum}


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
    ours = statistics.median(times["ours"]) * 1000
    print(f"  ours on an empty folder = {ours:.0f} ms   "
          f"({verdict(ours, GOAL_EMPTY_MS, ' ms')})")
    if "before" in times:
        ratio = ours / (statistics.median(times["before"]) * 1000)
        print(f"  ours/before  = {ratio:.2f}x   ({verdict(ratio, GOAL_BEFORE)})")


def bench_tree(n_files: int) -> dict:
    root = filescan_tree.tree(n_files)
    runs = commands(root)
    names = list(runs)
    for name in names:                         # warm-up: the cache, and the binaries
        timed(runs[name])
    times = {name: [] for name in names}
    for round_no in range(ROUNDS):             # interleaved, rotating who goes first
        order = names[round_no % len(names):] + names[:round_no % len(names)]
        for name in order:
            times[name].append(timed(runs[name])[0])
    memory = memory_of(runs["ours"])
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"\n{n_files:,} files ({root}), {ROUNDS} interleaved rounds after a warm-up, "
          f"median wall time (load average {os.getloadavg()[0]:.2f} now):")
    print(f"  {'':<8} {'median':>8} {'min':>7} {'max':>7}")
    for name in names:
        print(f"  {name:<8} {med[name]:>7.3f}s {min(times[name]):>6.3f}s "
              f"{max(times[name]):>6.3f}s")
    ratio_find = med["ours"] / med["find"]
    print(f"  ours/find    = {ratio_find:.2f}x   ({verdict(ratio_find, GOAL_RATIO.get(n_files))})")
    print(f"  program/find = {med['program'] / med['find']:.2f}x   (the lesson without the lab)")
    print(f"  careful/find = {med['careful'] / med['find']:.2f}x   (the lesson's one-process way)")
    print(f"  ours/program = {med['ours'] / med['program']:.2f}x   (what the lab and the command "
          "line cost)")
    print(f"  ours/classic = {med['ours'] / med['classic']:.2f}x")
    if "before" in med:
        ratio = med["ours"] / med["before"]
        print(f"  ours/before  = {ratio:.2f}x   ({verdict(ratio, GOAL_BEFORE)}; before is "
              f"{before_checkout()}); before/find = {med['before'] / med['find']:.2f}x")
    workers = memory["workers"]
    print(f"  ours, memory (one more run, sampled every {SAMPLE_EVERY * 1000:g} ms): peak of "
          f"each process: command line {memory['cli'] / 1024:.1f} MB, lab "
          f"{memory['lab'] / 1024:.1f} MB, {len(workers)} worker(s) "
          + (f"{max(workers) / 1024:.1f} MB at most" if workers else "-"))
    pss = memory["pss_sum"] / 1024
    print(f"  ours, all its processes at their fullest moment: RSS {memory['rss_sum'] / 1024:.1f}"
          f" MB (shared pages counted in each), PSS {pss:.1f} MB (what the machine pays)   "
          f"({verdict(pss, GOAL_MB if n_files == GOAL_MB_AT else None, ' MB')})")
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
