"""The command line: ``python -m engine list | run LESSON [...] | selftest``."""

from __future__ import annotations

import io
import os
import queue
import signal
import sys
import time
from collections.abc import Sequence

from . import catalog
from . import vocabulary as vocab
from .control import MAX_SPEED, MIN_SPEED
from .errors import LessonError
from .params import ParamError, specs
from .runner import start
from .safetext import for_terminal

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

EXIT_BAD_INPUT = 2
#: The reader of our output went away (``... | head -1``). A shell reports 141
#: for ``find | head`` too, as find dies of SIGPIPE; we end the run first and
#: then exit with that same number, quietly. (SIGPIPE is 13 on every POSIX system;
#: Windows has none: the same number keeps the exit status the same everywhere.)
EXIT_BROKEN_PIPE = 128 + getattr(signal, "SIGPIPE", 13)


def main(argv: Sequence[str] | None = None) -> int:
    _keep_standard_fds_open()
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _dispatch(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        say(USAGE)
        return 0 if argv else EXIT_BAD_INPUT
    command, rest = argv[0], argv[1:]
    if command == "list":
        return cmd_list()
    if command == "run":
        return cmd_run(rest)
    if command == "selftest":
        return selftest(verbose="-q" not in rest)
    complain(f"error: unknown command {command!r}")
    for line in USAGE.splitlines():
        complain(line)
    return EXIT_BAD_INPUT


# -- where the output goes ---------------------------------------------------------------

def say(text: str) -> None:
    """Write ``text`` and a newline to stdout, now. The caller has escaped any names.

    A reader that went away raises BrokenPipeError, which ends the run (see main).
    """
    out = sys.stdout
    if out is None:          # started with stdout closed: nobody to tell
        return
    out.write(_encodable(text + "\n", out))
    out.flush()


def complain(text: str) -> None:
    """One line on stderr, and never on stdout, even when stderr is closed.

    (``print(..., file=sys.stderr)`` prints to stdout when sys.stderr is None,
    which it is when the program started with fd 2 closed.)
    """
    err = sys.stderr
    if err is None:
        return
    try:
        err.write(_encodable(for_terminal(text) + "\n", err))
        err.flush()
    except (OSError, ValueError):   # closed or gone: there is nowhere else to say it
        pass


def _encodable(text: str, stream) -> str:
    """``text`` as the stream can encode it: ``é`` on an ASCII stream becomes ``\\xe9``."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


def _keep_standard_fds_open() -> None:
    """Put /dev/null on any of fds 0, 1, 2 that the program was started without.

    Otherwise the next file or pipe opened here takes that number: with fd 2
    closed, a pipe to a worker could become "stderr" for the workers, and what
    they write there would go into the pipe.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            spare = os.open(os.devnull, os.O_RDWR)
            if spare != fd:
                os.dup2(spare, fd)
                os.close(spare)


def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null once its reader has gone.

    What is still buffered is then flushed there at exit, instead of failing
    again with "Exception ignored ... BrokenPipeError" on stderr.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


USAGE = """usage: python -m engine list
       python -m engine run LESSON [--PARAM VALUE ...] [--speed X] [--json]
       python -m engine run LESSON --help
       python -m engine selftest

Plain output shows names as ls -b does (caf\\xe9, \\x1b, \\n); --json keeps them exact.
Exit status: 0 ok, 1 the run failed, 2 bad input, 130 stopped by Ctrl+C or SIGTERM,
141 the reader of the output went away (as find | head reports)."""


def cmd_list() -> int:
    for lesson in catalog.lessons():
        say(f"{lesson.id:<14} {lesson.title}")
    return 0


def lesson_parser(lesson: catalog.Lesson) -> argparse.ArgumentParser:
    import argparse  # only for --help and for options read_options leaves to it
    parser = argparse.ArgumentParser(prog=f"python -m engine run {lesson.id}",
                                     description=lesson.summary)
    for spec in specs(lesson.params_cls):
        bounds = ""
        if spec.low is not None or spec.high is not None:
            bounds = f" [{spec.low}..{spec.high}]"
        text = f"{spec.help}{bounds} (default: {spec.default})"
        if spec.type is bool:
            parser.add_argument(spec.option, dest=spec.name, default=None,
                                action=argparse.BooleanOptionalAction, help=text)
        else:
            parser.add_argument(spec.option, dest=spec.name, default=None,
                                metavar=spec.type.__name__.upper(), help=text)
    parser.add_argument("--speed", default="1.0", help="scale every deliberate delay "
                        f"({MIN_SPEED:g} to {MAX_SPEED:g}; 2 means twice as fast)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per event (JSON Lines)")
    return parser


def read_options(lesson: catalog.Lesson, args: list[str]) -> dict | None:
    """The options of ``run LESSON`` as ``lesson_parser`` reads them, when each is
    written out whole: ``--name value``, ``--name=value``, ``--switch``, ``--no-switch``.

    None for anything else (an abbreviation, a value that starts with "-", a
    mistake): argparse then reads them, with its own messages. Importing argparse
    and building the parser (argparse, gettext, locale, shutil) took ~10 ms of every
    run's start, for options that are nearly always written out whole.
    """
    takes_value = {"--speed": "speed"}
    switches = {"--json": ("json", True)}
    found: dict = {"speed": "1.0", "json": False}
    for spec in specs(lesson.params_cls):
        found[spec.name] = None
        if spec.type is bool:   # as argparse.BooleanOptionalAction names them
            switches[spec.option] = (spec.name, True)
            switches["--no-" + spec.option[2:]] = (spec.name, False)
        else:
            takes_value[spec.option] = spec.name
    i = 0
    while i < len(args):
        word = args[i]
        option, equals, value = word.partition("=")
        if equals and option in takes_value:
            found[takes_value[option]] = value
        elif word in switches:
            name, on = switches[word]
            found[name] = on
        elif word in takes_value and i + 1 < len(args) and not args[i + 1].startswith("-"):
            i += 1
            found[takes_value[word]] = args[i]
        else:
            return None
        i += 1
    return found


class _QuietParser(Exception):
    pass


def cmd_run(args: list[str]) -> int:
    if not args:
        complain("error: run needs a lesson name; see 'python -m engine list'")
        return EXIT_BAD_INPUT
    if {"-h", "--help"} & set(args):
        return _cmd_run(args)
    # The lab process starts up now, while the lesson and its settings are read.
    from .lab import drop_ahead, start_ahead
    start_ahead()
    try:
        return _cmd_run(args)
    finally:
        drop_ahead()   # bad input: the lab started for nothing ends now


def _cmd_run(args: list[str]) -> int:
    try:
        lesson = catalog.get(args[0])
    except KeyError as exc:
        complain(f"error: {exc.args[0]}")
        return EXIT_BAD_INPUT
    options = read_options(lesson, args[1:])
    if options is None:
        parser = lesson_parser(lesson)

        def fail(message: str):  # argparse's own errors, as one line
            raise _QuietParser(message)
        parser.error = fail  # type: ignore[method-assign]
        try:
            options = vars(parser.parse_args(args[1:]))
        except _QuietParser as exc:
            complain(f"error: {exc}")
            return EXIT_BAD_INPUT
    values = {k: v for k, v in options.items() if v is not None and k not in ("speed", "json")}
    try:
        speed = float(options["speed"])
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError
    except ValueError:
        complain(f"error: --speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g} "
                 f"(got {options['speed']!r})")
        return EXIT_BAD_INPUT
    try:
        run = start(lesson.id, values, speed=speed, stepping=None)   # it never steps
    except ParamError as exc:
        option = "--" + exc.name.replace("_", "-")
        complain(f"error: {option} {exc.message}")
        return EXIT_BAD_INPUT
    except LessonError as exc:          # the system refused to start it
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _print_run(run, as_json=options["json"])


STOP_WITHIN = 2.0   # seconds a run may take to end after Ctrl+C or SIGTERM

#: What the readable output leaves out (``--json`` keeps every event): the raw
#: terminal chunks repeat the ``output`` lines, and the sampler's ``line`` moves,
#: a walk's progress, sleeps and step mode's reports come many times a second.
QUIET_KINDS = frozenset({"terminal", "line", "progress", "sleep", "paused", "blocked",
                         "finished", "actors"})


def _print_run(run, as_json: bool) -> int:
    asked: list[float] = []     # when the first Ctrl+C or SIGTERM came

    def on_signal(signum, frame):
        # Noted only; the loop stops the run. Stopping here could wait for the
        # run's lock, held by this same thread in the stop() of the finally below.
        if not asked:
            asked.append(time.monotonic())
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status = "error"
    died: list = []
    errors: list[str] = []
    complaints: list[str] = []   # what a program wrote on its stderr
    try:
        while True:
            if asked:
                run.stop()   # once; again, it does nothing
            try:
                event = run.events.get(timeout=0.1)
            except queue.Empty:
                continue
            # JSON is exact and pure ASCII (ensure_ascii): it needs no escaping.
            if as_json:
                say(event.to_json())
            elif event.kind not in QUIET_KINDS:
                say(_readable(event))
            if event.kind == "error":
                errors.append(event.text)
            elif event.kind == "output" and _on_stderr(event):
                complaints.append(event.text)
            if event.kind == "done":
                status = event.data["status"]
                died = event.data.get("died") or []
                break
    finally:
        run.stop()
        run.join(5)
        for s, handler in old.items():
            signal.signal(s, handler)
    if status == "error" and not errors:
        # A program that ends in failure on its own terms (a busy port: a line on
        # its stderr, then exit 1) has said why: there too. (An exception's
        # traceback is in the log; its one line follows.)
        for text in complaints:
            complain(text)
    for text in errors:  # also on stderr, where a person or a script looks first
        complain(f"error: {text}")
    if asked and time.monotonic() - asked[0] > STOP_WITHIN:
        complain(f"warning: the run did not end within {STOP_WITHIN:g} s of the signal "
                 f"(it took {time.monotonic() - asked[0]:.1f} s)")
    if asked:
        # Ctrl+C or SIGTERM wins, even if the run still managed to end "ok": in a
        # terminal Ctrl+C reaches the whole process group, so a child may die of
        # it first and the lesson end on its own before our Stop lands.
        return 130
    # An actor that died (killed, or of an error) means the figures are not
    # what the lesson promises, even when the lesson itself ended cleanly.
    return 0 if status == "ok" and not died else 1


def _on_stderr(event) -> bool:
    return isinstance(event.data, dict) and event.data.get("stream") == "stderr"


def _readable(event) -> str:
    """One event as text for a terminal.

    The event is one line whatever its text holds: a newline or an escape
    character in a file name is shown escaped, so a name cannot forge a line
    or colour the screen.
    """
    text = for_terminal(event.format())
    if event.kind == "error" and isinstance(event.data, dict) and event.data.get("traceback"):
        text += "\n" + for_terminal(event.data["traceback"].rstrip(), keep_newlines=True)
    if event.kind == "result":
        text += _partial(event.data)
    return text


def _partial(result) -> str:
    """A line under the result of a stopped run: its figures count only what ran."""
    if not isinstance(result, dict) or result.get(vocab.COMPLETE) is not False:
        return ""
    after = result.get(vocab.STOPPED_AFTER)
    return "\n" + for_terminal(f"partial result: stopped after {after}" if after
                                else "partial result: the run was stopped")


SELFTEST_LIMIT = 60.0  # seconds one lesson may take in the self-test


def selftest(verbose: bool = True, speed: float = 10.0) -> int:
    """Run every lesson briefly with its self-test parameters; report each."""
    failures = 0
    for lesson in catalog.lessons():
        values = lesson.selftest_params
        try:
            run = start(lesson.id, values, speed=speed, stepping=None)
        except ParamError as exc:
            failures += 1
            say(f"FAIL {lesson.id:<14} bad self-test parameters: {exc}")
            continue
        kinds, status = [], "timeout"
        deadline = time.monotonic() + SELFTEST_LIMIT
        while time.monotonic() < deadline:
            try:
                event = run.events.get(timeout=0.2)
            except queue.Empty:
                continue
            kinds.append(event.kind)
            if event.kind == "done":
                status = event.data["status"]
                break
        run.stop()
        run.join(5)
        ok = status == "ok" and "error" not in kinds and "result" in kinds
        failures += not ok
        if verbose or not ok:
            say(f"{'ok  ' if ok else 'FAIL'} {lesson.id:<14} {len(kinds)} events, {status}")
    say(f"selftest: {len(catalog.lessons()) - failures} passed, {failures} failed")
    return 1 if failures else 0
