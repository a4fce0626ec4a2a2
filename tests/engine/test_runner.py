"""The run handle's promises, with real lab processes."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine import ParamError, catalog, start
from tests.bounds import HANG
from tests.engine.helpers import collect, run_lesson
from tests.platforms import needs, posix_signal_delivery

LAB_PROGRAMS = Path(__file__).parent / "lab_programs"


def as_lesson(monkeypatch, lesson_id: str, program: str) -> None:
    """``start(lesson_id)`` runs ``lab_programs/<program>``, as it runs any lesson."""
    lesson = catalog.Lesson(lesson_id, lesson_id.title(), program=str(LAB_PROGRAMS / program))
    monkeypatch.setattr(catalog, "get", lambda wanted: lesson)


def test_every_run_ends_with_exactly_one_done():
    events = run_lesson("mutex", {"threads": 3, "lines": 2})
    assert [e.kind for e in events].count("done") == 1
    assert events[-1].kind == "done"
    assert events[-1].data["status"] == "ok"


def test_events_arrive_in_order():
    events = run_lesson("mutex", {"threads": 4, "lines": 3})
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    times = [e.t for e in events]
    assert times == sorted(times)


def test_an_exception_becomes_error_then_done(monkeypatch):
    as_lesson(monkeypatch, "boom", "raises.py")
    events = collect(start("boom"), HANG)
    assert (events[0].kind, events[0].text) == ("state", "Boom: started")
    kinds = [e.kind for e in events if e.kind in ("error", "done")]
    assert kinds == ["error", "done"]
    error = next(e for e in events if e.kind == "error")
    assert error.text == "ZeroDivisionError: division by zero"
    assert "raises.py" in error.data["traceback"]
    assert events[-1].data["status"] == "error"


def test_printed_lines_carry_the_line_of_the_print():
    events = run_lesson("mutex", {"threads": 2, "lines": 1})
    source = open(catalog.get("mutex").source_file).read().splitlines()
    printed = [e for e in events if e.kind == "output" and e.actor.startswith("thread-")]
    assert len(printed) == 2
    for event in printed:
        assert "print(" in source[event.line - 1]
        assert event.data["file"] == catalog.get("mutex").source_file


def test_stop_mid_run_leaves_no_thread():
    run = start("mutex", {"threads": 10, "lines": 200, "delay": 0.5})
    first = run.events.get(timeout=5)
    assert first.kind == "state"
    run.stop()
    assert run.join(HANG), "the run did not end after stop()"
    events = collect(run)
    assert events[-1].data["status"] == "stopped"
    # the autouse leak fixture checks threads and fds after this test


def test_stop_is_idempotent():
    run = start("mutex", {"threads": 2, "lines": 100, "delay": 0.5})
    for _ in range(3):
        run.stop()
    assert run.join(HANG)
    collect(run)


@pytest.mark.parametrize("values, message", [
    ({"threads": -1}, "between 1 and 50"),
    ({"threads": 0}, "between 1 and 50"),
    ({"threads": 10**9}, "between 1 and 50"),
    ({"threads": "many"}, "whole number"),
    ({"delay": "nan"}, "number"),
    ({"lock": "perhaps"}, "yes or no"),
    ({"colour": 3}, "not a parameter"),
])
def test_bad_parameters_are_refused_before_anything_runs(values, message):
    with pytest.raises(ParamError) as info:
        start("mutex", values)
    assert message in str(info.value)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_bad_value_is_one_clear_line_and_status_2():
    done = _cli("run", "mutex", "--threads", "-1")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --threads must be between 1 and 50 (got -1)"
    assert done.stdout == ""


def test_cli_unknown_lesson_and_option():
    assert _cli("run", "nosuch").returncode == 2
    done = _cli("run", "mutex", "--colour", "red")
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_cli_list_and_run():
    listing = _cli("list")
    assert listing.returncode == 0 and "mutex" in listing.stdout
    done = _cli("run", "mutex", "--threads", "5", "--lines", "5")
    assert done.returncode == 0, done.stderr
    for i in range(5):
        assert f"[{i}] => 4" in done.stdout
    assert "done" in done.stdout.splitlines()[-1]


def test_cli_json_lines_carry_every_field():
    import json
    done = _cli("run", "mutex", "--threads", "2", "--lines", "2", "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert set(rows[0]) == {"t", "actor", "kind", "text", "data", "line", "pid", "seq"}
    assert rows[-1]["kind"] == "done"


def test_cli_selftest():
    done = _cli("selftest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout


class _CtrlCWhen:
    """The run's event queue, seen through the CLI's printer: the first ``get`` after
    ``seen(event)`` was true sends this process SIGINT, as Ctrl+C in a terminal
    would. The printer's handler is in place by then: it reads only after setting it."""

    def __init__(self, events, seen):
        self._events, self._seen, self._sent, self.ready = events, seen, False, False

    def get(self, timeout=None):
        if self.ready and not self._sent:
            self._sent = True
            os.kill(os.getpid(), signal.SIGINT)
        event = self._events.get(timeout=timeout)
        self.ready = self.ready or self._seen(event)
        return event


def _ctrl_c_once_printed(run, text: str, capsys) -> tuple[int, str]:
    """Run ``run`` through the CLI's printer and press Ctrl+C once the program printed
    ``text``; returns the exit status and stderr."""
    from engine.cli import _print_run
    run.events = _CtrlCWhen(run.events, lambda e: e.kind == "output" and e.text == text)
    status = _print_run(run, as_json=True)
    return status, capsys.readouterr().err


def _end_escaped(pidfile: Path) -> None:
    """Kill the processes that escaped the run (they are not ours to wait for)."""
    for pid in map(int, pidfile.read_text().split() if pidfile.exists() else []):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass   # already gone


@posix_signal_delivery   # it sends SIGINT to the test's own process
@needs("os.fork", "os.setsid")
def test_cli_warns_when_a_run_ends_late_after_ctrl_c(monkeypatch, capsys, tmp_path):
    """A child out of the run's process group keeps the lab's output open: the run
    ends only once the engine stops waiting for it (engine.lab.run.DRAIN_LIMIT, 2 s
    after the lab process ended, which is after Ctrl+C)."""
    as_lesson(monkeypatch, "late", "escapes.py")
    pidfile = tmp_path / "escaped"
    run = start("late", {"pidfile": str(pidfile), "wait": 60.0})
    try:
        status, err = _ctrl_c_once_printed(run, "the child escaped", capsys)
    finally:
        _end_escaped(pidfile)
    assert status == 130
    assert "did not end within 2 s of the signal" in err


@posix_signal_delivery
def test_cli_is_quiet_when_a_run_ends_in_time_after_ctrl_c(monkeypatch, capsys):
    as_lesson(monkeypatch, "late", "loops_catch.py")
    status, err = _ctrl_c_once_printed(start("late"), "counting", capsys)
    assert status == 130
    assert "did not end" not in err
