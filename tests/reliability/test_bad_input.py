"""Bad input, on the command line and in the form: one clear message, and no run.

The table is generated from every parameter of every lesson
(``engine.params.specs``):

* numbers: negative, zero, huge (also 5000 digits), not a number, empty; a fraction for a
  whole number; nan and inf for a decimal. Whether a value is bad is decided here, from the
  declared bounds, not by asking the code under test; a value that is within
  bounds (0 where 0 is allowed) is not bad input and is left out;
* yes/no flags given a junk value (command line only: a checkbox cannot hold one);
* choices given a value not among them (command line only: the list is read-only);
* folders: missing, a file, empty, and unreadable (as an unprivileged user, in
  a child process, since the tests run as root);
* file name endings (``--ext``) that no file name can have, or that are
  shell patterns: ``*``, ``*.py``, ``../``, a slash, ``?``.

The command line must exit with status 2, print nothing on stdout (a run
would print its start there), and say what is wrong in one line on stderr.
The form must refuse to start, with the same message next to the field.
A busy fixed port can only be found out by trying: the run starts, fails,
and the command line exits 1 with one line on stderr (the Sockets tab shows
it too: tests/gui/test_sockets_tab.py).
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from engine import catalog, cli
from engine.params import specs
from tests.reliability.lessons import REPO, lesson_ids

NOBODY = 65534
LONG = "9" * 5000    # more digits than int() takes, and a message must still be short
NUMBERS = {int: ("-1", "0", "99999999999999999999", LONG, "abc", "", "1.5"),
           float: ("-1", "0", "1e300", LONG, "abc", "", "nan", "inf")}
JUNK = "maybe-not"
#: Endings that match no file: a name holds no "/", and "*" or "?" would be
#: compared as those very characters (a shell pattern silently finds 0 files).
ENDINGS = ("*", "*.py", "../", "src/x.py", "?.py", "/")
MISSING, A_FILE, UNREADABLE = "<missing folder>", "<a file>", "<unreadable folder>"


def is_bad_number(spec, raw: str) -> bool:
    """Whether ``raw`` is out of the declared bounds or not a number of the right kind."""
    text = raw.strip()
    if spec.type is int and not re.fullmatch(r"[+-]?\d+", text):
        return True
    try:
        value = float(text)
    except ValueError:
        return True
    if math.isnan(value):
        return True
    return (spec.low is not None and value < spec.low) or \
        (spec.high is not None and value > spec.high)


def cases(with_widgets_only: bool = False) -> list:
    """(lesson, parameter, raw value) for every bad value of every parameter."""
    found = []
    for lesson in lesson_ids():
        for spec in specs(catalog.get(lesson).params_cls):
            if spec.type in (int, float):
                found += [(lesson, spec.name, raw) for raw in NUMBERS[spec.type]
                          if is_bad_number(spec, raw)]
            elif spec.kind == "folder":
                found += [(lesson, spec.name, raw) for raw in (MISSING, A_FILE, "")]
            elif spec.kind == "name-ending":
                found += [(lesson, spec.name, raw) for raw in ENDINGS]
            elif not with_widgets_only and (spec.type is bool or spec.choices):
                found.append((lesson, spec.name, JUNK))
    return found


def case_id(case) -> str:
    lesson, name, raw = case
    return f"{lesson}-{name}-{raw!r}" if len(raw) < 30 else f"{lesson}-{name}-{len(raw)}-digits"


@pytest.fixture(scope="module")
def places():
    """A missing folder and a file, for the folder parameters."""
    base = tempfile.mkdtemp(prefix="bad-input-")
    with open(os.path.join(base, "a-file.txt"), "w") as f:
        f.write("not a folder\n")
    yield {MISSING: os.path.join(base, "no-such-folder"), A_FILE: os.path.join(base, "a-file.txt")}
    shutil.rmtree(base)


def cli_run(args: list[str], capsys) -> tuple[int, str, list[str]]:
    """``python -m engine ARGS`` in this process: status, stdout, stderr lines."""
    status = cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err.strip().splitlines()


def cli_args(lesson: str, name: str, raw: str) -> list[str]:
    option = "--" + name.replace("_", "-")
    spec = next(s for s in specs(catalog.get(lesson).params_cls) if s.name == name)
    if spec.type is bool:
        return ["run", lesson, option, raw]          # a flag takes no value
    return ["run", lesson, f"{option}={raw}"]        # = keeps "-1" a value, not an option


# -- the command line --------------------------------------------------------------------

@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_cli_refuses_a_bad_value_in_one_line_with_status_2(case, places, capsys):
    lesson, name, raw = case
    raw = places.get(raw, raw)
    status, out, err = cli_run(cli_args(lesson, name, raw), capsys)
    assert status == 2, (out, err)
    assert out == "", "nothing may run"
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith("error: "), line
    assert "--" + name.replace("_", "-") in line or repr(raw) in line or raw in line, line
    assert "Traceback" not in line and len(line) < 200, line


def test_cli_refuses_a_bool_flag_given_a_value(capsys):
    status, out, err = cli_run(["run", "mutex", f"--lock={JUNK}"], capsys)
    assert (status, out, len(err)) == (2, "", 1), err
    assert "--lock" in err[0] and JUNK in err[0]


@pytest.mark.parametrize("ending", ENDINGS)
def test_cli_says_what_ext_expects(ending, capsys):
    status, out, err = cli_run(["run", "filescan", f"--ext={ending}"], capsys)
    assert (status, out) == (2, "")
    assert err[0].startswith("error: --ext must be the end of a file name, such as .py"), err
    assert repr(ending) in err[0]
    if ending == "*.py":
        assert err[0].endswith("(got '*.py': give .py instead)"), err


@pytest.mark.parametrize(("ending", "found"), [(".py", 2), ("py", 2), (".tar.gz", 1),
                                               ("", 4), (".", 1)])
def test_cli_takes_an_ending_a_file_name_can_have(ending, found, tmp_path, capsys):
    for name in ("a.py", "b.py", "c.tar.gz", "d."):
        (tmp_path / name).write_bytes(b"x")
    status, out, err = cli_run(["run", "filescan", "--root", str(tmp_path),
                                f"--ext={ending}", "--json"], capsys)
    assert status == 0, err
    [result] = [e for e in map(json.loads, out.splitlines()) if e["kind"] == "result"]
    assert result["data"]["count"] == found


def test_cli_busy_fixed_port_fails_the_run_in_one_line_with_status_1(capsys):
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen(1)
        port = other_program.getsockname()[1]
        status, out, err = cli_run(["run", "sockets", "--clients", "1", "--port", str(port)],
                                   capsys)
    assert status == 1
    # The program's own line (it prints it on stderr and exits 1), on the CLI's stderr.
    assert err == [f"error: cannot listen on port {port}: Address already in use "
                   "(--port 0 lets the OS pick a free one)"]
    assert "Traceback" not in out


def as_lesson(monkeypatch, program: Path) -> None:
    """The CLI runs ``program`` as the lesson "failing", in the lab like any lesson."""
    lesson = catalog.Lesson("failing", "Failing", program=str(program))
    monkeypatch.setattr(catalog, "get", lambda lesson_id: lesson)


def test_cli_a_program_that_says_why_it_fails_has_that_line_on_stderr(tmp_path, monkeypatch,
                                                                      capsys):
    program = tmp_path / "program.py"
    program.write_text('import sys\nprint("error: the sky fell", file=sys.stderr)\n'
                       'sys.exit(1)\n')
    as_lesson(monkeypatch, program)
    status, out, err = cli_run(["run", "failing"], capsys)
    assert (status, err) == (1, ["error: the sky fell"])


def test_cli_a_program_that_raises_has_one_line_on_stderr(monkeypatch, capsys):
    """Its traceback is in the log (stdout), not repeated on stderr."""
    as_lesson(monkeypatch, REPO / "tests" / "engine" / "lab_programs" / "raises.py")
    status, out, err = cli_run(["run", "failing"], capsys)
    assert (status, err) == (1, ["error: ZeroDivisionError: division by zero"])
    assert "Traceback" in out


# -- the form in the real window ---------------------------------------------------------

@pytest.fixture(scope="module")
def window():
    """One real window for the whole table (each case resets what it changed)."""
    from gui.app import App
    app = App()
    app.update()
    yield app
    app.close()
    gc.collect()


@pytest.mark.gui
@pytest.mark.parametrize("case", cases(with_widgets_only=True), ids=case_id)
def test_form_refuses_a_bad_value_next_to_its_field(case, window, places, capsys):
    lesson, name, raw = case
    form_refuses(window, lesson, name, places.get(raw, raw), capsys)


@pytest.mark.gui
@pytest.mark.parametrize("ending", ["*.py", "../"])
def test_form_says_what_ext_expects(ending, window, capsys):
    """The rule is in the Params declaration, so the form has it as the CLI does."""
    message = form_refuses(window, "filescan", "ext", ending, capsys)
    assert message.startswith("must be the end of a file name, such as .py"), message


def form_refuses(window, lesson: str, name: str, raw: str, capsys) -> str:
    """Type ``raw`` into the field, press Run: no run, a message below the field,
    the same words as the command line's. Returns the message."""
    tab = window.select(lesson)
    spec = next(s for s in tab.form.specs if s.name == name)
    tab.form.set_values({name: raw})
    try:
        tab.run_button.invoke()
        window.update()
        assert tab.run is None and tab.state != "running", "nothing may run"
        message = tab.form.messages[name]
        assert message.winfo_ismapped(), "the message is on screen"
        field = tab.form.inputs[name]
        gap = message.winfo_rooty() - (field.winfo_rooty() + field.winfo_height())
        assert 0 <= gap <= field.winfo_height(), "the message is right under its field"
        assert message.winfo_rootx() < field.winfo_rootx() + field.winfo_width() \
            and field.winfo_rootx() < message.winfo_rootx() + message.winfo_width()
        assert set(tab.form.errors()) == {name}, tab.form.errors()
        # The same words as on the command line.
        _, _, err = cli_run(cli_args(lesson, name, raw), capsys)
        assert err == [f"error: --{name.replace('_', '-')} {message.cget('text')}"]
        return message.cget("text")
    finally:
        tab.form.set_values({name: spec.default})
        tab.form.read()                          # clears the message for the next case


