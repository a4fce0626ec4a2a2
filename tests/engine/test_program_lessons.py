"""Lessons as plain programs: settings read without running them, results, step mode, deaths.

The lab runs small programs from lab_programs/; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import programs
from engine.lab import start_lab
from engine.params import ParamError, build, specs
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until
from tests.engine.steps import Stepper
from tests.platforms import needs

PROGRAMS = Path(__file__).parent / "lab_programs"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
COUNTER = str(PROGRAMS / "with_settings.py")


def test_settings_become_the_same_params_the_form_and_cli_use():
    cls = programs.params_class("counter", COUNTER)
    found = {s.name: s for s in specs(cls)}
    assert list(found) == ["count", "loud", "word", "pause"]
    assert (found["count"].type, found["count"].default, found["count"].low,
            found["count"].high, found["count"].help) == (int, 3, 1, 10, "how far to count")
    assert found["word"].choices == ("tick", "tock")
    assert found["loud"].type is bool and found["pause"].type is float
    with pytest.raises(ParamError, match="between 1 and 10"):
        build(cls, {"count": "11"})
    with pytest.raises(ParamError, match="one of tick, tock"):
        build(cls, {"word": "tack"})


def test_argv_gives_the_program_what_was_checked():
    cls = programs.params_class("counter", COUNTER)
    params = build(cls, {"count": "4", "loud": "yes", "word": "tock"})
    assert programs.argv(params) == ["--count=4", "--loud", "--word=tock", "--pause=0.0"]
    assert programs.argv(build(cls, {}))[1] == "--no-loud"


@pytest.mark.parametrize("line,message", [
    ('parser.add_argument("--n", type=between(1, 9), default=int("3"), help="x")',
     r'program.py:2: int\('),
    ('parser.add_argument("--n", type=between(1, 9), default=3)', "needs a default and a help"),
    ('parser.add_argument("--n", type=check, default=3, help="x")', "type must be int, float"),
    ('parser.add_argument("--n", type=between(1, 9.5), default=3, help="x")', "whole numbers"),
    ('parser.add_argument("--n", default=True, help="x")', "a switch"),
    ('parser.add_argument("--n", action="store_true", default=False, help="x")', "the one action"),
    ('parser.add_argument("--n", type=int, default=3, help="x", nargs=2)', "nargs"),
    ('parser.add_argument("-n", type=int, default=3, help="x")', "one option"),
    ('parser.add_argument("--n", choices=5, default=3, help="x")', "must be a list"),
    ('parser.add_argument("--n", default={[]: 1}, help="x")', "not a plain value"),
])
def test_an_add_argument_line_the_engine_cannot_read_is_refused_with_its_line(tmp_path, line,
                                                                              message):
    bad = tmp_path / "program.py"
    bad.write_text(f"import argparse\n{line}\n")
    with pytest.raises(programs.DeclarationError, match=message):
        programs.settings(str(bad))


#: The lessons whose programs declare their settings in add_argument lines.
ARGUMENT_LESSONS = ("filescan", "mutex", "deadlock", "thread_queue", "mp_queue", "pipes",
                    "signals", "sockets")


@pytest.mark.parametrize("lesson_id", ARGUMENT_LESSONS)
def test_each_bound_the_engine_reads_is_the_one_the_program_enforces_alone(lesson_id):
    """A value just out of range gets argparse's one error line from the program run
    by itself, naming the very bounds the window's form and the CLI use."""
    path = programs.program_path(lesson_id)
    bounded = {name: (low, high) for name, (_, low, high, _) in programs.settings(path).items()
               if high is not None}
    assert bounded, "no setting with bounds"
    for name, (low, high) in bounded.items():
        step = 1 if isinstance(low, int) else 0.5
        for bad in (low - step, high + step):
            done = subprocess.run([sys.executable, path, f"--{name}={bad}"],
                                  capture_output=True, text=True, timeout=HANG)
            assert (done.returncode, done.stdout) == (2, ""), (name, bad, done)
            assert done.stderr.splitlines()[-1] == (
                f"program.py: error: argument --{name}: {bad} is not between {low} and {high}")


