"""How the event pump copes with a flood: 100k events from a worker thread.

An ``after()`` heartbeat every 5 ms records the longest gap between beats
(the worst stall a person would feel) while the real LogView shows the
events. Our budgeted pump is compared with a naive pump that drains
everything each tick, measured in the same run.
"""

from __future__ import annotations

import queue
import statistics
import threading
import time

N_EVENTS = 100_000
GOAL_STALL_MS = 50
GOAL_RATE = 150_000


class FloodRun:
    """Just enough of a Run for the pump: a queue that a worker fills."""

    def __init__(self, n: int):
        from engine.events import Event
        self.events: queue.Queue = queue.Queue()
        self.n = n
        self._make = Event
        self.thread = threading.Thread(target=self._flood, name="flood")

    def _flood(self):
        make, put = self._make, self.events.put
        t0 = time.monotonic()
        for i in range(self.n):
            put(make(t=time.monotonic() - t0, actor=f"worker-{i % 8}", kind="log",
                     text=f"message {i}", seq=i))


def naive_drain(pump) -> None:
    """The shortcut the pitfalls warn about: take everything there is, every tick."""
    for run, sink in list(pump._sinks.items()):
        batch = []
        while True:
            try:
                batch.append(run.events.get_nowait())
            except queue.Empty:
                break
        if batch:
            sink(batch)


def measure(root, pump_cls, naive: bool) -> tuple[float, float]:
    from gui.widgets.logview import LogView
    view = LogView(root)
    view.pack(fill="both", expand=True)
    pump = pump_cls(root)
    run = FloodRun(N_EVENTS)
    received = [0]

    def sink(batch):
        received[0] += len(batch)
        view.add(batch)
    pump.add(run, sink)
    if naive:
        pump.drain = lambda budget=None: naive_drain(pump)
    gaps, last, beat_id = [], [time.perf_counter()], [None]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        beat_id[0] = root.after(5, beat)
    beat_id[0] = root.after(5, beat)
    pump.start()
    root.update()
    start = time.perf_counter()
    last[0] = start
    run.thread.start()
    while received[0] < N_EVENTS:
        root.update()
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    run.thread.join()
    root.after_cancel(beat_id[0])
    pump.cancel()
    view.destroy()
    root.update()
    return N_EVENTS / elapsed, max(gaps) * 1000


def main() -> None:
    import ttkbootstrap as ttk

    from gui.pump import EventPump
    root = ttk.App(title="pump bench", size=(900, 600))
    rows = {"ours (budgeted)": [], "naive drain-all": []}
    for _ in range(3):  # interleaved, so both see the same machine load
        rows["ours (budgeted)"].append(measure(root, EventPump, naive=False))
        rows["naive drain-all"].append(measure(root, EventPump, naive=True))
    root.destroy()
    alone = []
    for _ in range(3):
        run = FloodRun(N_EVENTS)
        start = time.perf_counter()
        run.thread.start()
        run.thread.join()
        alone.append(N_EVENTS / (time.perf_counter() - start))
    print(f"the worker alone, nobody reading: {statistics.median(alone):,.0f} events/s "
          f"(the ceiling)")
    print(f"{N_EVENTS:,} events from a worker thread into the real LogView, 3 runs each "
          f"(median)")
    print(f"{'pump':<18} {'events/s':>10} {'worst stall':>12}")
    medians = {}
    for name, values in rows.items():
        rate = statistics.median(v[0] for v in values)
        stall = statistics.median(v[1] for v in values)
        medians[name] = (rate, stall)
        print(f"{name:<18} {rate:>10,.0f} {stall:>9.1f} ms")
    ours, naive = medians["ours (budgeted)"], medians["naive drain-all"]
    print(f"ratio ours/naive: rate {ours[0] / naive[0]:.2f}x, worst stall "
          f"{ours[1] / naive[1]:.2f}x   (goals: stall <= {GOAL_STALL_MS} ms, "
          f">= {GOAL_RATE:,} events/s)")


if __name__ == "__main__":
    main()