# -- an unreadable folder, as a user who cannot read it -------------------------------------
# Root reads every folder: as root, the child becomes user nobody (after its
# imports, as the interpreter's own files may be where nobody cannot read them).
# Any other user is kept out of the folder by its mode alone.

AS_ANOTHER_USER = """
import json, os, sys
{imports}
uid = {uid!r}
if uid is not None:
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
{body}
"""
READER = NOBODY if os.geteuid() == 0 else None

CLI_BODY = "sys.exit(engine.cli.main(['run', 'filescan', '--root', {root!r}]))"

FORM_BODY = """
tab = app.select('filescan')
tab.form.set_values({{'root': {root!r}}})
tab.run_button.invoke(); app.update()
print(json.dumps({{'ran': tab.run is not None, 'errors': tab.form.errors(),
                  'shown': tab.form.messages['root'].winfo_ismapped()}}))
app.close()
"""


@pytest.fixture(scope="module")
def unreadable():
    """A folder that exists but that READER cannot read."""
    base = tempfile.mkdtemp(prefix="bad-input-locked-")
    os.chmod(base, 0o755)
    locked = os.path.join(base, "locked")
    os.mkdir(locked)
    os.chmod(locked, 0o700 if READER is not None else 0)
    yield locked
    os.chmod(locked, 0o700)
    shutil.rmtree(base)