def test_what_main_returns_is_the_result_event():
    run = start_lab(COUNTER, ["--count=2", "--loud", "--word=tock"])
    events = collect(run, HANG)
    assert [e.text for e in events if e.kind == "output"] == ["TOCK 1", "TOCK 2"]
    results = [e for e in events if e.kind == "result"]
    assert len(results) == 1
    assert results[0].data == {"counted": 2, "loud": True, "name": "caf\udce9"}
    assert events[-1].data["status"] == "ok"


def test_the_first_event_given_comes_first():
    run = start_lab(COUNTER, [], first=("main", "state", "started", {"params": {}}))
    events = collect(run, HANG)
    assert (events[0].kind, events[0].text, events[0].seq) == ("state", "started", 1)


@needs("os.fork")   # step_threads.py forks once its threads are done
def test_step_mode_lets_one_actor_take_one_line():
    run = start_lab(str(PROGRAMS / "step_threads.py"), [], stepping=True)
    stepper = Stepper(run)
    try:
        stepper.main_until_ready("t0", "t1")
        assert not [e for e in stepper.events if e.kind == "output"]
        assert stepper.row("t0")["line"] == stepper.row("t1")["line"]   # for n in range(3)
        stepper.choose("t0")                      # the for line: nothing printed
        assert not [e for e in stepper.events if e.kind == "output"]
        said = [e for e in stepper.choose("t0") if e.kind == "output"]   # the print line
        assert [(e.actor, e.text) for e in said] == [("t0", "t0 line 0")]
        run.set_stepping(False)   # Continue: everyone runs to the end
        events = collect(run, HANG)
        assert events[-1].data["status"] == "ok"
        assert "all done" in [e.text for e in events if e.kind == "output"]
    finally:
        run.stop()
        run.join(HANG)


@needs("os.fork", "signal.SIGKILL")
def test_a_paused_child_killed_leaves_next_continue_and_stop_working():
    run = start_lab(str(PROGRAMS / "step_threads.py"), [], stepping=True)
    stepper = Stepper(run)
    try:
        child = stepper.step_until_one_named("child pid ")
        pid = int(child.rsplit(" ", 1)[1])
        os.kill(pid, signal.SIGKILL)
        events = read_until(run, lambda e: e.kind == "error", HANG, "the child's death")
        assert "killed" in events[-1].text
        assert not [a for a in run.paused_actors() if "child" in a]
        # Next: the parent, back from its waitpid, is the only one left, and goes on.
        deadline = time.monotonic() + HANG
        while run.paused_actors() != ["MainThread"]:
            assert time.monotonic() < deadline, run.paused_actors()
            time.sleep(0.01)
        assert run.step() == "MainThread"
        run.set_stepping(False)              # Continue
        events = collect(run, HANG)
        done = events[-1]
        assert done.data["status"] == "error"
        assert [d["pid"] for d in done.data["died"]] == [pid]
        assert "parent" not in done.text
    finally:
        run.stop()
        run.join(HANG)


def test_stop_while_paused_ends_the_run():
    run = start_lab(str(PROGRAMS / "step_threads.py"), [], stepping=True)
    read_until(run, lambda e: e.kind == "paused", HANG, "a paused thread")
    run.stop()
    events = collect(run, HANG)
    assert events[-1].data["status"] == "stopped"
    assert run.paused_actors() == []


@needs("os.fork", "signal.SIGKILL")
def test_a_child_killed_from_outside_makes_the_run_an_error():
    run = start_lab(str(PROGRAMS / "child_waits.py"), [])
    try:
        waiting = read_until(run, lambda e: e.text == "child waiting", HANG, "the child")[-1]
        os.kill(waiting.pid, signal.SIGKILL)
        events = collect(run, HANG)
        done = events[-1]
        assert done.data["status"] == "error"
        assert done.data["died"] == [{"actor": f"child pid {waiting.pid}",
                                      "pid": waiting.pid, "how": "killed"}]
        assert "parent saw the child end" in [e.text for e in events if e.kind == "output"]
    finally:
        run.stop()
        run.join(HANG)


