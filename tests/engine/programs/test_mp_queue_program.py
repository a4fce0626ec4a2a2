"""The mp_queue lesson as a plain program: alone in a terminal, and watched by the lab."""

import json
import os
import re
import signal

import psutil
import pytest

from engine import start
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson
from tests.engine.proctools import left_behind, run_cli
from tests.engine.programs import lesson_runs as lesson
from tests.platforms import needs

SUMMARY = re.compile(r"(\d+) names produced, (\d+) consumed: (\d+) never consumed, "
                     r"(\d+) consumed twice")
STARTED = re.compile(r"main pid (\d+) started (\d+) processes: \[([\d, ]+)\]")
SMALL = ("--producers", "2", "--consumers", "3", "--names", "3", "--delay", "0.05")


def started_pids(lines: list[str]) -> list[int]:
    """The children's PIDs, as the main process printed them."""
    found = [STARTED.fullmatch(line) for line in lines if STARTED.fullmatch(line)]
    assert len(found) == 1, lines[:5]
    return [int(pid) for pid in found[0].group(3).split(", ")]


def assert_each_line_names_a_child(lines: list[str], pids: list[int]) -> None:
    """Every worker line says which process it is, with a PID the main process started."""
    for line in lines:
        worker = re.match(r"(producer|consumer)-\d+ pid (\d+) ", line)
        if worker:
            assert int(worker.group(2)) in pids, (line, pids)


@pytest.mark.parametrize("start", ["default", "spawn"])
def test_alone_every_name_is_consumed_once(start):
    args = ("--start", start, *SMALL) if start != "default" else ()
    done = lesson.run_alone("mp_queue", *args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    names = 6 if args else 12   # the defaults: 3 producers of 4 names each
    assert lesson.summary(SUMMARY, lines) == (names, names, 0, 0)
    pids = started_pids(lines)
    assert len(set(pids)) == (5 if args else 9)
    assert_each_line_names_a_child(lines, pids)


def test_help_lists_every_setting_and_bad_values_exit_2():
    lesson.assert_help_lists_every_setting("mp_queue")
    lesson.assert_bad_value_exits_2("mp_queue", "--producers")
    lesson.assert_bad_value_exits_2("mp_queue", "--start")


def test_the_program_holds_no_plumbing():
    lesson.assert_no_plumbing("mp_queue")


@pytest.mark.parametrize("start", ["default", "spawn"])
def test_in_the_lab_every_child_is_followed_and_ends_on_its_sentinel(start):
    events = lesson.run_in_lab("mp_queue", "--start", start, *SMALL)
    lesson.assert_ok(events)
    pids = started_pids(lesson.outputs(events, "MainThread"))
    # The lab follows every child (spawn: multiprocessing's resource tracker too).
    followed = {e.pid for e in events if e.kind == "process" and e.data["role"] != "root"}
    assert set(pids) <= followed, (pids, followed)
    actors = {e.actor for e in events if e.kind == "output"}
    for n, pid in enumerate(pids):
        name = f"consumer-{n}" if n < 3 else f"producer-{n - 3}"
        assert f"{name} pid {pid}" in actors, (name, pid, actors)
    for n in range(3):
        said = lesson.outputs(events, f"consumer-{n} pid {pids[n]}")
        assert said[-1] == f"consumer-{n} pid {pids[n]} got the sentinel: ending", said
    assert lesson.summary(SUMMARY, lesson.outputs(events)) == (6, 6, 0, 0)


def test_in_the_lab_the_daemon_shortcut_ends_with_its_consumers_still_waiting():
    # Daemon consumers wait in get() for ever; the program ends anyway and
    # multiprocessing terminates them on its way out.
    events = lesson.run_in_lab("mp_queue", "--shutdown", "daemon", *SMALL)
    lesson.assert_ok(events)
    assert not any("sentinel" in line for line in lesson.outputs(events))
    produced, consumed, missing, twice = lesson.summary(SUMMARY, lesson.outputs(events))
    assert produced == 6 and consumed + missing == 6 and twice == 0


def test_stop_ends_every_process_and_leaves_nothing():
    lesson.stop_in_lab("mp_queue", "--delay", "5", "--names", "40")


# --- through the engine, as the window and the CLI run it ---------------------------------

def test_through_the_engine_the_result_has_every_key_the_readme_lists():
    events = run_lesson("mp_queue", {"producers": 2, "consumers": 2, "names": 3,
                                     "delay": 0.05}, speed=10)
    result = result_of(events)
    assert (result["produced"], result["consumed"], result["missing"], result["twice"]) \
        == (6, 6, 0, 0)
    assert len(result["pids"]) == 4
    assert set(result["exitcodes"].values()) == {0}
    # Each process is one actor, "<Process name> pid N", from its first event on.
    began = {e.actor for e in events if e.kind == "process" and e.data["role"] != "root"}
    assert began == {f"{name} pid {pid}" for name, pid in
                     zip(["consumer-0", "consumer-1", "producer-0", "producer-1"],
                         result["pids"], strict=True)}
    assert events[-1].data["status"] == "ok"


@needs("signal.SIGKILL")
@pytest.mark.parametrize("victim", ["consumer-1", "producer-1"])
def test_a_worker_killed_mid_run_is_reported_the_run_ends_and_nothing_is_left(victim):
    run = start("mp_queue", {"producers": 2, "consumers": 3, "names": 40, "delay": 5.0})
    try:
        seen = read_until(run, lambda e: e.kind == "process"
                          and e.actor.startswith(f"{victim} pid "), HANG, victim)
        pid = seen[-1].pid
        family = psutil.Process(run.pid).children(recursive=True) + [psutil.Process(run.pid)]
        os.kill(pid, signal.SIGKILL)
        events = seen + collect(run, HANG)   # ends long before the producers would
    finally:
        run.stop()
        run.join(HANG)
    actor = f"{victim} pid {pid}"
    assert events[-1].data["died"] == [{"actor": actor, "pid": pid, "how": "killed"}]
    errors = [e.text for e in events if e.kind == "error"]
    assert errors == [f"{actor} ended without finishing: killed from outside?"]
    # The program saw it too, and ended the rest itself: no other death.
    assert f"{actor} ended with exit code -9" in lesson.outputs(events, "MainThread")
    # ...and said that its work failed: exit status 1, one line on stderr, no figures.
    assert events[-1].data["exit_code"] == 1 and events[-1].data["status"] == "error"
    assert "error: 1 worker process(es) ended badly: the counts are not whole" in \
        [e.text for e in events if e.kind == "output" and e.data.get("stream") == "stderr"]
    assert not [e for e in events if e.kind == "result"]
    assert left_behind(family, wait=HANG) == []


def test_cli_json_result_and_no_process_left_after_exit(tmp_path):
    status, output, seen = run_cli(
        ["run", "mp_queue", "--json", "--producers", "2", "--consumers", "2", "--names", "3",
         "--delay", "0.2", "--speed", "10"], tmp_path / "out.jsonl")
    assert status == 0, output
    rows = [json.loads(line) for line in output.splitlines()]
    result = next(r for r in rows if r["kind"] == "result")["data"]
    assert result["produced"] == result["consumed"] == 6
    assert {p.pid for p in seen} >= set(result["pids"])
    assert left_behind(seen, wait=15.0, zombies=False) == []
