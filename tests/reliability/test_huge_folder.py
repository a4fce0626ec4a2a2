"""Stop inside one huge folder (issue 13, point 5).

Stop and progress used to be looked at only between folders, so in one folder
of a million files Ctrl+C took about 4 s on the command line and Stop about as
long in the window. The lesson is now a plain program in the lab: Stop is a
KeyboardInterrupt raised in the program's main thread wherever it is, inside a
folder's listing too, and the program keeps what it has found so far; the lab's
progress reports come from its sampler, so they come from inside a folder too.

Each test walks one folder of TOTAL empty ``.py`` files (made once, in /dev/shm
when there is one), run in the lab by tests/held_scan.py: the listing is paced,
and at entry HOLD_AT the walk waits for Ctrl-C, inside the folder with half of
it unread. Stop is asked from the first progress report that names the folder;
the result must be partial, and the run must end, stopped.
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

from engine import vocabulary as v
from tests import held_scan, hugefolder
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


def inside(folder: str, event) -> bool:
    """Is this a progress report from inside ``folder``?"""
    return event.kind == v.PROGRESS and event.data[v.FOLDER] == folder


def stop_from_inside(run, huge: str) -> list:
    """Stop ``run`` once it is held in the huge folder and has said so in a progress
    report; every event of the run."""
    events = read_until(run, lambda e: e.kind == "output" and e.text.startswith("held at"),
                        HANG, "the walk held inside the huge folder")
    if not any(inside(huge, e) for e in events):
        events += read_until(run, lambda e: inside(huge, e), HANG,
                             "a progress report from inside the huge folder")
    run.stop()
    return events + collect(run, HANG)


def assert_stopped_part_way(events: list) -> None:
    assert events[-1].data["status"] == "stopped", events[-1].text
    result = result_of(events)
    assert result["complete"] is False
    assert result["count"] < TOTAL, "Stop came with half the folder unread, yet it was all read"
    said = [e.text for e in events if e.kind == "output"]
    assert any(text.startswith("stopped after 1 folders") for text in said), said


@pytest.mark.parametrize("way", ["parallel", "careful"])
def test_stop_inside_a_huge_folder_through_the_run_handle(huge, monkeypatch, way):
    run = held_scan.start_held({"root": huge, "top": 5, "way": way}, monkeypatch,
                               in_=huge, entry=HOLD_AT)
    assert_stopped_part_way(stop_from_inside(run, huge))


def test_classic_walk_stops_inside_a_huge_folder(huge, monkeypatch):
    """os.walk reads the whole listing before it yields it; the classic loop over
    its names (an os.path.getsize per match) is what is held here."""
    run = held_scan.start_held({"root": huge, "top": 5, "way": "classic"}, monkeypatch,
                               getsize=HOLD_AT)
    assert_stopped_part_way(stop_from_inside(run, huge))


def test_ctrl_c_inside_a_huge_folder_on_the_command_line(huge):
    """``python -m engine run filescan`` (running tests/held_scan.py in the lab), Ctrl+C
    to its process group once the walk is held inside the folder: exit status 130 and
    the partial result in its JSON."""
    code = held_scan.cli_code(["--root", huge, "--top", "5", "--json"])
    cli = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, start_new_session=True,  # as in a terminal
                           env=held_scan.held_env(in_=huge, entry=HOLD_AT))
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in cli.stdout] + [lines.put(b"")])
    reader.start()
    events = []
    try:
        held = False
        while True:
            line = lines.get(timeout=HANG)
            assert line, f"the command ended before the walk was held inside the folder: " \
                         f"{[e['kind'] for e in events]}"
            events.append(json.loads(line))
            event = events[-1]
            held = held or (event["kind"] == "output" and event["text"].startswith("held at"))
            if held and any(e["kind"] == "progress" and e["data"]["folder"] == huge
                            for e in events):
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