@needs("os.fork")
def test_a_child_that_ends_by_itself_is_not_a_death():
    events = collect(start_lab(str(PROGRAMS / "forks.py"), []), HANG)
    assert events[-1].data["status"] == "ok" and events[-1].data["died"] == []


def test_a_lab_started_ahead_of_time_runs_the_program_as_a_fresh_one():
    from engine.lab import run as labrun
    labrun.keep_spare(True)
    try:
        spare = labrun._spare
        assert spare is not None and spare.program is None   # waiting, no program yet
        run = start_lab(COUNTER, ["--count=2", "--word=tock"],
                        first=("lab", "state", "started", {}))
        assert run is spare and labrun._spare is not run   # taken, and the next one ready
        events = collect(run, HANG)
        assert events[0].text == "started" and events[0].t == 0.0
        assert [e.text for e in events if e.kind == "output"] == ["tock 1", "tock 2"]
        assert [e.data for e in events if e.kind == "result"][0]["counted"] == 2
        assert events[-1].data["status"] == "ok"
    finally:
        labrun.keep_spare(False)
    assert labrun._spare is None
    # the autouse leak check: the spare that was never taken is gone too


def test_a_spare_lab_that_died_while_waiting_is_replaced():
    from engine.lab import run as labrun
    labrun.keep_spare(True)
    try:
        dead = labrun._spare
        dead._proc.kill()
        dead._proc.wait()
        run = start_lab(COUNTER, [])
        assert run is not dead
        assert collect(run, HANG)[-1].data["status"] == "ok"
    finally:
        labrun.keep_spare(False)


def test_the_command_line_runs_its_lesson_in_the_lab_it_started_first(monkeypatch, capsys):
    """``python -m engine run`` starts a lab process as it begins (start_ahead): the
    run takes that one, and no other is started."""
    from engine import cli
    from engine.lab import run as labrun
    started = []
    real_init = labrun.LabRun.__init__

    def counted(self, program_path, *args, **kwargs):
        started.append(program_path)
        real_init(self, program_path, *args, **kwargs)

    monkeypatch.setattr(labrun.LabRun, "__init__", counted)
    assert cli.main(["run", "mutex", "--threads", "2", "--lines", "1"]) == 0
    assert started == [None], "one lab, started ahead with no program yet, ran the lesson"
    assert labrun._spare is None
    assert "Threads and a lock: started" in capsys.readouterr().out


def test_the_lab_started_ahead_for_bad_input_is_ended_at_once(monkeypatch, capsys):
    """A refused value: the lab started ahead is ended by the command line, not left
    waiting (the autouse leak check sees no process, thread or socket left)."""
    from engine import cli
    from engine.lab import run as labrun
    assert cli.main(["run", "mutex", "--threads", "-1"]) == 2
    assert labrun._spare is None
    assert capsys.readouterr().err.startswith("error: --threads")


@pytest.mark.parametrize("args, status", [
    (["run", "mutex", "--threads", "2", "--lines", "1"], 0),   # the run takes it
    (["run", "mutex", "--threads", "-1"], 2),                   # refused: ended at once
    (["run"], 2),                                               # no lesson: ended at exit
])
def test_the_lab_python_m_engine_starts_first_leaves_nothing(tmp_path, args, status):
    """``python -m engine run`` starts a lab process in its first lines (engine.lab.ahead),
    its socket folder in TMPDIR: whatever becomes of the run, no folder and no process
    of it is left."""
    import subprocess
    import sys

    import psutil
    done = subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, timeout=HANG, cwd=PROJECT_ROOT,
                          env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert done.returncode == status, done.stderr
    assert os.listdir(tmp_path) == [], "the lab's socket folder is removed"
    left = []
    for proc in psutil.process_iter(["environ"]):
        environ = proc.info.get("environ") or {}
        if environ.get("TMPDIR") == str(tmp_path) and "PYSYSLAB_LAB_SOCKET" in environ:
            left.append(proc.pid)
    assert left == [], "the lab process started first is gone"


