"""The process lessons in the real window: run, Stop, and closing mid-run."""

import pytest

from engine.lessons.pipes import message
from tests.bounds import HANG
from tests.engine.proctools import left_behind, processes
from tests.gui.conftest import pump_until

SLOW = {
    "mp_queue": {"producers": 2, "consumers": 3, "names": 40, "delay": 5.0},
    "pipes": {"messages": 200, "write_every": 1.0, "read_every": 1.0},
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


def test_pipes_tab_lists_every_chunk_with_its_bytes(app):
    app.speed = 10
    tab = app.select("pipes")
    tab.form.set_values({"messages": 6, "read_size": 5, "write_every": 0.1,
                         "read_every": 0.3})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    rows = tab.rows()
    assert len(rows) == tab.last_result["reads"] > 0
    shown = b"".join(bytes.fromhex(values) for *_, values in rows)
    assert shown == b"".join(message(n, "none") for n in range(6))
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    assert "36 bytes written, 36 read" in tab.summary.cget("text")


def start_slow_run(app, lesson_id):
    """Press Run on a long run; return the tab and the run's processes."""
    tab = app.select(lesson_id)
    tab.form.set_values(SLOW[lesson_id])
    tab.run_button.invoke()
    pump_until(app, lambda: announced(tab, lesson_id))
    procs = run_processes(tab)
    assert len(procs) == (6 if lesson_id == "mp_queue" else 2)   # mp_queue: and the lab
    return tab, procs


@pytest.mark.parametrize("lesson_id", ["mp_queue", "pipes"])
def test_stop_button_mid_run_leaves_no_process(app, lesson_id):
    tab, procs = start_slow_run(app, lesson_id)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    # A lab's grandchildren, killed with its group, are init's to reap: a moment later.
    assert left_behind(procs, wait=HANG) == []


@pytest.mark.parametrize("lesson_id", ["mp_queue", "pipes"])
def test_closing_the_window_mid_run_leaves_no_process(app, lesson_id):
    tab, procs = start_slow_run(app, lesson_id)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert left_behind(procs, wait=HANG) == []
