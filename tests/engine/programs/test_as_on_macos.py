"""Every lesson program in the lab as on macOS (issue 18).

macOS's CPython (before 3.13) has no ``os.waitid``, and no ``os.pidfd_open``
or ``os.sched_getaffinity`` (Linux's own), and multiprocessing starts its
children by spawn by default there. ``tests.platforms.as_on(monkeypatch,
"macos")`` takes those away from the engine's side in this process and from
every lab process, and makes spawn the default. Each lesson then runs to its
right result, ends ``ok`` and leaves nothing; the lessons that use
multiprocessing's default (mp_queue) spawn every worker. A Stop in the middle
of a run with processes ends every one of them.

What is not simulated: macOS itself (no ``/proc``: nothing of the engine or
the window reads it; kqueue instead of epoll, which ``selectors`` picks).
"""

from __future__ import annotations

import pytest

from tests.engine.programs.lesson_runs import (
    assert_ok,
    pids_of,
    program,
    run_file_in_lab,
    stop_in_lab,
)
from tests.engine.programs.test_without_windows_apis import (
    ALONE,
    FOLDERS,
    PARALLEL_WALK,
    make_tree,
    result,
    scan_summary,
    spawned,
)
from tests.platforms import as_on

#: lesson: its arguments here (ALONE's, but one alarm: each takes a second)
ARGS = {**{lesson_id: argv for lesson_id, (argv, _) in ALONE.items()}, "signals": ["--alarms=1"]}
#: lesson: what its result must hold
EXPECTED = {
    "mutex": lambda r: (r["counter"], r["expected"], r["lost_updates"]) == (6, 6, 0),
    "thread_queue": lambda r: (r["produced"], r["consumed"], r["missing"]) == (6, 6, 0),
    "mp_queue": lambda r: (r["produced"], r["consumed"], r["missing"], r["twice"]) == (
        6, 6, 0, 0),
    "pipes": lambda r: (r["bytes_written"], r["bytes_read"], r["exit_status"]) == (60, 60, 0),
    "signals": lambda r: r["handled"] == {"SIGALRM": 1, "SIGUSR1": 0, "SIGUSR2": 0,
                                          "SIGTERM": 0},
    "sockets": lambda r: (r["clients"], r["replies_ok"]) == (2, 2),
}


@pytest.fixture
def macos(monkeypatch) -> None:
    as_on(monkeypatch, "macos")


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path)


@pytest.mark.parametrize("lesson_id", list(EXPECTED))
def test_each_program_runs_in_the_lab_to_its_result(macos, lesson_id):
    events = run_file_in_lab(program(lesson_id), *ARGS[lesson_id])
    assert_ok(events)
    figures = result(events)
    assert EXPECTED[lesson_id](figures), figures
    if lesson_id == "mp_queue":   # the default start method: spawn, as on macOS
        workers = {e.pid: e.data["role"] for e in spawned(events)}
        assert {workers[pid] for pid in figures["pids"]} == {"spawn"}, workers
    if lesson_id == "pipes":      # macOS forks
        assert {e.data["role"] for e in spawned(events)} == {"fork"}


@pytest.mark.parametrize("way", ["careful", "classic"])
def test_the_file_scan_runs_in_the_lab_to_its_result(macos, tree, way):
    events = run_file_in_lab(program("filescan"), f"--root={tree}", f"--way={way}")
    assert_ok(events)
    assert result(events)["count"] == FOLDERS


def test_the_parallel_file_scan_runs_in_the_lab_and_its_workers_are_watched(macos, tree):
    events = run_file_in_lab(PARALLEL_WALK, str(program("filescan")), f"--root={tree}",
                             "--way=parallel")
    assert_ok(events)
    assert scan_summary([e.text for e in events if e.kind == "output"])
    assert len(pids_of(events)) >= 3   # the program and its two workers spoke


def test_stop_mid_run_ends_every_spawned_worker(macos):
    events = stop_in_lab("mp_queue", "--delay=5", "--names=40",
                         when=lambda e: len(spawned([e])) == 1 and "producer" in e.actor,
                         what="a producer started")
    assert {e.data["role"] for e in spawned(events)} == {"spawn"}
