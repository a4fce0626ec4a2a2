"""Signals

A **signal** is the smallest message there is: the operating system taps a
process on the shoulder with a number, such as SIGALRM or SIGTERM. It may come
from the kernel (an alarm clock ran out), from another process (`kill`), or
from the keyboard (Ctrl+C sends SIGINT). The process either lets the default
action happen (often: it dies) or runs a **handler** it chose with
`signal.signal`.

## What runs

The lesson starts one child process, the *catcher*. It installs handlers for
SIGALRM, SIGUSR1, SIGUSR2, SIGINT and SIGTERM, then sets an alarm clock with
`signal.alarm`. Each time the alarm rings the catcher sets it again, and after
the last alarm it ends on its own.

## What to try

- Press the signal buttons while it runs. The log shows each arrival: which
  signal, which handler ran, and when.
- **SIGTERM** is the polite "please end": its handler lets the catcher tidy up
  and leave.
- **SIGKILL** cannot be caught, blocked or ignored. No handler runs; the
  process simply vanishes, and the lesson can only see how it died.

## Things to know

- A Python handler runs in the **main thread**, between two steps of whatever
  the main thread was doing. So a handler should do as little as it can (here
  it only notes the arrival) and leave the real work to the main loop.
- The classic version waits with `signal.pause()`. A signal that lands just
  before `pause()` is called is handled, and then `pause()` sleeps on until
  the next one. Our loop naps 0.1 s at a time, so it never misses one for long.
- **Stop** reaches the catcher as SIGTERM, the same polite request as the
  button.
- `signal.alarm` counts in whole seconds. `signal.setitimer` is the same alarm
  clock with a finer dial, used when the interval has a fraction.
- Windows has no SIGALRM, SIGUSR1, SIGUSR2 or SIGKILL. There the lesson says so
  and uses only the signals that exist.
"""

import collections
import os
import signal
import sys
import time
from dataclasses import dataclass

from engine.params import param
from engine.procs import ProcessGroup, signal_name

#: The signals the catcher has a handler for (on platforms that have them).
SIGNALS = ("SIGALRM", "SIGUSR1", "SIGUSR2", "SIGINT", "SIGTERM")


@dataclass
class Params:
    interval: float = param(2.0, low=0.1, high=10.0,
                            help="seconds between two alarms (SIGALRM)")
    alarms: int = param(4, low=1, high=100,
                        help="after this many alarms the catcher ends on its own")


SELFTEST_PARAMS = {"interval": 1.0, "alarms": 2}


def run(params, emit, stop):
    with ProcessGroup(emit, stop) as group:
        # Processes share no memory, unless asked: one shared counter per signal.
        counts = group.ctx.Array("i", len(SIGNALS), lock=False)
        catcher = group.start(signal_catcher, counts, params.interval, params.alarms,
                              name="catcher")
        pid = catcher.pid
        group.wait([catcher])          # alarms done, SIGTERM, SIGKILL... or Stop
        emit("the catcher is ending: no more signals to send", kind="state",
             data={"child_pid": None})
        killed_by = None
        if catcher.exitcode is not None and catcher.exitcode < 0:
            killed_by = signal_name(-catcher.exitcode)  # no handler ran for this one
        if stop.is_set():
            emit(f"Stop pressed: sending SIGTERM to the catcher (pid {pid})")
            group.terminate(catcher)   # the same polite request as the button

    handled = {name: counts[i] for i, name in enumerate(SIGNALS) if hasattr(signal, name)}
    summary = ", ".join(f"{name} {n}" for name, n in handled.items())
    ending = f"; then {killed_by} ended it, with no handler" if killed_by else ""
    emit(f"handled: {summary}{ending}", kind="result",
         data={"handled": handled, "killed_by": killed_by, "pid": pid})


def signal_catcher(emit, stop, counts, interval, alarms):
    """The child process: install handlers, then report each signal that comes."""
    arrivals = collections.deque()    # (signal, handler, time): all a handler does

    def on_alarm(signum, frame):
        arrivals.append((signum, "on_alarm", time.time()))

    def on_user_signal(signum, frame):  # one handler may serve several signals
        arrivals.append((signum, "on_user_signal", time.time()))

    def on_interrupt(signum, frame):    # instead of raising KeyboardInterrupt
        arrivals.append((signum, "on_interrupt", time.time()))

    def on_terminate(signum, frame):    # the polite "please end"
        arrivals.append((signum, "on_terminate", time.time()))

    handlers = {"SIGALRM": on_alarm, "SIGUSR1": on_user_signal,
                "SIGUSR2": on_user_signal, "SIGINT": on_interrupt,
                "SIGTERM": on_terminate}
    for name, handler in handlers.items():
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
        else:
            emit(f"{sys.platform} has no {name}: no handler for it")
    # Only now is it safe to send signals: until a handler is set, SIGUSR1 kills.
    emit(f"handlers set; send me signals: kill -USR1 {os.getpid()}", kind="state",
         data={"child_pid": os.getpid()})

    seconds = interval / stop.speed
    rung = 0
    give_up_at = None                  # only used where there is no alarm clock
    if hasattr(signal, "SIGALRM"):
        arm_alarm(seconds)
        emit(f"alarm set at {clock(time.time())}, to ring in {seconds:g} s")
    else:
        give_up_at = time.monotonic() + alarms * seconds
        emit(f"{sys.platform} has no alarm clock: listening for {alarms * seconds:g} s")

    parent = os.getppid()
    leaving = False
    while not leaving:
        # The classic waits in signal.pause(), which sleeps through a signal
        # that lands just before it is called. A short nap can't miss one.
        time.sleep(0.1)
        while arrivals:
            signum, handler, when = arrivals.popleft()
            name = signal.Signals(signum).name
            counts[SIGNALS.index(name)] += 1
            emit(f"{name} arrived at {clock(when)}, handled by {handler}()",
                 data={"signal": name, "handler": handler, "time": when})
            if name == "SIGALRM":
                rung += 1
                if rung < alarms:
                    arm_alarm(seconds)
                    emit(f"alarm {rung} of {alarms}; set again for {seconds:g} s")
                else:
                    emit(f"that was alarm {rung} of {alarms}: leaving")
                    leaving = True
            elif name == "SIGTERM":
                emit("asked to end: tidying up and leaving")
                leaving = True
        if give_up_at is not None and time.monotonic() >= give_up_at:
            leaving = True
        if os.getppid() != parent:     # our parent died: an orphan should not linger
            leaving = True

    if hasattr(signal, "SIGALRM"):
        signal.alarm(0)                # cancel an alarm still ticking


def arm_alarm(seconds):
    """Ask the kernel for one SIGALRM after ``seconds``."""
    if seconds >= 1 and seconds == int(seconds):
        signal.alarm(int(seconds))     # the classic call: whole seconds only
    else:
        signal.setitimer(signal.ITIMER_REAL, seconds)  # the same clock, finer


def clock(when):
    """A wall-clock time such as 14:03:07.250."""
    return time.strftime("%H:%M:%S", time.localtime(when)) + f".{int(when * 1000) % 1000:03d}"
