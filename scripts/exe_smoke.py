"""Smoke-test the built executable as a person would use it (``make exe-smoke``).

1. ``pysyslab --self-test`` with no display at all: must exit 0.
2. On a virtual screen of its own (Xvfb): start the executable, wait for the
   window titled "PySysLab", press F5 (the app's Run shortcut) on a lesson
   with child processes, then Ctrl+Q (the app's Quit) while the lesson runs.
   Then all of it once more, ending the app with SIGTERM instead.
3. Each time the app must exit with status 0, and no process of it may be
   left: neither one seen while it ran, nor any other process of this executable.

    python scripts/exe_smoke.py [--exe dist/pysyslab/pysyslab] [--lesson ID]

Exit status 0 if every step passes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.desktop import (  # noqa: E402
    RunningApp,
    VirtualScreen,
    is_zombie,
    lesson_with_children,
    press,
)


def say(text: str) -> None:
    print(f"exe-smoke: {text}", flush=True)


def self_test(exe: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    started = time.monotonic()
    done = subprocess.run([str(exe), "--self-test"], env=env, capture_output=True, text=True,
                          timeout=300)
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.rstrip())
        raise SystemExit(f"exe-smoke: FAIL --self-test exited {done.returncode}")
    say(f"--self-test with no DISPLAY passed in {time.monotonic() - started:.1f} s")


def processes_of(exe: Path) -> list[str]:
    """Every running process of this executable (as `pgrep -f EXE` would find them)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if cmdline and Path(cmdline[0]).resolve() == exe and not is_zombie(proc):
            found.append(f"{proc.pid} {' '.join(cmdline)[:120]}")
    return found


def end_to_end(exe: Path, lesson: str, log_path: Path, close: str) -> None:
    """Start, run ``lesson`` with F5, end the app mid-run by ``close``; check what is left."""
    already = processes_of(exe)
    if already:
        raise SystemExit(f"exe-smoke: FAIL the executable is already running: {already}")
    with VirtualScreen() as screen:
        app = RunningApp([str(exe), "--lesson", lesson], screen.display, log_path)
        started = time.monotonic()
        app.start()
        try:
            window = app.wait_window()
            say(f"window 'PySysLab' ({window}) on {screen.display} after "
                f"{time.monotonic() - started:.2f} s")
            seen = app.run_current_lesson(want_children=lesson != "mutex")
            say(f"F5 ran the {lesson} lesson: {seen}")
            if close == "ctrl+q":
                press(window, "ctrl+q", display=screen.display)  # File > Quit
            else:
                app.proc.send_signal(signal.SIGTERM)  # as `kill PID` or a logout would
            code = app.wait_exit(timeout=20)
            if code != 0:
                raise SystemExit(f"exe-smoke: FAIL the app exited with {code}\n{app.log()}")
            say(f"{close} mid-run closed the app (exit 0) after "
                f"{time.monotonic() - started:.2f} s; it had {len(app.family.seen)} "
                f"process(es) in all")
            left = app.left_over() + [p for p in processes_of(exe) if p not in already]
            if left:
                raise SystemExit("exe-smoke: FAIL processes left behind:\n  " + "\n  ".join(left))
            say("no process of the app is left")
        finally:
            app.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", default=str(ROOT / "dist" / "pysyslab" / "pysyslab"))
    parser.add_argument("--lesson", default=None,
                        help="the lesson to run (default: one with child processes)")
    args = parser.parse_args(argv)
    exe = Path(args.exe).resolve()
    if not exe.is_file():
        print(f"exe-smoke: FAIL no executable at {exe} (run `make exe` first)")
        return 1
    lesson = args.lesson or lesson_with_children()
    self_test(exe)
    with tempfile.TemporaryDirectory(prefix="exe-smoke-") as tmp:
        for close in ("ctrl+q", "SIGTERM"):
            end_to_end(exe, lesson, Path(tmp) / "app.log", close)
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
