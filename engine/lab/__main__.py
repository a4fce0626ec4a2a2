"""``python -m engine.lab PROGRAM [ARGS]``: run a program in the lab and print its events."""

from __future__ import annotations

import queue
import signal
import sys

from engine.lab import LabError, start_lab


def describe(event) -> str:
    """One line per event; text is shown with its newlines escaped."""
    where = f"L{event.line}" if event.line else ""
    data = event.data if event.kind not in ("terminal", "output", "line") else ""
    text = event.text.encode("unicode_escape").decode("ascii")
    return f"{event.t:8.3f}s {event.pid or '':>7} {event.actor:<24} {event.kind:<8} " \
           f"{where:>5}  {text}  {data or ''}".rstrip()


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    try:
        run = start_lab(argv[0], argv[1:])
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Ctrl-C, and SIGTERM (a service manager, `kill`), stop the run as the window's
    # Stop does: the program is asked first, its partial result printed, and nothing
    # is left. The handlers only note the signal, and the loop below stops the run: a
    # KeyboardInterrupt raised inside queue.get() can leave the queue's lock released
    # twice ("release unlocked lock"), and a second Ctrl-C would land outside any
    # handler. They stay until the process ends: a late signal does nothing.
    asked: list[int] = []
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda signum, frame: asked.append(signum))
    status = "stopped"
    try:
        status = print_until_done(run, asked)
    finally:
        run.stop()   # no-op once the run is over; ends it if printing failed
        run.join(5)
    return 0 if status == "ok" else 1


def print_until_done(run, asked: list[int]) -> str:
    """Print each event as it comes; the run's status when ``done`` arrives. Stop the
    run once ``asked`` holds a signal (``stop`` again does nothing)."""
    while True:
        if asked:
            run.stop()
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            continue
        print(describe(event), flush=True)
        if event.kind == "done":
            return event.data["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