#: What a start must not wait for: imported before the lab process is started (the
#: command line), or by every lab process before its program's first line.
HEAVY_BEFORE_SPAWN = {"subprocess", "socket", "selectors", "json", "threading", "typing"}
HEAVY_IN_THE_LAB = {"typing", "traceback", "subprocess"}


@needs("os.posix_spawn")
def test_the_command_line_starts_its_lab_before_importing_anything_heavy():
    """engine.lab.ahead.spawn() runs with os alone: the lab process starts while the
    command line imports the rest (subprocess alone took ~10 ms). The spawned lab is
    ended at exit (nothing took it), as for bad input."""
    script = ("import sys\nfrom engine.lab import ahead\n"
              "if ahead.spawn():\n    from engine.lab.inside import main\n    main()\n"
              "    sys.exit(0)\n"
              "assert ahead._started is not None, 'no lab started'\n"
              "print(*sorted(set(sys.modules) & set(sys.argv[1:])))")
    done = subprocess.run([sys.executable, "-c", script, *HEAVY_BEFORE_SPAWN],
                          capture_output=True, text=True, timeout=HANG, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], "imported before the lab could start"


def test_a_lab_process_imports_nothing_it_does_not_need_before_the_program():
    """typing and traceback (only for an error) cost every run's start ~5 ms."""
    script = ("import sys\nimport engine.lab.inside, engine.lab.probes\n"
              "print(*sorted(set(sys.modules) & set(sys.argv[1:])))")
    startup = str(PROJECT_ROOT / "engine" / "lab" / "startup")
    done = subprocess.run([sys.executable, "-c", script, *HEAVY_IN_THE_LAB],
                          capture_output=True, text=True, timeout=HANG, cwd=PROJECT_ROOT,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              (startup, str(PROJECT_ROOT)))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


@pytest.mark.parametrize("lesson_id, args", [
    ("filescan", []),
    ("filescan", ["--root", "/x"]),
    ("filescan", ["--root=/x", "--top", "3", "--ext", ".txt"]),
    ("filescan", ["--no-hidden", "--follow", "--hidden"]),
    ("filescan", ["--root", ""]),
    ("filescan", ["--root=-x", "--root=a=b"]),
    ("filescan", ["--speed", "2", "--json", "--way=careful"]),
    ("filescan", ["--top", "3", "--top", "4"]),
    ("mutex", ["--threads", "3", "--no-lock"]),
])
def test_plain_options_are_read_as_argparse_reads_them(lesson_id, args):
    """The command line reads options written out whole without argparse (~10 ms of its
    start), to the very values argparse gives."""
    from engine import catalog, cli
    lesson = catalog.get(lesson_id)
    assert cli.read_options(lesson, args) == vars(cli.lesson_parser(lesson).parse_args(args))


@pytest.mark.parametrize("args", [
    ["--ro", "/x"], ["--top", "-1"], ["--root"], ["--json=1"], ["--no-json"], ["stray"],
    ["--root", "--json"], ["--unknown", "1"], ["--"], ["-h"], ["--hidden=yes"],
])
def test_anything_else_is_left_to_argparse(args):
    """An abbreviation, a value like an option, a mistake: argparse reads those, and
    says what is wrong in its own words (see test_bad_input)."""
    from engine import catalog, cli
    assert cli.read_options(catalog.get("filescan"), args) is None


