"""The one event pump of the app: an ``after()`` loop that drains every run.

Workers only put Events on queues (DESIGN.md, rule 1). Each tick drains the
queues of every active run within a small time budget, then hands each run's
batch to its view in one call, so a flood of events never freezes the window.
"""

from __future__ import annotations

import logging
import queue
import sys
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Sink = Callable[[list], None]


class EventPump:
    TICK_MS = 30          # how often the pump wakes up
    BUDGET_S = 0.008      # the most time one tick spends draining queues

    CHUNK = 512           # events taken from a queue per lock acquisition

    def __init__(self, root):
        # Workers hold the GIL for up to one switch interval each time the Tk
        # thread lets go of it (every Tcl call does). 1 ms instead of 5 ms
        # keeps the window responsive while a lesson floods it.
        sys.setswitchinterval(0.001)
        self._root = root
        self._sinks: dict = {}          # run -> sink(list of events)
        self._hooks: list[Callable[[], None]] = []
        self._after_id = None
        self._running = False

    def add(self, run, sink: Sink) -> None:
        self._sinks[run] = sink

    def remove(self, run) -> None:
        self._sinks.pop(run, None)

    def add_hook(self, hook: Callable[[], None]) -> None:
        """Call ``hook()`` on every tick (cheap checks only)."""
        self._hooks.append(hook)

    def start(self) -> None:
        self._running = True
        if self._after_id is None:
            self._after_id = self._root.after(self.TICK_MS, self._tick)

    def cancel(self) -> None:
        self._running = False
        if self._after_id is not None:
            try:
                self._root.after_cancel(self._after_id)
            except Exception:  # the root may already be gone
                pass
            self._after_id = None

    def drain(self, budget: float | None = None) -> int:
        """Move queued events to their sinks, for at most ``budget`` seconds."""
        budget = self.BUDGET_S if budget is None else budget
        deadline = time.perf_counter() + budget
        batches = {run: [] for run in self._sinks}
        pending = list(batches)
        moved = 0
        # Round robin in chunks, so one flooding run cannot starve the others.
        while pending and time.perf_counter() < deadline:
            for run in list(pending):
                chunk = take(run.events, self.CHUNK)
                batches[run].extend(chunk)
                if len(chunk) < self.CHUNK:
                    pending.remove(run)
        for run, batch in batches.items():
            if batch:
                moved += len(batch)
                sink = self._sinks.get(run)
                if sink is not None:
                    try:
                        sink(batch)
                    except Exception:
                        log.exception("a view failed to show %d events", len(batch))
        return moved

    def _tick(self) -> None:
        self._after_id = None
        try:
            self.drain()
            for hook in list(self._hooks):
                hook()
        finally:
            if self._running:  # a hook may have closed the app
                self._after_id = self._root.after(self.TICK_MS, self._tick)


def take(q: queue.Queue, most: int) -> list:
    """Up to ``most`` items from ``q`` with one lock acquisition.

    ``get_nowait()`` per item takes and releases the queue's lock each time;
    under a flood that alone caps the pump at a fraction of what a worker
    can produce. ``Queue.mutex`` and ``Queue.queue`` are the documented-by-
    source internals that ``get`` itself uses.
    """
    with q.mutex:
        items = q.queue
        n = min(most, len(items))
        batch = [items.popleft() for _ in range(n)]
        if n and q.maxsize > 0:
            q.not_full.notify(n)
    return batch
