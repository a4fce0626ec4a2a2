"""Signals

A **signal** is the smallest message there is: the operating system taps a
process on the shoulder with a number, such as SIGALRM or SIGTERM. It may come
from the kernel (an alarm clock ran out), from another process (`kill`), or
from the keyboard (Ctrl+C sends SIGINT). The process either lets the default
action happen (often: it dies) or runs a **handler** it chose with
`signal.signal`.

## What runs

The program installs one handler, `on_signal`, for SIGALRM, SIGUSR1, SIGUSR2
and SIGTERM (one handler may serve several signals), prints its PID, then
sets an alarm clock with `signal.alarm`. Each time the alarm rings it sets it
again; after the last alarm it ends by itself.

## What to try

- Send it signals while it runs: from another terminal,
  `kill -USR1 <pid>` (or `-USR2`, `-TERM`). Each arrival is printed: which
  signal, and when. (In PySysLab the buttons do this with `os.kill(pid, ...)`,
  and Stop is Ctrl+C.)
- **SIGTERM** is the polite "please end": the program tidies up and leaves.
- **Ctrl+C** (SIGINT) has no handler of ours: Python's own raises
  KeyboardInterrupt, and the program leaves with what it counted so far.
- **SIGKILL** (`kill -9 <pid>`) cannot be caught, blocked or ignored. No
  handler runs; the process simply vanishes.

## Things to know

- A Python handler runs in the **main thread**, between two steps of whatever
  the main thread was doing. So a handler should do as little as it can (here
  it counts and notes the arrival, and sets the next alarm; even a `print`
  could land in the middle of another `print`) and leave the rest to the main
  loop.
- The classic program waits with `signal.pause()`. A signal that lands just
  before `pause()` is called is handled, and then `pause()` sleeps on until
  the next one. This loop naps 0.1 s at a time, so it never misses one for long.
- `signal.alarm` counts in whole seconds, and `signal.alarm(0)` cancels an
  alarm still ticking. `signal.setitimer` is the same clock with a finer dial.
- Windows has no SIGALRM, SIGUSR1, SIGUSR2 or SIGKILL. There the program says
  so and, with no alarm clock to wait for, ends at once.
"""

import argparse
import os
import signal
import sys
import time

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --alarms 10     (then, elsewhere: kill -USR1 <pid>)
SETTINGS = {
    "alarms": (3, 1, 100, "after this many alarms the program ends by itself"),
    "interval": (1, 1, 60, "whole seconds between two alarms (SIGALRM)"),
}


def read_settings():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, (default, low, high, text) in SETTINGS.items():
        if isinstance(default, bool):
            parser.add_argument("--" + name, action=argparse.BooleanOptionalAction,
                                default=default, help=text)
        else:
            parser.add_argument("--" + name, type=type(default), default=default,
                                help=text, choices=low if isinstance(low, list) else None)
    return parser.parse_args()


def main():
    settings = read_settings()
    handled = {}    # signal name: how many times its handler ran
    arrivals = []   # what the handler noted, for the main loop to print

    def on_signal(signum, frame):    # runs in the main thread, between two of its steps
        name = signal.Signals(signum).name
        handled[name] += 1
        arrivals.append(f"Got {name} (signal {signum}) at {time.strftime('%H:%M:%S')}")
        if name == "SIGALRM" and handled[name] < settings.alarms:
            signal.alarm(settings.interval)   # one ring per call: set it again

    for name in ("SIGALRM", "SIGUSR1", "SIGUSR2", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)
            handled[name] = 0
        else:
            print(f"{sys.platform} has no {name}: no handler for it")
    # Only now is it safe to send signals: without a handler, SIGUSR1 kills.
    print(f"pid {os.getpid()}: send me signals, e.g. kill -USR1 {os.getpid()}")
    if "SIGALRM" not in handled:
        return {"handled": handled, "pid": os.getpid()}   # no alarm clock to wait for
    signal.alarm(settings.interval)
    print(f"Setting alarm at {time.strftime('%H:%M:%S')}: rings in {settings.interval} s")
    try:
        while arrivals or (handled["SIGALRM"] < settings.alarms and not handled["SIGTERM"]):
            if arrivals:
                print(arrivals.pop(0))
            else:
                time.sleep(0.1)          # the classic waits in signal.pause(): see above
    except KeyboardInterrupt:
        print("Ctrl+C: leaving early")
    signal.alarm(0)                      # cancel an alarm still ticking
    if handled["SIGTERM"]:
        print("asked to end: tidying up and leaving")
    print("handled: " + ", ".join(f"{name} {count}" for name, count in handled.items()))
    return {"handled": handled, "pid": os.getpid()}


if __name__ == "__main__":
    main()
