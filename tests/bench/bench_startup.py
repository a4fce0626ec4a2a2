"""Time to the first drawn window and to ready, from source and from the executables,
beside a floor: a one-label ttkbootstrap app frozen the same way.

"First drawn window": the moment X has mapped the app's root window and Tk has
then finished every pending redraw. "Ready": the visible lesson's widgets are
built and drawn too (the app builds them before its first draw, which is then
also ready): the learner can use the window from then on. The app notes the wall-clock time of
each moment in the file named by ``$PYSYSLAB_READY_FILE`` (see
gui/firstdraw.py); the times counted here run from just before the program is
started.

The floor (``floor_app.py``: a window with one label, in our theme) is what
any ttkbootstrap app pays: Python or the executable starting, ttkbootstrap
imported, the theme built, one draw. It is frozen by the app's own recipe
(``floor.spec`` runs build.spec with only the entry script swapped) into
build/bench-floor/, built here when missing or older than what it is built
from. The ratio ready/floor is what our own code adds.

Each start is timed 5 times (median), after one warm-up start that fills the
file cache, every kind taken in turns so that they share the same machine
load. Every run is on a virtual screen of our own (Xvfb) and ends with SIGTERM.
The app's executables not built yet are skipped (``make bench`` builds the
onedir one first; ``make exe-onefile`` the other).
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
GOAL_READY_S = 0.40          # onedir, ready (issue 17)
GOAL_READY_VS_FLOOR = 1.2    # onedir, ready / the floor's ready, same run (issue 17)
GOAL_ONEFILE_DRAW_S = 1.0    # onefile, first draw
GOAL_ONEFILE_MB = 25
ONEDIR = ROOT / "dist" / "pysyslab"
ONEFILE = ROOT / "dist" / "onefile" / "pysyslab"
HERE = Path(__file__).resolve().parent
FLOOR_DIR = ROOT / "build" / "bench-floor"
FLOOR_EXE = FLOOR_DIR / "pysyslab" / "pysyslab"
# What the frozen floor is built from: newer than the build, it is built again.
FLOOR_INPUTS = (HERE / "floor_app.py", HERE / "floor.spec", ROOT / "build.spec",
                ROOT / "gui" / "themes.py", ROOT / "gui" / "firstdraw.py",
                ROOT / ".venv" / ".installed")


def build_floor() -> str:
    """Freeze the floor unless a build newer than its inputs is there; say which."""
    if FLOOR_EXE.is_file():
        built = FLOOR_EXE.stat().st_mtime
        if all(not p.exists() or p.stat().st_mtime <= built for p in FLOOR_INPUTS):
            return f"floor: {FLOOR_EXE.relative_to(ROOT)} (built before)"
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    print("building the floor (PyInstaller, onedir)...", flush=True)
    subprocess.run([str(pyinstaller), "--noconfirm", "--log-level", "ERROR",
                    "--distpath", str(FLOOR_DIR), "--workpath", str(FLOOR_DIR / "work"),
                    str(HERE / "floor.spec")], cwd=ROOT, check=True)
    FLOOR_EXE.touch()   # (PyInstaller may keep the old file's time when nothing changed)
    return f"floor: {FLOOR_EXE.relative_to(ROOT)} (built now)"


def commands() -> tuple[dict[str, list[str]], list[str]]:
    found = {"source": [sys.executable, "-m", "gui"],
             "floor-src": [sys.executable, "-m", "tests.bench.floor_app"]}
    skipped = []
    for name, exe, target in (("onedir", ONEDIR / "pysyslab", "make exe"),
                              ("onefile", ONEFILE, "make exe-onefile")):
        if exe.is_file():
            found[name] = [str(exe)]
        else:
            skipped.append(f"{name}: not built, skipped (build it with `{target}`)")
    found["floor"] = [str(FLOOR_EXE)]
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


def verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else "not met"


def print_goals(ready: dict[str, float], drawn: dict[str, float]) -> None:
    print("goals:")
    if "onedir" in ready:
        print(f"  onedir ready            {ready['onedir']:6.3f} s   goal <= "
              f"{GOAL_READY_S:.2f} s   {verdict(ready['onedir'], GOAL_READY_S)}")
        ratio = ready["onedir"] / ready["floor"]
        print(f"  onedir ready / floor    {ratio:6.2f}x    goal <= {GOAL_READY_VS_FLOOR:.1f}x"
              f"     {verdict(ratio, GOAL_READY_VS_FLOOR)}   "
              f"({ready['onedir']:.3f} s / {ready['floor']:.3f} s)")
    if "onefile" in drawn:
        print(f"  onefile first draw      {drawn['onefile']:6.3f} s   goal <= "
              f"{GOAL_ONEFILE_DRAW_S:.2f} s   {verdict(drawn['onefile'], GOAL_ONEFILE_DRAW_S)}")
    print(f"  (from source: ready / floor {ready['source'] / ready['floor-src']:.2f}x, "
          f"{ready['source']:.3f} s / {ready['floor-src']:.3f} s)")


def load_line(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def main() -> None:
    print(build_floor())
    print(load_line("at the start"))
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
                if not name.startswith("floor"):   # (the floor has no --help: a window)
                    helps[name].append(help_time(command))
    print(f"time to the first drawn window and to ready, median of {RUNS} "
          "(after one warm-up start)")
    print(f"{'start':<10} {'drawn':>7} {'ready':>9} {'min':>7} {'max':>7} {'vs floor':>9}"
          f"   {'--help':>7}")
    drawn_median = {name: statistics.median(values) for name, values in times.items()}
    ready_median = {name: statistics.median(values) for name, values in readies.items()}
    for name in found:
        floor = ready_median["floor-src" if name in ("source", "floor-src") else "floor"]
        helped = f"{statistics.median(helps[name]):5.3f} s" if helps[name] else ""
        print(f"{name:<10} {drawn_median[name]:5.3f} s {ready_median[name]:7.3f} s "
              f"{min(readies[name]):5.3f} s {max(readies[name]):5.3f} s "
              f"{ready_median[name] / floor:8.2f}x   {helped:>7}")
    print("(ready: the visible lesson's widgets built and drawn too; the window's first "
          "draw has them, and the status bar's speed slider and theme switch follow. "
          "min, max: of ready.\n"
          " floor: one label in our theme, frozen as the app is; floor-src: the same from "
          "source. vs floor: ready / floor-src's ready from source, / floor's for the "
          "executables.\n"
          " --help: the same program started and its modules imported, with no window)")
    print_goals(ready_median, drawn_median)
    print(load_line("at the end"))
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
