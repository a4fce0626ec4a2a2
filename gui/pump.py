"""The one event pump of the app: an ``after()`` loop that drains every run.

Workers only put Events on queues (DESIGN.md, rule 1). Each tick drains the
queues of every active run within a small time budget, then hands each run's
batch to its view in one call, so a flood of events never freezes the window.

Draining is cheap (a queue gives up 100k events in a few ms); showing them is
not (a lab run's tab spends ~2 us per event on its log, terminal, timeline and
code pane). So a tick also takes no more events than the views can show in
``VIEW_BUDGET_S``: the pump measures how long the views took per event and
sizes the next tick's take from it. When a tick leaves events queued, the next
one comes after ``BUSY_TICK_MS`` instead of ``TICK_MS``: the window still
redraws and answers between ticks, and a flood is absorbed at full speed.
Measured (tests/bench/bench_pump.py, a lab run's 200k events into the real
tab): the take unbounded gave 420k events/s but stalls of ~200 ms.
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
    BUSY_TICK_MS = 1      # ... when the last tick left events queued
    BUDGET_S = 0.008      # the most time one tick spends draining queues
    VIEW_BUDGET_S = 0.020  # the time the views should take to show one tick's events
    FIRST_COST_S = 5e-6   # a guess at the views' time per event, until it is measured
    MIN_TAKE = 500        # events a tick takes at least, however slow the views seem

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
        self.cost_per_event = self.FIRST_COST_S   # the views' time per event, measured
        self.behind = False     # the last tick left events queued

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

    def most_per_tick(self) -> int:
        """How many events the views can show in VIEW_BUDGET_S, as last measured."""
        return max(self.MIN_TAKE, int(self.VIEW_BUDGET_S / self.cost_per_event))

    def drain(self, budget: float | None = None) -> int:
        """Move queued events to their sinks, for at most ``budget`` seconds of
        draining and at most ``most_per_tick()`` events."""
        budget = self.BUDGET_S if budget is None else budget
        deadline = time.perf_counter() + budget
        batches = {run: [] for run in self._sinks}
        pending = list(batches)
        room = self.most_per_tick()
        # Round robin in chunks, so one flooding run cannot starve the others.
        while pending and room > 0 and time.perf_counter() < deadline:
            for run in list(pending):
                want = min(self.CHUNK, room)
                chunk = take(run.events, want)
                batches[run].extend(chunk)
                room -= len(chunk)
                if len(chunk) < want:
                    pending.remove(run)
                if room <= 0:
                    break
        self.behind = bool(pending)
        moved = sum(len(batch) for batch in batches.values())
        began = time.perf_counter()
        for run, batch in batches.items():
            if batch:
                sink = self._sinks.get(run)
                if sink is not None:
                    try:
                        sink(batch)
                    except Exception:
                        log.exception("a view failed to show %d events", len(batch))
        if moved >= self.MIN_TAKE:   # a few events say little about the views' speed
            self.learn_cost((time.perf_counter() - began) / moved)
        return moved

    def learn_cost(self, measured: float) -> None:
        """Follow a slower measure at once (a stall is what we avoid), a faster one
        by halves (one quick tick should not let the next take too much)."""
        self.cost_per_event = max(measured, (self.cost_per_event + measured) / 2)

    def _tick(self) -> None:
        self._after_id = None
        try:
            self.drain()
            for hook in list(self._hooks):
                hook()
        finally:
            if self._running:  # a hook may have closed the app
                wait = self.BUSY_TICK_MS if self.behind else self.TICK_MS
                self._after_id = self._root.after(wait, self._tick)


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
        if n == len(items):
            batch = list(items)   # all of it: one C-level copy, not n pops
            items.clear()
        else:
            batch = [items.popleft() for _ in range(n)]
        if n and q.maxsize > 0:
            q.not_full.notify(n)
    return batch
