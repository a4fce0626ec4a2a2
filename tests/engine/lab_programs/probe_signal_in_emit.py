"""A signal lands while this thread holds the lab's event lock, as it would if it came in
the middle of a probe's report. Lab-only: it reaches into the lab to hold that lock.

The handler only notes the signal: a print() there would wait for the same lock in
the lab's capture of stdout (a known limit of the capture, not of the probes).
"""
import os
import signal

from engine.lab import inside

seen = []


def on_signal(signum, frame):
    seen.append(signal.Signals(signum).name)


signal.signal(signal.SIGUSR1, on_signal)
with inside._state.lock:
    os.kill(os.getpid(), signal.SIGUSR1)   # the handler runs before the lock is let go
    after_the_handler = True
print("handled", *seen)
