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
  the main thread was doing. So a handler should do as little as it can: here
  it counts, prints and sets the next alarm. (Even its `print` could land in
  the middle of another `print` of the main thread.)
- The classic program waits with `signal.pause()`. A signal that lands just
  before `pause()` is called is handled, and then `pause()` sleeps on until
  the next one. This loop naps 0.1 s at a time, so it never misses one for long
  (and Windows has no `pause()`).
- `signal.alarm` counts in whole seconds, and `signal.alarm(0)` cancels an
  alarm still ticking. `signal.setitimer` is the same clock with a finer dial.
- Windows has no `signal.alarm`, SIGALRM, SIGUSR1 or SIGUSR2: there a
  `threading.Timer` is the alarm clock, and raises SIGABRT (a signal Windows
  has) in the program with `signal.raise_signal`, in place of SIGALRM.
"""

import argparse
import os
import signal
import threading
import time


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too).
# Try: python program.py --alarms 10     (then, elsewhere: kill -USR1 <pid>)
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--alarms", type=between(1, 100), default=3, help="alarms, then it ends")
parser.add_argument("--interval", type=between(1, 60), default=1, help="seconds between alarms")

ALARM = "SIGALRM" if hasattr(signal, "SIGALRM") else "SIGABRT"   # Windows: see above


def set_alarm(seconds):
    if hasattr(signal, "alarm"):
        signal.alarm(seconds)            # the kernel sends SIGALRM in that many seconds
    else:                                # no alarm clock: a timer thread raises the signal
        clock = threading.Timer(seconds, signal.raise_signal, [getattr(signal, ALARM)])
        clock.daemon = True              # it must not keep the program alive after Ctrl+C
        clock.start()


def main():
    args = parser.parse_args()
    handled = {}                         # signal name: how many times its handler ran

    def on_signal(signum, frame):        # runs in the main thread, between two of its steps
        name = signal.Signals(signum).name
        handled[name] += 1
        print(f"Got {name} (signal {signum}) at {time.strftime('%H:%M:%S')}")
        if name == ALARM and handled[name] < args.alarms:
            set_alarm(args.interval)     # one ring per call: set it again

    for name in (ALARM, "SIGUSR1", "SIGUSR2", "SIGTERM"):
        if hasattr(signal, name):        # Windows has no SIGUSR1 or SIGUSR2
            signal.signal(getattr(signal, name), on_signal)
            handled[name] = 0
    # Only now is it safe to send signals: without a handler, SIGUSR1 kills.
    print(f"pid {os.getpid()}: send me signals, e.g. kill -USR1 {os.getpid()}")
    set_alarm(args.interval)
    print(f"Setting alarm at {time.strftime('%H:%M:%S')}: rings in {args.interval} s")
    try:
        while handled[ALARM] < args.alarms and not handled["SIGTERM"]:
            time.sleep(0.1)              # the classic waits in signal.pause(): see above
    except KeyboardInterrupt:
        print("Ctrl+C: leaving early")
    if hasattr(signal, "alarm"):
        signal.alarm(0)                  # cancel an alarm still ticking
    if handled["SIGTERM"]:
        print("asked to end: tidying up and leaving")
    print("handled: " + ", ".join(f"{name} {count}" for name, count in handled.items()))
    return {"handled": handled, "pid": os.getpid()}


if __name__ == "__main__":
    main()
