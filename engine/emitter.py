"""``emit``: how lesson code reports what it does.

A lesson calls ``emit("got spam 3")``. The emitter stamps the text with the
time since the run started, the actor (the thread or process that called),
and the line of the lesson module that called, then puts an Event on the
run's queue. Lesson code never sees any of this.
"""

from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable

from .events import KINDS, Event

TYPE_CHECKING = False   # (importing typing costs ~3 ms of a command line's start)
if TYPE_CHECKING:
    from typing import Any


def calling_line(source_file: str | None, depth: int = 2) -> int | None:
    """The line in ``source_file`` nearest to the top of the caller's stack."""
    if not source_file:
        return None
    frame = sys._getframe(depth)
    for _ in range(12):
        if frame is None:
            return None
        if frame.f_code.co_filename == source_file:
            return frame.f_lineno
        frame = frame.f_back
    return None


class Emitter:
    """Turns ``emit(...)`` calls of a run's threads into Events on one queue."""

    def __init__(self, events: queue.Queue, source_file: str | None = None,
                 t0: float | None = None, gate: Callable[[], None] | None = None):
        self.events = events
        self.source_file = source_file
        self.t0 = time.monotonic() if t0 is None else t0
        self._seq = itertools.count(1)
        self._gate = gate

    def __call__(self, text: str, kind: str = "log", data: Any = None,
                 actor: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        line = calling_line(self.source_file)
        self.put(time.monotonic() - self.t0, actor or threading.current_thread().name,
                 kind, str(text), data, line, os.getpid())

    def put(self, t: float, actor: str, kind: str, text: str, data: Any,
            line: int | None, pid: int | None, gated: bool = True) -> Event:
        if gated and self._gate is not None and kind in ("log", "state"):
            self._gate()   # step mode: wait here for Next before the event happens
            t = time.monotonic() - self.t0
        event = Event(t=t, actor=actor, kind=kind, text=text, data=data, line=line,
                      pid=pid, seq=next(self._seq))
        self.events.put(event)
        return event

    def forward(self, item: tuple) -> Event:
        """Relay an event tuple that a child process sent (see ChildEmitter)."""
        return self.put(*item, gated=False)


class ChildEmitter:
    """``emit`` inside a child process: batches events over its pipe to the parent.

    Each receive in the parent is costly, so events cross the process
    boundary in lists. A small flusher thread sends what has gathered every
    25 ms, so a lone event is not held back.
    """

    FLUSH_EVERY = 0.025
    MAX_BATCH = 500

    def __init__(self, mp_queue, t0: float, source_file: str | None, actor: str,
                 control=None):
        self._queue = mp_queue
        self._control = control    # for step mode: the gate crosses the process boundary
        self.t0 = t0
        self.source_file = source_file
        self.actor = actor
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        self._batch: list[tuple] = []
        self._closed = threading.Event()
        self._flusher: threading.Thread | None = None
        self._send_at_once = False    # no flusher thread could start: flush each event
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    def __call__(self, text: str, kind: str = "log", data: Any = None,
                 actor: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        line = calling_line(self.source_file)
        stepping = self._control is not None and kind in ("log", "state") \
            and self._control.stepping
        if stepping:
            self._control.pause_if_stepping()   # wait here for Next
        item = (time.monotonic() - self.t0, actor or self.actor, kind, str(text), data,
                line, os.getpid())
        with self._lock:
            self._batch.append(item)
            full = len(self._batch) >= self.MAX_BATCH
        if full or stepping or self._send_at_once:
            self.flush()   # in step mode, show the event now, not in 25 ms
        if self._flusher is None and not self._send_at_once:
            self._start_flusher()

    def _start_flusher(self) -> None:
        with self._starting:           # two threads emitting at once start one flusher
            if self._flusher is not None or self._send_at_once:
                return
            flusher = threading.Thread(target=self._flush_loop, name="emit-flusher",
                                       daemon=True)
            try:
                flusher.start()
            except RuntimeError:
                # No thread to spare (a low limit on processes, ``ulimit -u``).
                # The events must still reach the parent, above all the error
                # that says why this process fails: send each one as it comes.
                self._send_at_once = True
            else:
                self._flusher = flusher
        if self._send_at_once:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._batch = self._batch, []
        if batch:
            self._queue.put(batch)

    def close(self) -> None:
        self._closed.set()
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join(1.0)
        self.flush()

    def _flush_loop(self) -> None:
        while not self._closed.wait(self.FLUSH_EVERY):
            self.flush()

    def _after_fork(self) -> None:
        # A forked child (the pipes lesson) starts with no flusher thread and
        # a queue whose feeder thread did not survive the fork.
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        self._batch = []
        self._flusher = None
        self._send_at_once = False
        self._closed = threading.Event()
        after_fork = getattr(self._queue, "_after_fork", None)
        if after_fork:
            after_fork()
