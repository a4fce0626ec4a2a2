"""The deadlock lesson as a plain program: alone in a terminal, and watched by the lab.

Opposite orders deadlock on every run: each thread rests ``hold`` seconds with
its first lock before it asks for the second, and the two threads start
together, so each has its first lock long before either asks for the second.
"""

import re

from engine import vocabulary as v
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.programs import lesson_runs as lesson
from tests.engine.test_lab import assert_group_ends
from tests.leaks import Snapshot, leaks_since

SUMMARY = re.compile(r"(\d+) transfers done; the threads backed off (\d+) times; "
                     r"A has (\d+), B has (\d+), (\d+) in all")
CYCLE = [{v.ACTOR: "a-to-b", v.HOLDS: "lock_a", v.WAITS_FOR: "lock_b"},
         {v.ACTOR: "b-to-a", v.HOLDS: "lock_b", v.WAITS_FOR: "lock_a"}]


def test_alone_opposite_orders_deadlock_back_off_and_finish_every_transfer():
    done = lesson.run_alone("deadlock", "--hold", "0.2", "--patience", "0.2")
    assert done.returncode == 0, done.stderr
    transfers, backed_off, a, b, total = lesson.summary(SUMMARY, done.stdout.splitlines())
    assert (transfers, a, b, total) == (4, 100, 100, 200)
    assert backed_off >= 1, done.stdout
    assert "deadlock? It lets go" in done.stdout


def test_alone_one_order_never_backs_off():
    done = lesson.run_alone("deadlock", "--order", "same", "--hold", "0.1")
    assert done.returncode == 0, done.stderr
    assert lesson.summary(SUMMARY, done.stdout.splitlines()) == (4, 0, 100, 100, 200)


def test_alone_with_defaults_it_exits_0():
    done = lesson.run_alone("deadlock")
    assert done.returncode == 0, done.stderr
    assert lesson.summary(SUMMARY, done.stdout.splitlines())[0] == 4


def test_help_lists_every_setting_and_a_bad_value_exits_2():
    lesson.assert_help_lists_every_setting("deadlock")
    lesson.assert_bad_value_exits_2("deadlock", "--hold")
    lesson.assert_bad_value_exits_2("deadlock", "--order")


def test_the_program_holds_no_plumbing():
    lesson.assert_no_plumbing("deadlock")


def test_in_the_lab_the_deadlock_is_found_with_its_cycle_and_its_end():
    events = lesson.run_in_lab("deadlock", "--hold", "0.2", "--patience", "0.3",
                               "--transfers", "1")
    lesson.assert_ok(events)
    found = [e for e in events if e.kind == v.DEADLOCK]
    assert found, [e.text for e in events if e.kind == v.STATE]
    assert found[0].data == {v.CYCLE: CYCLE, v.RESOLVED: False}
    assert found[0].text == ("deadlock: a-to-b holds lock_a and waits for lock_b, held by "
                             "b-to-a; b-to-a holds lock_b and waits for lock_a, held by a-to-b")
    assert found[1].data[v.RESOLVED] is True
    assert re.fullmatch(r"the deadlock is over: (a-to-b|b-to-a) gave up waiting for lock_[ab]",
                        found[1].text), found[1].text
    # Where each thread waits: on the line of its second acquire.
    second = lesson.line_of("deadlock", "if locks[second].acquire(")
    waits = {e.actor: e.line for e in events
             if e.kind == v.STATE and e.data[v.LANE] == v.WAITING}
    assert waits == {"a-to-b": second, "b-to-a": second}


def test_in_the_lab_one_order_has_waits_but_never_a_cycle():
    events = lesson.run_in_lab("deadlock", "--order", "same", "--hold", "0.2",
                               "--transfers", "3")
    lesson.assert_ok(events)
    assert not [e for e in events if e.kind == v.DEADLOCK]
    waited = {e.data[v.LOCK] for e in events
              if e.kind == v.STATE and e.data[v.LANE] == v.WAITING}
    assert waited == {"lock_a"}   # b-to-a waits for lock_a, held by a-to-b: no cycle


def test_a_deadlock_that_waits_for_ever_ends_at_stop_with_nothing_left():
    before = Snapshot.take()
    run = start_lab(str(lesson.program("deadlock")), ["--patience", "0", "--hold", "0.1"])
    try:
        events = read_until(run, lambda e: e.kind == v.DEADLOCK, HANG, "the deadlock")
        run.stop()
        events += collect(run, HANG)
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].data["status"] == "stopped", events[-1].text
    assert [e.data[v.RESOLVED] for e in events if e.kind == v.DEADLOCK] == [False]
    # The program said why it ended: its main thread was waiting for the stuck threads.
    assert "interrupted: the threads were still waiting for each other's locks" in \
        lesson.outputs(events)
    assert_group_ends(run.pid)
    assert leaks_since(before) == []
