"""Take screenshots of the running app, one per lesson, mid-run.

    python scripts/screenshot.py [LESSON ...]

Starts its own virtual screen (Xvfb) unless DISPLAY is set, opens the real
app, presses Run on each lesson's tab, lets it work for a moment and saves
``docs/screenshots/<lesson>.png``. The mutex shot is also ``docs/screenshot.png``.

It then does the same in a window as big as a 1366x768 laptop leaves after a
panel and a title bar (1366x700 in all, menu bar included) and saves
``docs/screenshots/1366x768/<lesson>.png``.

One more scene, ``step_challenge``, shows a challenge in progress: the mutex
lesson in step mode with the lock on and three threads, chosen line by line
(as a learner would, one actor at a time) until thread-0 holds the lock and
the two others are blocked at ``with guard:``, each saying whom it waits for.
An earlier run with the lock off has ticked the lost update, as a learner's
first run would; the last choice is a blocked thread, refused with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
# (folder under OUT, window size without the menu bar): the README's size, then a
# 1366x768 laptop's (a 32-px panel, a 36-px title bar and our 32-px menu bar off).
SIZES = (("", (1260, 740)), ("1366x768", (1366, 668)))
SCREEN = "1366x800x24"   # room for both

# Parameters that keep each lesson busy while the picture is taken, and how
# long to let it run first (seconds). The file scan is the exception: its
# walk of this checkout is over in well under a second, and the table and
# histogram it then shows are the picture worth having.
SCENES = {
    "filescan": ({"root": str(ROOT)}, 1.5),
    "mutex": ({"threads": 5, "lines": 40, "delay": 0.2}, 2.5),
    # A deadlock that lasts (patience 0): the cycle drawn, its challenge ticked.
    "deadlock": ({"hold": 0.3, "patience": 0.0}, 1.5),
    "thread_queue": ({}, 2.5),
    "mp_queue": ({}, 3.0),
    "pipes": ({"messages": 20, "pause": 0.6}, 2.7),
    "signals": ({"interval": 1, "alarms": 8}, 3.6),
    "sockets": ({"clients": 5, "size": 150000, "delay": 0.25}, 1.25),
}


#: The scene that is not a lesson's plain run (take_step_challenge).
STEP_SCENE = "step_challenge"


def start_display() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY"):
        return None
    if not shutil.which("Xvfb"):
        sys.exit("error: no DISPLAY and no Xvfb; install it with: sudo apt-get install xvfb")
    display = ":97"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", SCREEN, "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["DISPLAY"] = display
    time.sleep(1.0)
    return server


def pump(app, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.update()
        time.sleep(0.01)


def grab(app, path: Path) -> None:
    from PIL import ImageGrab
    app.update()
    x, y = app.winfo_rootx(), app.winfo_rooty()
    w, h = app.winfo_width(), app.winfo_height()
    image = ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=os.environ["DISPLAY"])
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)}")


def take_shots(names: list[str], size: tuple[int, int], folder: Path) -> None:
    """One window of ``size``; each chosen lesson's picture, mid-run, into ``folder``."""
    from gui.app import App
    app = App()
    try:
        if app.winfo_screenwidth() < size[0] or app.winfo_screenheight() < size[1]:
            print(f"skipped the {size[0]}x{size[1]} shots: the screen is only "
                  f"{app.winfo_screenwidth()}x{app.winfo_screenheight()}")
            return
        app.geometry(f"{size[0]}x{size[1]}+0+0")
        pump(app, 0.5)
        chosen = names or [*(lesson_id for lesson_id in SCENES if lesson_id in app.tabs),
                           STEP_SCENE]
        for lesson_id in chosen:
            if lesson_id == STEP_SCENE:
                take_step_challenge(app, folder)
                continue
            if lesson_id not in app.tabs:
                print(f"skipped {lesson_id}: no such lesson in this build")
                continue
            values, wait = SCENES.get(lesson_id, ({}, 2.0))
            tab = app.select(lesson_id)
            tab.form.set_values(values)
            tab.start_run()
            pump(app, wait)
            grab(app, folder / f"{lesson_id}.png")
            if lesson_id == "mutex" and folder == OUT:
                shutil.copyfile(OUT / "mutex.png", ROOT / "docs" / "screenshot.png")
            tab.stop_run()
            pump(app, 0.5)
    finally:
        app.close()


