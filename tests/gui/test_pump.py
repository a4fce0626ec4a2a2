"""The app's one event pump, on the real window, under a flood it cannot take at once."""

from __future__ import annotations

import queue

from engine import vocabulary as vocab
from engine.events import Event
from tests.gui.conftest import pump_until


class FilledRun:
    """Just enough of a Run for the pump: a queue that holds a flood already."""

    def __init__(self, n: int):
        self.events: queue.Queue = queue.Queue()
        for i in range(n):
            self.events.put(Event(i * 1e-6, "thread-1", vocab.OUTPUT, f"line {i}", seq=i + 1))


def test_a_flood_reaches_the_view_whole_in_order_and_in_bounded_batches(app):
    pump = app.pump
    run = FilledRun(60_000)
    seen: list[int] = []
    batches: list[int] = []
    too_big: list[tuple[int, int]] = []

    def sink(batch):
        most = pump.most_per_tick()      # what this tick was allowed to take
        if len(batch) > most:
            too_big.append((len(batch), most))
        seen.extend(event.seq for event in batch)
        batches.append(len(batch))
    pump.add(run, sink)
    try:
        pump_until(app, lambda: len(seen) == 60_000)
    finally:
        pump.remove(run)
    assert seen == list(range(1, 60_001))
    assert too_big == [], "a tick took more events than the views can show in its budget"
    assert len(batches) > 1, "the flood fitted in one tick: nothing was tested"


def test_the_take_follows_what_the_views_cost(app):
    pump = app.pump
    before = pump.most_per_tick()
    pump.learn_cost(pump.cost_per_event * 4)      # the views got slower: at once
    slower = pump.most_per_tick()
    assert slower < before
    pump.learn_cost(pump.cost_per_event / 100)    # much faster: by halves
    assert slower < pump.most_per_tick() <= 2 * slower + 1
    pump.learn_cost(1.0)                          # absurdly slow: a tick still moves on
    assert pump.most_per_tick() == pump.MIN_TAKE
