"""A short soak: every lesson 5 times through the engine and twice in the real window.

``make soak`` (scripts/soak.py) runs the long one (50 and 10 times) and
publishes the table. Here each run must end with status ok or stopped, and
leave no thread, process, zombie, socket or file descriptor behind.
"""

import os
import signal
import socket
import threading
from pathlib import Path

import pytest

from engine import catalog
from tests.platforms import needs
from tests.reliability import soak
from tests.reliability.lessons import lesson_ids
from tests.reliability.soak import LEAK_KINDS, soak_engine, soak_gui, table

ESCAPES = Path(__file__).parent.parent / "engine" / "lab_programs" / "escapes.py"

ENGINE_RUNS = 5
GUI_RUNS = 2


def explain(tally) -> str:
    return table([tally]) + "\n" + "\n".join(tally.problems)


@pytest.mark.parametrize("lesson", lesson_ids())
def test_engine_runs_in_a_row_leave_nothing(lesson):
    tally = soak_engine(lesson, ENGINE_RUNS)
    assert tally.runs == tally.ended + tally.stopped == ENGINE_RUNS, explain(tally)
    assert tally.clean, explain(tally)


@pytest.mark.gui
@pytest.mark.parametrize("lesson", lesson_ids())
def test_gui_runs_in_a_row_leave_nothing(app, lesson):
    tally = soak_gui(app, lesson, GUI_RUNS)
    assert tally.runs == tally.ended + tally.stopped == GUI_RUNS, explain(tally)
    assert tally.clean, explain(tally)


@pytest.mark.allow_leaks
@needs("os.fork", "os.setsid")
def test_the_soak_counts_each_process_a_program_leaves(monkeypatch, tmp_path):
    """A program whose child escapes the run's process group: the soak must count
    that process after each run, and the ones of earlier runs still there."""
    leaky = catalog.Lesson("leaky", "Leaky", program=str(ESCAPES))
    monkeypatch.setattr(catalog, "get", lambda lesson_id: leaky)
    pidfile = tmp_path / "escaped"
    try:
        # Runs 0 and 2 go to their end, and leave their child for sure. Run 1 is
        # stopped at a random moment: maybe before its child is out, maybe not.
        tally = soak_engine("leaky", 3, params_for=lambda lesson, variant: {
            "pidfile": str(pidfile)})
    finally:
        escaped = [int(pid) for pid in (pidfile.read_text().split() if pidfile.exists() else [])]
        for pid in escaped:
            try:
                os.kill(pid, signal.SIGKILL)   # not ours to wait for: init reaps it
            except ProcessLookupError:
                pass   # already gone
    assert not tally.clean
    assert 2 <= tally.leaks["processes"] <= len(escaped), explain(tally)
    assert [kind for kind, n in tally.leaks.items() if n] == ["processes"], explain(tally)


class _LeakyEngine:
    """Leaves one of everything in this process at each run's start, as an engine
    that forgot them would: a thread, a zombie child, a socket and an open fd."""

    def __init__(self, real_start):
        self.real_start = real_start
        self.forever = threading.Event()
        self.threads, self.pids, self.sockets, self.fds = [], [], [], []

    def start(self, lesson_id, params=None, **options):
        thread = threading.Thread(target=self.forever.wait, name="leaked", daemon=True)
        thread.start()
        self.threads.append(thread)
        self.pids.append(os.posix_spawn("/bin/true", ["true"], os.environ))  # never waited
        self.sockets.append(socket.socket())
        self.fds.append(os.open(os.devnull, os.O_RDONLY))
        return self.real_start(lesson_id, params, **options)

    def clean_up(self) -> None:
        self.forever.set()
        for thread in self.threads:
            thread.join()
        for pid in self.pids:
            os.waitpid(pid, 0)
        for sock in self.sockets:
            sock.close()
        for fd in self.fds:
            os.close(fd)


@pytest.mark.allow_leaks
def test_the_soak_counts_each_kind_of_leftover_in_this_process(monkeypatch):
    """What a run could leave in the engine's own process: the soak must see each kind."""
    leaky = _LeakyEngine(soak.start)
    monkeypatch.setattr(soak, "start", leaky.start)
    try:
        tally = soak_engine("mutex", 2, params_for=lambda lesson, variant: {"lines": 1})
    finally:
        leaky.clean_up()
    assert not tally.clean
    # One of each per run, both runs counted (a socket is an fd too); the test above
    # has the processes.
    assert tally.leaks == {"threads": 2, "processes": 0, "zombies": 2, "sockets": 2,
                           "fds": 4}, explain(tally)
    assert set(tally.leaks) == set(LEAK_KINDS)
