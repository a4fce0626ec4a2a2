"""The process lessons in the real window: run, Stop, and closing mid-run."""

import os
import signal

import pytest

from tests.bounds import HANG
from tests.engine.proctools import has_ended, left_behind, processes
from tests.engine.steps import line_of
from tests.gui.conftest import pump_until

SLOW = {
    "mp_queue": {"producers": 2, "consumers": 3, "names": 40, "delay": 5.0},
    "pipes": {"messages": 200, "delay": 1.0, "pause": 1.0},
}


def run_processes(tab) -> list:
    """psutil handles on every process of the tab's run, grandchildren included,
    once the run has said which they are: the one that reports a child (the helper,
    or mp_queue's lab process, whose start() the lab reports) and that child."""
    pids = set()
    for event in tab.logview.events:
        data = event.data if isinstance(event.data, dict) else {}
        if "child_pid" in data:
            pids.update((event.pid, data["child_pid"]))
    return processes(pids)


def starts(tab) -> int:
    return sum(1 for e in tab.logview.events
               if e.kind == "probe" and e.data.get("call") == "start")


def announced(tab, lesson_id) -> bool:
    if lesson_id == "mp_queue":   # the lab saw every start(): 2 producers, 3 consumers
        return starts(tab) == 5
    return any(isinstance(e.data, dict) and "child_pid" in e.data for e in tab.logview.events)


def test_mp_queue_tab_shows_each_process_with_its_pid(app):
    app.speed = 10
    tab = app.select("mp_queue")
    tab.form.set_values({"producers": 2, "consumers": 2, "names": 3, "delay": 0.2})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    result = tab.last_result
    assert result["produced"] == result["consumed"] == 6
    log = tab.logview.content()
    names = ["consumer-0", "consumer-1", "producer-0", "producer-1"]
    for name, pid in zip(names, result["pids"], strict=True):
        assert f"{name} pid {pid}" in log
        assert f"{name} pid {pid}" in tab.timeline.lanes


def spam(count: int) -> list[str]:
    """What the pipes program's child writes, one message per write (no framing)."""
    return [f"Spam {n}" for n in range(count)]


def test_pipes_tab_shows_the_childs_writes_and_the_parents_reads_with_equal_totals(app):
    """Issue 15's acceptance: each os.write of the forked child and each raw os.read
    of the parent, from the probes, and their byte totals, equal."""
    app.speed = 10
    tab = app.select("pipes")
    tab.form.set_values({"messages": 10, "size": 16, "delay": 0.2, "pause": 1.0,
                         "framing": "none"})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    child = next(e.actor for e in tab.logview.events if e.kind == "process"
                 and e.actor.startswith("child pid "))
    assert tab.writes.actor == child and tab.reads.actor == "MainThread"
    assert tab.writes.rows() == [(str(n + 1), "6", text) for n, text in enumerate(spam(10))]
    *reads, end = tab.reads.rows()
    assert end == ("", "0", "b'' (end of file)")
    assert [r[0] for r in reads] == [str(n + 1) for n in range(len(reads))]
    assert "".join(text for *_, text in reads) == "".join(spam(10))   # in order, whole
    assert all(int(size) <= 16 for _, size, _ in reads)
    assert tab.totals() == (60, 60)
    assert tab.writes.total_label.cget("text") == "10 writes, 60 bytes"
    assert tab.reads.total_label.cget("text") == f"{len(reads)} reads, 60 bytes"
    assert len(reads) == tab.last_result["reads"]
    assert tab.summary.cget("text") == (f"Equal: the child wrote 60 bytes in 10 writes, the "
                                        f"parent read all 60 in {len(reads)} reads.")


def child_pid(tab) -> int | None:
    """The forked child of the pipes program, once it has said it started."""
    return next((e.pid for e in tab.logview.events if e.kind == "process"
                 and e.actor.startswith("child pid ")), None)


def test_pipes_tab_ten_writes_merge_into_one_read(app):
    """The parent is held (SIGSTOP) at a known point before its first read, while
    the child writes all ten messages: its one read of up to 4096 bytes then gets
    every message in one chunk. Step mode gives the known point: the parent is
    chosen line by line until it waits past os.fork, the read still ahead."""
    tab = app.select("pipes")
    tab.form.set_values({"messages": 10, "size": 4096, "delay": 0, "pause": 0,
                         "framing": "newline"})
    tab.step_switch.invoke()
    tab.run_button.invoke()
    past_the_fork = line_of(tab.lesson.program, "os.close(pipe_out)", after="pid = os.fork()")

    chosen_on: list = [None]   # the board the last choice was made on

    def parent_past_the_fork() -> bool:
        main = next((r for r in tab.step_table if r["actor"] == "MainThread"), None)
        if main is None or main["state"] != "ready" or tab.step_table is chosen_on[0] or any(
                r["state"] == "running" for r in tab.step_table):
            return False   # (a board drawn before the last choice took effect is stale)
        if main["line"] == past_the_fork:
            return True
        chosen_on[0] = tab.step_table
        tab.choose_actor("MainThread")
        return False

    pump_until(app, parent_past_the_fork)
    parent = tab.run.pid
    os.kill(parent, signal.SIGSTOP)
    try:
        tab.continue_button.invoke()   # the child runs on; the parent hears it at SIGCONT
        pump_until(app, lambda: child_pid(tab) is not None and has_ended(child_pid(tab)))
    finally:
        os.kill(parent, signal.SIGCONT)
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    assert len(tab.writes.rows()) == 10
    assert tab.reads.rows() == [("1", "70", "".join(m + "\\n" for m in spam(10))),
                                ("", "0", "b'' (end of file)")]
    assert tab.totals() == (70, 70)
    assert tab.last_result["messages"] == spam(10)   # the framing finds each one again


def start_slow_run(app, lesson_id):
    """Press Run on a long run; return the tab and the run's processes."""
    tab = app.select(lesson_id)
    tab.form.set_values(SLOW[lesson_id])
    tab.run_button.invoke()
    pump_until(app, lambda: announced(tab, lesson_id))
    procs = run_processes(tab)
    assert len(procs) == (6 if lesson_id == "mp_queue" else 2)   # the lab and its children
    return tab, procs


@pytest.mark.parametrize("lesson_id", ["mp_queue", "pipes"])
def test_stop_button_mid_run_leaves_no_process(app, lesson_id):
    tab, procs = start_slow_run(app, lesson_id)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    # A program's forked child is killed with the lab process, its parent: init reaps it.
    assert left_behind(procs, wait=HANG) == []


@pytest.mark.parametrize("lesson_id", ["mp_queue", "pipes"])
def test_closing_the_window_mid_run_leaves_no_process(app, lesson_id):
    tab, procs = start_slow_run(app, lesson_id)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert left_behind(procs, wait=HANG) == []