def test_a_plain_command_line_run_never_imports_argparse(tmp_path):
    script = ("import sys, engine.cli\n"
              f"code = engine.cli.main(['run', 'filescan', '--root', {str(tmp_path)!r}])\n"
              "print(code, 'argparse' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=HANG, cwd=PROJECT_ROOT)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stderr


#: Imported by nothing a command-line run of a lesson program needs (the lesson's
#: settings, the engine's side of the lab, the challenges, the events): dataclasses
#: with inspect (~10 ms) and typing (~3 ms) were most of its start; hmac brought
#: hashlib and OpenSSL (~5 ms) to read one hello.
NOT_ON_THE_COMMAND_LINE = ("dataclasses", "inspect", "typing", "hmac", "hashlib")


@needs("os.posix_spawn")
@pytest.mark.parametrize("module", NOT_ON_THE_COMMAND_LINE)
def test_a_command_line_run_of_a_program_never_imports(module, tmp_path):
    """As ``python -m engine run`` (engine/__main__.py): the lab started first, then
    the command line, in the same interpreter; what it imported is looked at after."""
    script = ("import sys, engine.cli\nfrom engine.lab import ahead\nahead.spawn()\n"
              f"code = engine.cli.main(['run', 'filescan', '--root', {str(tmp_path)!r}])\n"
              f"print(code, {module!r} in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=HANG, cwd=PROJECT_ROOT)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stderr or done.stdout.splitlines()[-1]


def test_a_program_s_params_are_what_a_dataclass_gave():
    """Its Params class (no dataclass now) takes keywords, fills in defaults, compares
    by value and refuses a setting it does not have, as the dataclass did."""
    cls = programs.params_class("counter", COUNTER)
    assert vars(cls(count=4)) == {"count": 4, "loud": False, "word": "tick", "pause": 0.0}
    assert cls(count=4) == cls(count=4) != cls(count=5)
    assert repr(cls(word="tock")).endswith("(count=3, loud=False, word='tock', pause=0.0)")
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        cls(nope=1)


#: Started ahead by engine.lab.ahead, in a fresh process, then given a program (the
#: command line's way); prints whether the run took that lab, then what the program printed.
AHEAD_SCRIPT = """
import sys
from engine.lab import ahead
if ahead.spawn():   # the lab process itself, when it is a fork of this one
    from engine.lab.inside import main
    main()
    sys.exit(0)
started = ahead._started[0].pid
from engine.lab import run as labrun
labrun.start_ahead()
run = labrun.start_lab(sys.argv[1], [])
while (event := run.events.get()).kind != "done":
    if event.kind == "process" and event.text == "started (root)":
        print("ran in the lab started ahead:", event.pid == started)
    if event.kind == "output":
        print(event.text)
run.join(5)
"""


@needs("os.posix_spawn")
@pytest.mark.parametrize("closed", ["", "0<&-", "2>&-"])
def test_the_command_lines_lab_is_what_the_windows_lab_is_to_its_program(closed):
    """The lab the command line starts in its first lines (a fork of it where the
    system forks) gives the program the same process as a lab the window starts:
    arguments, sys.path, ``__main__``, streams written through, stdin empty, its own
    session, the environment its children need, signal handlers, open files. Also
    when the command line was started without stdin or stderr (its pipe ends then
    take those numbers)."""
    program = str(PROGRAMS / "describes_itself.py")
    events = collect(start_lab(program, []), HANG)
    by_window = [e.text for e in events if e.kind == "output"]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(["bash", "-c", f'exec "$@" {closed}', "ahead", sys.executable,
                           "-c", AHEAD_SCRIPT, program], stdout=subprocess.PIPE, text=True,
                          timeout=HANG, cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["ran in the lab started ahead: True", *by_window]
    seen = json.loads(by_window[0])
    assert seen["argv"] == [program] and seen["path"][0] == str(PROGRAMS)
    assert seen["main"] == ["__main__", program] and seen["stdin"] == ""
    assert seen["session_leader"] and seen["env"] == ["1", "child"]
