"""The thread_queue lesson as a plain program: alone in a terminal, and watched by the lab."""

import json
import re
import subprocess
import sys

from engine import vocabulary as v
from tests.bounds import HANG
from tests.engine.helpers import result_of, run_lesson
from tests.engine.programs import lesson_runs as lesson

SUMMARY = re.compile(r"(\d+) messages produced, (\d+) consumed: (\d+) never consumed, "
                     r"(\d+) consumed twice")
FAST = ("--delay", "0.02")


def test_alone_with_defaults_every_message_is_consumed_once():
    done = lesson.run_alone("thread_queue")
    assert done.returncode == 0, done.stderr
    assert lesson.summary(SUMMARY, done.stdout.splitlines()) == (16, 16, 0, 0)


def test_alone_a_queue_of_size_one_still_passes_every_message_once():
    done = lesson.run_alone("thread_queue", "--maxsize", "1", "--producers", "3", *FAST)
    assert done.returncode == 0, done.stderr
    assert lesson.summary(SUMMARY, done.stdout.splitlines()) == (12, 12, 0, 0)


def test_help_lists_every_setting_and_bad_values_exit_2():
    lesson.assert_help_lists_every_setting("thread_queue")
    lesson.assert_bad_value_exits_2("thread_queue", "--producers")
    lesson.assert_bad_value_exits_2("thread_queue", "--shutdown")   # not one of the choices


def test_the_program_holds_no_plumbing():
    lesson.assert_no_plumbing("thread_queue")


def test_in_the_lab_each_consumer_ends_on_its_sentinel_after_every_message():
    events = lesson.run_in_lab("thread_queue", "--producers", "3", "--consumers", "2",
                        "--messages", "4", *FAST)
    lesson.assert_ok(events)
    for me in range(3):
        assert lesson.outputs(events, f"producer-{me}") == [f"producer-{me} put spam {me}.{n}"
                                                     for n in range(4)]
    got = []
    for me in range(2):
        said = lesson.outputs(events, f"consumer-{me}")
        assert said[-1] == f"consumer-{me} got the sentinel: ending", said
        got += [line.split(" got ")[1] for line in said if " got spam " in line]
    assert sorted(got) == sorted(f"spam {p}.{n}" for p in range(3) for n in range(4))
    assert lesson.summary(SUMMARY, lesson.outputs(events, "MainThread")) == (12, 12, 0, 0)


def test_in_the_lab_the_daemon_shortcut_ends_with_its_consumers_still_running():
    # Daemon consumers wait in get() for ever; the program ends anyway, and they with it.
    events = lesson.run_in_lab("thread_queue", "--shutdown", "daemon", "--producers", "2",
                        "--consumers", "2", "--messages", "3", *FAST)
    lesson.assert_ok(events)
    said = lesson.outputs(events, "MainThread")
    assert any(re.fullmatch(r"leaving with \d+ messages in the queue: "
                            r"2 daemon consumers die with the program", line)
               for line in said), said
    assert not any("sentinel" in line for line in lesson.outputs(events))
    produced, consumed, missing, twice = lesson.summary(SUMMARY, said)
    assert produced == 6 and consumed + missing == 6 and twice == 0


def test_stop_ends_consumers_that_wait_for_ever_and_leaves_nothing():
    # The consumers are not daemons and no sentinel comes: only the lab's kill ends them.
    lesson.stop_in_lab("thread_queue", "--delay", "5", "--messages", "500")


# --- through the engine, as the window and the CLI run it ---------------------------------

def test_through_the_engine_lanes_and_depth_come_from_the_probes():
    events = run_lesson("thread_queue", {"producers": 3, "consumers": 1, "messages": 4,
                                         "maxsize": 2, "delay": 0.0}, speed=10)
    result = result_of(events)
    assert (result["produced"], result["consumed"], result["missing"], result["twice"]) \
        == (12, 12, 0, 0)
    depths = [e.data[v.DEPTH] for e in events if e.kind == v.PROBE and v.DEPTH in e.data]
    assert depths and all(0 <= d <= 2 for d in depths)   # a queue of 2 never holds more
    assert 2 in depths                                    # and it was full at times
    # A lane per thread, named as the program names them.
    laned = {e.actor for e in events if e.kind == v.STATE and v.LANE in e.data}
    assert {"consumer-0", "producer-0"} <= laned, laned
    # Producers faster than one consumer fill the queue: some put waits (its lane says
    # so); the main thread's sentinels may wait too.
    waits = {e.actor for e in events if e.kind == v.STATE and e.data.get(v.LANE) == v.WAITING
             and e.data[v.CALL] == "put"}
    assert any(actor.startswith("producer-") for actor in waits), waits
    assert all(actor.startswith("producer-") or actor == "MainThread" for actor in waits)
    assert events[-1].data["status"] == "ok"


def test_cli_json_result():
    out = subprocess.run(
        [sys.executable, "-m", "engine", "run", "thread_queue", "--json", "--speed", "10",
         "--producers", "3", "--messages", "3", "--delay", "0.1"],
        capture_output=True, text=True, timeout=HANG, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    result = [r for r in rows if r["kind"] == "result"][-1]["data"]
    assert result["produced"] == result["consumed"] == 9
    assert (result["missing"], result["twice"]) == (0, 0)
