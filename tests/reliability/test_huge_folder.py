"""Stop inside one huge folder (issue 13, point 5).

Stop and progress used to be looked at only between folders, so in one folder
of a million files Ctrl+C took about 4 s on the command line and Stop about as
long in the window. Now the walk looks at the clock every CHECK_EVERY entries
of a folder (never per file), so it reports progress from inside a big
folder and stops there.

Each test scans one folder of TOTAL empty ``.py`` files (made once, in
/dev/shm when there is one) whose listing is held (tests/hugefolder.py):
paced, so progress is reported from inside the folder, and halted at entry
HOLD_AT until Stop has been asked. Stop is asked from the first progress
event that comes from inside the folder (fewer matches than the folder
holds). A walk that checks only between folders then reads the whole folder
anyway; the result must be partial instead, and the run must end.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from engine import start
from tests import hugefolder
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of
from tests.reliability.lessons import REPO

TOTAL = 500_000
HOLD_AT = TOTAL // 2


@pytest.fixture(scope="module")
def huge():
    folder = hugefolder.make(TOTAL)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def inside(folder: str, data: dict) -> bool:
    """Is this progress report from inside ``folder``, before its end?"""
    return data["folder"] == folder and data["matches"] < TOTAL


def stop_from_inside(huge: str, stop_asked: threading.Event, **params) -> list:
    """Run filescan on ``huge`` through the engine's run handle and Stop it from
    the first progress event from inside the folder; every event of the run.
    ``stop_asked`` is set once Stop has been asked (it releases the hold)."""
    run = start("filescan", {"root": huge, "top": 5, **params})
    try:
        events = read_until(run, lambda e: e.kind == "progress" and inside(huge, e.data),
                            HANG, "a progress event from inside the huge folder")
        run.stop()
    finally:
        stop_asked.set()
    return events + collect(run, HANG)


def assert_stopped_part_way(events: list) -> None:
    assert events[-1].data["status"] == "stopped", events[-1].text
    result = result_of(events)
    assert result["complete"] is False
    assert result["count"] < TOTAL, "Stop came with half the folder unread, yet it was all read"


def test_stop_inside_a_huge_folder_through_the_run_handle(huge, monkeypatch):
    stop_asked = threading.Event()
    monkeypatch.setattr(os, "scandir", os.scandir)      # put back after the test
    hugefolder.install(huge, HOLD_AT, lambda: stop_asked.wait(HANG))
    assert_stopped_part_way(stop_from_inside(huge, stop_asked))


def test_classic_walk_stops_inside_a_huge_folder(huge, monkeypatch):
    """os.walk reads the whole listing before it yields it; the classic loop over
    its names (an os.path.getsize per match) is what is held here."""
    stop_asked = threading.Event()
    getsize = hugefolder.hold_calls(os.path.getsize, HOLD_AT,
                                     lambda: stop_asked.wait(HANG))
    monkeypatch.setattr(os.path, "getsize", getsize)
    assert_stopped_part_way(stop_from_inside(huge, stop_asked, classic=True))


# The command line, with the listing held as above. Stop is asked by the CLI's own
# SIGINT handler (run.stop() sets the run's Control); the hold lets the walk go on
# once it has been.
HELD_CLI = """
import sys, threading
import engine.cli, engine.control
from tests import hugefolder
from tests.bounds import HANG

stop_asked = threading.Event()
ask = engine.control.Control.set

def ask_and_tell(control):
    ask(control)
    stop_asked.set()

engine.control.Control.set = ask_and_tell
hugefolder.install({folder!r}, {hold_at}, lambda: stop_asked.wait(HANG))
sys.exit(engine.cli.main(["run", "filescan", "--root", {folder!r}, "--top", "5", "--json"]))
"""


def test_ctrl_c_inside_a_huge_folder_on_the_command_line(huge):
    code = HELD_CLI.format(folder=huge, hold_at=HOLD_AT)
    cli = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, start_new_session=True)  # as in a terminal
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in cli.stdout] + [lines.put(b"")])
    reader.start()
    events = []
    try:
        while True:
            line = lines.get(timeout=HANG)
            assert line, f"the command ended before reporting progress from inside the folder: " \
                         f"{[e['kind'] for e in events]}"
            events.append(json.loads(line))
            if events[-1]["kind"] == "progress" and inside(huge, events[-1]["data"]):
                break
        os.killpg(cli.pid, signal.SIGINT)                # Ctrl+C
        assert cli.wait(HANG) == 130, cli.stderr.read().decode(errors="replace")
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        reader.join()
        cli.stdout.close()
        cli.stderr.close()
    while (line := lines.get_nowait()):
        events.append(json.loads(line))
    result = [e for e in events if e["kind"] == "result"][-1]["data"]
    assert result["complete"] is False
    assert result["count"] < TOTAL, "Ctrl+C came with half the folder unread, yet it was all read"
