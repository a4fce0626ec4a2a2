"""Time to the first drawn window, from source and from the two executables.

"First drawn window": the moment X has mapped the app's root window and Tk has
then finished every pending redraw. "Ready": the visible lesson's widgets are
built and drawn too (the app builds them right after its first draw). The app
notes the wall-clock time of each moment in the file named by
``$PYSYSLAB_READY_FILE`` (see gui/firstdraw.py); the times counted here run
from just before the program is started.

Each start is timed 5 times (median), after one warm-up start that fills the
file cache, the three kinds taken in turns so that they share the same machine
load. Every run is on a virtual screen of our own (Xvfb) and ends with SIGTERM.
Executables not built yet are skipped (``make exe``, ``make exe-onefile``).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.desktop import ROOT, ProcessFamily, VirtualScreen

RUNS = 5
GOALS_S = {"onedir": 0.4, "onefile": 1.0}
GOAL_ONEFILE_MB = 25
ONEDIR = ROOT / "dist" / "pysyslab"
ONEFILE = ROOT / "dist" / "onefile" / "pysyslab"


def commands() -> tuple[dict[str, list[str]], list[str]]:
    found = {"source": [sys.executable, "-m", "gui"]}
    skipped = []
    for name, exe, target in (("onedir", ONEDIR / "pysyslab", "make exe"),
                              ("onefile", ONEFILE, "make exe-onefile")):
        if exe.is_file():
            found[name] = [str(exe)]
        else:
            skipped.append(f"{name}: not built, skipped (build it with `{target}`)")
    return found, skipped


def first_window(command: list[str], display: str, marker: Path,
                 timeout: float = 30) -> tuple[float, float]:
    """Start the app once; seconds from start to its first drawn window, and to ready
    (the visible lesson built and drawn too)."""
    marker.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=display, PYSYSLAB_READY_FILE=str(marker))
    started = time.time()
    output = marker.with_suffix(".log")
    with open(output, "wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
    family = ProcessFamily.of(proc.pid)
    try:
        deadline = time.monotonic() + timeout
        while not (marker.exists() and len(marker.read_text().split()) == 2):
            if proc.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {proc.returncode} before "
                                   f"drawing its window:\n{output.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]}: no window within {timeout:.0f} s")
            time.sleep(0.002)
        drawn, ready = map(float, marker.read_text().split())
        proc.send_signal(signal.SIGTERM)  # the app closes itself on SIGTERM
        proc.wait(15)
    finally:
        if proc.poll() is None:
            family.kill_all()
            proc.wait()
    return drawn - started, ready - started


def help_time(command: list[str]) -> float:
    """Seconds for ``--help``: starting the program and importing the app, no window."""
    started = time.perf_counter()
    subprocess.run([*command, "--help"], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    found, skipped = commands()
    times: dict[str, list[float]] = {name: [] for name in found}
    readies: dict[str, list[float]] = {name: [] for name in found}
    helps: dict[str, list[float]] = {name: [] for name in found}
    with VirtualScreen() as screen, tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "ready"
        for command in found.values():  # warm-up: fill the file cache
            first_window(command, screen.display, marker)
        for _ in range(RUNS):
            for name, command in found.items():
                drawn, ready = first_window(command, screen.display, marker)
                times[name].append(drawn)
                readies[name].append(ready)
                helps[name].append(help_time(command))
    print(f"time to the first drawn window, median of {RUNS} (after one warm-up start)")
    source = statistics.median(times["source"])
    print(f"{'start':<9} {'median':>8} {'min':>7} {'max':>7} {'vs source':>10} {'goal':>8}"
          f"   {'ready':>7}   {'--help':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        goal = f"<= {GOALS_S[name]:.1f} s" if name in GOALS_S else ""
        print(f"{name:<9} {median:>6.3f} s {min(values):>5.3f} s {max(values):>5.3f} s "
              f"{median / source:>9.2f}x {goal:>8}   {statistics.median(readies[name]):5.3f} s"
              f"   {statistics.median(helps[name]):5.3f} s")
    print("(ready: the visible lesson's widgets built and drawn too; the window draws its "
          "menu, tabs and status line first, then builds the rest.\n --help: the same "
          "program started and its modules imported, with no window)")
    for line in skipped:
        print(line)
    print("sizes (MB = 10^6 bytes):")
    if ONEDIR.is_dir():
        print(f"  onedir  {size_of(ONEDIR) / 1e6:6.1f} MB  ({ONEDIR.relative_to(ROOT)}/)")
    if ONEFILE.is_file():
        mb = size_of(ONEFILE) / 1e6
        print(f"  onefile {mb:6.1f} MB  ({ONEFILE.relative_to(ROOT)}; goal <= "
              f"{GOAL_ONEFILE_MB} MB)")


if __name__ == "__main__":
    main()
