"""The mutex lesson as a plain program: alone in a terminal, and watched by the lab."""

import re
import signal
import subprocess
import sys

from tests.engine.helpers import result_of
from tests.engine.programs import lesson_runs as lesson
from tests.engine.steps import Stepper

WHOLE = re.compile(r"\[(\d+)\] => (\d+)")   # one thread's line, and nothing else
SUMMARY = re.compile(r"counter is (\d+), expected (\d+): (\d+) updates lost")


def test_alone_with_the_lock_every_line_is_whole_and_nothing_is_lost():
    done = lesson.run_alone("mutex", "--threads", "4", "--lines", "3")
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.splitlines()
    assert sorted(printed) == sorted(f"[{me}] => {n}" for me in range(4) for n in range(3))
    assert lesson.summary(SUMMARY, [last]) == (12, 12, 0)


def test_alone_with_defaults_it_exits_0():
    done = lesson.run_alone("mutex")
    assert done.returncode == 0, done.stderr
    assert lesson.summary(SUMMARY, done.stdout.splitlines()) == (25, 25, 0)


def test_help_lists_every_setting_and_a_bad_value_exits_2():
    lesson.assert_help_lists_every_setting("mutex")
    lesson.assert_bad_value_exits_2("mutex", "--threads")


def test_the_program_holds_no_plumbing():
    lesson.assert_no_plumbing("mutex")


def test_in_the_lab_with_the_lock_each_thread_prints_its_own_whole_lines():
    events = lesson.run_in_lab("mutex", "--threads", "3", "--lines", "4")
    lesson.assert_ok(events)
    for me in range(3):
        assert lesson.outputs(events, f"thread-{me}") == [f"[{me}] => {n}" for n in range(4)]
    screen = lesson.terminal_lines(events)
    assert all(WHOLE.fullmatch(line) for line in screen[:-1]), screen
    assert lesson.summary(SUMMARY, screen) == (12, 12, 0)
    # The lab counted the terminal's lines that no one thread wrote whole: none.
    assert result_of(events) == {"counter": 12, "expected": 12, "lost_updates": 0,
                                        "garbled_lines": 0}


def test_in_the_lab_without_the_lock_the_terminal_shows_garbled_lines_and_updates_are_lost():
    events = lesson.run_in_lab("mutex", "--threads", "3", "--no-lock")
    lesson.assert_ok(events)
    screen = lesson.terminal_lines(events)
    counter, expected, lost = lesson.summary(SUMMARY, screen)
    # The real screen: some line there is not one thread's line...
    garbled = [line for line in screen if not (WHOLE.fullmatch(line) or SUMMARY.fullmatch(line))]
    assert garbled, screen
    assert lost > 0 and counter == expected - lost and expected == 15
    # ...and the lab counted the garbled lines of that very screen: those at least (a
    # line may look whole and still be cut: "[0] " of one thread, "=> 1" of another).
    figures = result_of(events)
    assert len(garbled) <= figures["garbled_lines"] <= expected, (figures, screen)
    assert (figures["counter"], figures["lost_updates"]) == (counter, lost)
    for me in range(3):   # each thread's own pieces still come from that thread
        assert lesson.outputs(events, f"thread-{me}"), f"no output from thread-{me}"


def test_stop_ends_the_threads_and_leaves_nothing():
    events = lesson.stop_in_lab("mutex", "--threads", "50", "--lines", "200")
    # 10,000 lines, each holding the lock for two sleeps of 1 ms at least: far from
    # done. A summary (if the threads left within the grace) counts only what ran.
    for line in lesson.outputs(events):
        found = SUMMARY.fullmatch(line)
        if found:
            counter, expected, lost = map(int, found.groups())
            assert expected < 10_000 and lost == 0 and counter == expected


def stop_after_a_few_lines(*argv: str) -> tuple[dict, list]:
    """Step mode: let thread-0 print two lines, then Stop; (the result, the events)."""
    run = lesson.start_lab(str(lesson.program("mutex")), ["--lines", "200", *argv],
                           stepping=True)
    stepper = Stepper(run)
    try:
        stepper.step_until(lambda t: len(lesson.outputs(stepper.events, "thread-0")) >= 2,
                           "thread-0's second line")
        run.stop()
        events = stepper.events + lesson.collect(run, lesson.HANG)
    finally:
        run.stop()
        run.join(lesson.HANG)
    assert events[-1].data["status"] == "stopped"
    return [e for e in events if e.kind == "result"][-1].data, events


def test_stopped_with_the_lock_it_says_how_far_it_got_and_loses_nothing():
    """Issue 16: a stopped run counts the additions made, not the 1,000 planned."""
    result, events = stop_after_a_few_lines("--threads", "5")
    done = result["expected"]
    assert 2 <= done < 1000
    assert result["complete"] is False and result["stopped_after"] == f"{done} of 1000 lines"
    assert (result["counter"], result["lost_updates"]) == (done, 0)
    said = lesson.outputs(events, "MainThread")
    assert f"stopped after {done} of 1000 lines" in said
    assert lesson.summary(SUMMARY, said) == (done, done, 0)


def test_stopped_without_the_lock_the_lost_updates_are_among_those_made():
    result, _ = stop_after_a_few_lines("--threads", "3", "--no-lock")
    done = result["expected"]
    assert result["stopped_after"] == f"{done} of 600 lines" and done < 600
    assert result["lost_updates"] == done - result["counter"]
    assert 0 <= result["lost_updates"] < done


def test_in_the_lab_a_thread_waiting_for_the_lock_is_seen_on_the_with_line():
    waiting = lesson.line_of("mutex", "        with guard:")
    # Step mode: Next in turn until one thread holds the lock (it waits for Next,
    # holding it) and another waits for it, for as long as the test looks.
    run = lesson.start_lab(str(lesson.program("mutex")), ["--threads", "5", "--lines", "2"],
                           stepping=True)
    stepper = Stepper(run)
    try:
        stepper.next_until(lambda t: any(row["state"] == "blocked" and row["lock"]
                                         for row in t.values()), "a thread waiting for the lock")
        blocked = next(name for name, row in stepper.table.items() if row["state"] == "blocked"
                       and row["lock"])
        def on_the_with_line(event) -> bool:
            return event.kind == "line" and event.actor == blocked and event.line == waiting
        if not any(on_the_with_line(e) for e in stepper.events):
            lesson.read_until(run, on_the_with_line, lesson.HANG, "a thread on `with guard:`")
    finally:
        run.stop()
        run.join(lesson.HANG)


def test_ctrl_c_on_the_command_line_says_the_result_is_partial():
    cli = subprocess.Popen([sys.executable, "-m", "engine", "run", "mutex", "--lines", "200",
                            "--delay", "0.01"], stdout=subprocess.PIPE, text=True)
    try:
        for line in cli.stdout:
            if " output " in line:
                break
        cli.send_signal(signal.SIGINT)
        rest = cli.stdout.read().splitlines()
        assert cli.wait(lesson.HANG) == 130
    finally:
        cli.kill()
        cli.wait()
        cli.stdout.close()
    partial = [line for line in rest if line.startswith("partial result: ")]
    assert len(partial) == 1 and re.fullmatch(r"partial result: stopped after \d+ of 1000 lines",
                                              partial[0]), rest[-5:]
