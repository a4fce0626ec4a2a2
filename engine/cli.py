"""The command line: ``python -m engine list | run LESSON [...] | selftest``."""

from __future__ import annotations

import argparse
import queue
import signal
import sys
import threading
import time
from collections.abc import Sequence

from . import catalog
from .errors import LessonError
from .params import ParamError, specs
from .runner import start

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else EXIT_BAD_INPUT
    command, rest = argv[0], argv[1:]
    if command == "list":
        return cmd_list()
    if command == "run":
        return cmd_run(rest)
    if command == "selftest":
        return selftest(verbose="-q" not in rest)
    print(f"error: unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return EXIT_BAD_INPUT


USAGE = """usage: python -m engine list
       python -m engine run LESSON [--PARAM VALUE ...] [--speed X] [--json]
       python -m engine run LESSON --help
       python -m engine selftest"""


def cmd_list() -> int:
    for lesson in catalog.lessons():
        print(f"{lesson.id:<14} {lesson.title}")
    return 0


def lesson_parser(lesson: catalog.Lesson) -> argparse.ArgumentParser:
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
                        "(0.1 to 10; 2 means twice as fast)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per event (JSON Lines)")
    return parser


class _QuietParser(Exception):
    pass


def cmd_run(args: list[str]) -> int:
    if not args:
        print("error: run needs a lesson name; see 'python -m engine list'", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        lesson = catalog.get(args[0])
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = lesson_parser(lesson)

    def fail(message: str):  # argparse's own errors, as one line
        raise _QuietParser(message)
    parser.error = fail  # type: ignore[method-assign]
    try:
        ns = parser.parse_args(args[1:])
    except _QuietParser as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    values = {k: v for k, v in vars(ns).items() if v is not None and k not in ("speed", "json")}
    try:
        speed = float(ns.speed)
        if not 0.1 <= speed <= 10:
            raise ValueError
    except ValueError:
        print(f"error: --speed must be a number from 0.1 to 10 (got {ns.speed!r})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        run = start(lesson.id, values, speed=speed)
    except ParamError as exc:
        option = "--" + exc.name.replace("_", "-")
        print(f"error: {option} {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except LessonError as exc:          # the system refused to start it
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _print_run(run, as_json=ns.json)


STOP_WITHIN = 2.0   # seconds a run may take to end after Ctrl+C or SIGTERM


def _print_run(run, as_json: bool) -> int:
    interrupted = threading.Event()
    asked: list[float] = []     # when the first Ctrl+C or SIGTERM came

    def on_signal(signum, frame):
        if not asked:
            asked.append(time.monotonic())
        interrupted.set()
        run.stop()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status = "error"
    died: list = []
    errors: list[str] = []
    try:
        while True:
            try:
                event = run.events.get(timeout=0.1)
            except queue.Empty:
                continue
            line = event.to_json() if as_json else _readable(event, run.lesson.module)
            print(line, flush=True)
            if event.kind == "error":
                errors.append(event.text)
            if event.kind == "done":
                status = event.data["status"]
                died = event.data.get("died") or []
                break
    finally:
        run.stop()
        run.join(5)
        for s, handler in old.items():
            signal.signal(s, handler)
    for text in errors:  # also on stderr, where a person or a script looks first
        print(f"error: {text}", file=sys.stderr)
    if asked and time.monotonic() - asked[0] > STOP_WITHIN:
        print(f"warning: the run did not end within {STOP_WITHIN:g} s of the signal "
              f"(it took {time.monotonic() - asked[0]:.1f} s)", file=sys.stderr)
    if interrupted.is_set():
        # Ctrl+C or SIGTERM wins, even if the run still managed to end "ok": in a
        # terminal Ctrl+C reaches the whole process group, so a child may die of
        # it first and the lesson end on its own before our Stop lands.
        return 130
    # An actor that died (killed, or of an error) means the figures are not
    # what the lesson promises, even when the lesson itself ended cleanly.
    return 0 if status == "ok" and not died else 1


def _readable(event, module) -> str:
    """One event as text; a lesson may add a fuller view of its result."""
    text = event.format()
    if event.kind == "error" and isinstance(event.data, dict) and event.data.get("traceback"):
        text += "\n" + event.data["traceback"].rstrip()
    render = getattr(module, "format_result", None)
    if event.kind == "result" and render is not None:
        text += "\n" + render(event.data)
    return text


SELFTEST_LIMIT = 60.0  # seconds one lesson may take in the self-test


def selftest(verbose: bool = True, speed: float = 10.0) -> int:
    """Run every lesson briefly with its self-test parameters; report each."""
    failures = 0
    for lesson in catalog.lessons():
        values = getattr(lesson.module, "SELFTEST_PARAMS", {})
        try:
            run = start(lesson.id, values, speed=speed)
        except ParamError as exc:
            failures += 1
            print(f"FAIL {lesson.id:<14} bad self-test parameters: {exc}")
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
            print(f"{'ok  ' if ok else 'FAIL'} {lesson.id:<14} {len(kinds)} events, {status}")
    print(f"selftest: {len(catalog.lessons()) - failures} passed, {failures} failed")
    return 1 if failures else 0
