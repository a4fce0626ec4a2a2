"""Pipe plumbing for the pipes lesson, so Stop works and no zombie is left.

A plain ``os.read`` or ``Connection.recv_bytes`` blocks until data comes, and
a plain ``os.waitpid`` blocks until the child ends: either could make Stop
hang. The lesson (``engine/lessons/pipes.py``) calls these instead. They wait
a ``TICK`` at a time and look at Stop in between, and ``reap`` kills a child
that does not end by itself. Nothing here emits events, so the highlighted
line stays in the lesson.
"""

import os
import select
import signal
import time

TICK = 0.1    # no wait here lasts longer than this, so Stop is quick


def wait_readable(pipe_in, stop):
    """Wait until ``pipe_in`` has something to read, or end of file. False on Stop.

    ``pipe_in`` is a file descriptor from ``os.pipe()`` or the reading
    ``Connection`` of a ``multiprocessing.Pipe``."""
    while not _ready(pipe_in):
        if stop.is_set():
            return False
    return True


def _ready(pipe_in):
    if isinstance(pipe_in, int):
        return bool(select.select([pipe_in], [], [], TICK)[0])
    return pipe_in.poll(TICK)


def reap(pid, patience):
    """Collect the child's exit status with ``os.waitpid``, so it does not stay
    a zombie, and return it.

    The child ends by itself at end of file or on Stop; after ``patience``
    seconds it is killed. ``WNOHANG`` means "tell me now, don't wait"."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]