def as_reader(imports: str, body: str, tmp_path) -> subprocess.CompletedProcess:
    """Run ``imports``, then ``body`` as READER, in a child process."""
    code = AS_ANOTHER_USER.format(imports=imports, uid=READER, body=body)
    env = dict(os.environ, PYSYSLAB_CONFIG_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=60)


def test_cli_refuses_an_unreadable_root(unreadable, tmp_path):
    # engine.lab.run: the command line starts a lab process as it begins (the reader
    # cannot start this interpreter, so none starts; the refusal comes first anyway).
    # The programs' declarations are read first too: the clone itself may be where the
    # reader cannot go (a 0700 temporary folder), and the point here is the root. So is
    # the standard library (root's pyenv): what a lab started the usual way (not by
    # ``python -m engine``) imports only then is imported first as well.
    done = as_reader("import engine.cli, engine.catalog, engine.lab.run, functools\n"
                     "import secrets, socket, subprocess, tempfile\n"
                     "import engine.programs as programs\n"
                     "programs._parsed = functools.cache(programs._parsed)\n"
                     "[programs._parsed(lesson.program) for lesson in engine.catalog.lessons()"
                     " if lesson.program]", CLI_BODY.format(root=unreadable), tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == [f"error: --root cannot read {unreadable}: "
                                        "permission denied"]


@pytest.mark.gui
def test_form_refuses_an_unreadable_root(unreadable, tmp_path):
    # The window opens first: Tk and its images load files nobody may not read.
    done = as_reader("from gui.app import App\napp = App(); app.update()",
                     FORM_BODY.format(root=unreadable), tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"ran": False, "shown": True,
                    "errors": {"root": f"cannot read {unreadable}: permission denied"}}
