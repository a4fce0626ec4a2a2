"""``python -m engine.lab PROGRAM [ARGS]``: run a program in the lab and print its events."""

from __future__ import annotations

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
    # SIGTERM (a service manager, `kill`) stops the run as Ctrl-C does: the program
    # is asked first, its partial result printed, and nothing is left.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    status = "stopped"
    try:
        status = print_until_done(run)
    except KeyboardInterrupt:
        run.stop()   # Ctrl-C here is the window's Stop button
        print_until_done(run)
    finally:
        run.stop()   # no-op once the run is over; ends it if printing failed
        run.join(5)
    return 0 if status == "ok" else 1


def print_until_done(run) -> str:
    """Print each event as it comes; the run's status when ``done`` arrives."""
    while True:
        event = run.events.get()
        print(describe(event), flush=True)
        if event.kind == "done":
            return event.data["status"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