def pump_until(app, done, what: str, limit: float = 30.0) -> None:
    """Let the window work until ``done()``; a clear error after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"error: no {what} within {limit:g} s")
        app.update()
        time.sleep(0.01)


def take_step_challenge(app, folder: Path) -> None:
    """The mutex lesson in step mode, mid-run: see the module docstring."""
    from engine import vocabulary as v
    tab = app.select("mutex")
    tab.form.set_values({"threads": 3, "lines": 2, "delay": 0.0, "lock": False})
    tab.start_run()   # the learner's first try, at full speed: an update is lost
    pump_until(app, lambda: tab.state == "done", "end of the lock-off run")
    tab.form.set_values({"threads": 3, "lines": 2, "delay": 0.0, "lock": True})
    tab.step_var.set(True)
    tab.on_step_toggled()
    tab.start_run()
    workers = ("thread-0", "thread-1", "thread-2")
    with_line = _line_of(tab.lesson.program, "with guard:")

    def board() -> dict[str, dict]:
        return {row[v.ACTOR]: row for row in tab.step_table}

    def settled() -> bool:
        rows = board()
        return bool(rows) and all(r[v.ACTOR_STATE] != v.RUNNING for r in rows.values())

    def ready(actor: str) -> bool:
        return board().get(actor, {}).get(v.ACTOR_STATE) == v.READY

    def holding() -> bool:   # thread-0 inside the block, past its read of the counter
        return ready("thread-0") and board()["thread-0"][v.LINE_NO] >= with_line + 2

    def next_actor() -> str | None:
        """Who the learner picks next, one line at a time, or None: the scene is set."""
        rows = board()
        if not all(w in rows for w in workers) or rows["MainThread"][v.ACTOR_STATE] == v.READY:
            if ready("MainThread"):
                return "MainThread"   # it starts the threads, then waits in join()
        for worker in workers:        # each to the start barrier, and through it
            if ready(worker) and rows[worker][v.LINE_NO] < with_line - 2:
                return worker
        if not holding():
            return "thread-0" if ready("thread-0") else None
        return next((w for w in workers[1:] if ready(w)), None)

    def blocked_at_the_lock(actor: str) -> bool:
        row = board().get(actor, {})
        return row.get(v.ACTOR_STATE) == v.BLOCKED and "held by" in (row.get(v.REASON) or "")

    for _ in range(200):
        pump_until(app, settled, "settled step board")
        if holding() and all(blocked_at_the_lock(w) for w in workers[1:]):
            break
        actor = next_actor()
        if actor is None:   # a thread let through the barrier has yet to reach a line
            before = tab.step_table
            pump_until(app, lambda before=before: tab.step_table is not before, "new board")
            continue
        before = tab.step_table
        tab.choose_actor(actor)
        pump_until(app, lambda before=before: tab.step_table is not before, "new board")
    else:
        raise SystemExit(f"error: the step scene was not reached: {tab.step_table}")
    tab.choose_actor("thread-1")   # refused: the status line says why
    pump(app, 0.3)
    grab(app, folder / f"{STEP_SCENE}.png")
    tab.stop_run()
    pump_until(app, lambda: tab.state == "done", "end of the stepped run")
    tab.step_var.set(False)
    tab.on_step_toggled()


def _line_of(path: str, text: str) -> int:
    with open(path, encoding="utf-8") as f:
        return next(n for n, line in enumerate(f, 1) if line.strip().startswith(text))


def main(names: list[str]) -> int:
    # Fresh default settings (theme, zoom, parameters), and the person's own
    # settings file left alone.
    os.environ["PYSYSLAB_CONFIG_DIR"] = tempfile.mkdtemp(prefix="pysyslab-shots-")
    server = start_display()
    try:
        for folder, size in SIZES:
            take_shots(names, size, OUT / folder if folder else OUT)
    finally:
        shutil.rmtree(os.environ["PYSYSLAB_CONFIG_DIR"], ignore_errors=True)
        if server is not None:
            server.terminate()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
