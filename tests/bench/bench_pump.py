"""How the event pump copes with a flood: 100k events from a worker thread.

An ``after()`` heartbeat every 5 ms records the longest gap between beats
(the worst stall a person would feel) while the real LogView shows the
events. Our budgeted pump is compared with a naive pump that drains
everything each tick, measured in the same run.

Then a lab run's flood (issue 15: "a program printing 100k lines"): a queue
filled beforehand with ~200k events, as the lab sends them for 95k
``print()`` calls of 4 threads (a ``terminal`` chunk and an ``output`` line
each) and the sampler's ``line`` events, goes through the app's real pump into
the real lesson tab (log, terminal, timeline, code pane). It reports events
absorbed per second, the worst gap between two pump ticks and the worst
heartbeat gap; their goals are >= 150k events/s and <= 50 ms.
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


class Heartbeat:
    """An ``after()`` beat every 5 ms: the longest gap between beats is the worst
    stall a person would feel."""

    def __init__(self, root):
        self.root = root
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.after_id = root.after(5, self.beat)

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now
        self.after_id = self.root.after(5, self.beat)

    def restart(self) -> float:
        """Count gaps from now on; returns now."""
        self.last = time.perf_counter()
        return self.last

    def stop(self) -> float:
        """Stop beating; the worst gap in ms."""
        self.root.after_cancel(self.after_id)
        return max(self.gaps) * 1000


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
    heart = Heartbeat(root)
    pump.start()
    root.update()
    start = heart.restart()
    run.thread.start()
    while received[0] < N_EVENTS:
        root.update()
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    run.thread.join()
    worst = heart.stop()
    pump.cancel()
    view.destroy()
    root.update()
    return N_EVENTS / elapsed, worst


PRINTS = 95_000           # print() calls of the lab flood: two events each
LINE_EVERY = 10           # the sampler's line events, one per this many prints


class FilledRun:
    """Just enough of a Run for the pump: a queue holding a whole lab flood already."""

    def __init__(self, program: str, prints: int = PRINTS):
        from engine import vocabulary as vocab
        from engine.events import Event
        self.events: queue.Queue = queue.Queue()
        put, seq = self.events.put, 0
        for i in range(prints):
            actor, t = f"thread-{i % 4}", i * 1e-5
            out = {vocab.STREAM: vocab.STDOUT, vocab.FILE: program}
            put(Event(t, actor, vocab.TERMINAL, f"[{actor}] message {i}\n",
                      {vocab.STREAM: vocab.STDOUT}, 20, seq=seq + 1))
            put(Event(t, actor, vocab.OUTPUT, f"[{actor}] message {i}", out, 20,
                      seq=seq + 2))
            seq += 2
            if i % LINE_EVERY == 0:
                seq += 1
                put(Event(t, actor, vocab.LINE, "worker", {vocab.FILE: program},
                          10 + i % 20, seq=seq))
        self.n = seq


def measure_lab_flood() -> tuple[float, float, float, int]:
    """(events/s, worst pump-tick gap ms, worst heartbeat gap ms, events) through the
    real app's pump and the real mutex tab."""
    from gui.app import App
    app = App()
    app.update()
    tab = app.select("mutex")
    app.update()
    run = FilledRun(tab.source.path)
    received = [0]

    def sink(batch):
        received[0] += len(batch)
        tab.on_events(batch)
    ticks: list[float] = []
    real_drain = app.pump.drain

    def drain(budget=None):
        began = time.perf_counter()
        moved = real_drain(budget)
        if moved:   # the ticks of the flood: not the idle ones before it
            ticks.append(began)
        return moved
    app.pump.drain = drain
    heart = Heartbeat(app)
    app.update()
    start = heart.restart()
    app.pump.add(run, sink)
    while received[0] < run.n:
        app.update()
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    app.pump.remove(run)
    worst = heart.stop()
    tick_gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    app.close()
    return run.n / elapsed, max(tick_gaps) * 1000, worst, run.n


def report_lab_flood() -> None:
    results = [measure_lab_flood() for _ in range(3)]
    n = results[0][3]
    rate = statistics.median(r[0] for r in results)
    tick = statistics.median(r[1] for r in results)
    beat = statistics.median(r[2] for r in results)
    print(f"\na lab flood: {n:,} events (terminal + output for {PRINTS:,} prints, "
          f"line events) through the real pump into the real lesson tab, 3 runs (median)")
    print(f"events/s {rate:>10,.0f}   worst gap between pump ticks {tick:.1f} ms   "
          f"worst heartbeat gap {beat:.1f} ms")
    print(f"ratio to the goals: rate {rate / GOAL_RATE:.2f}x of {GOAL_RATE:,}/s, "
          f"worst stall {max(tick, beat) / GOAL_STALL_MS:.2f}x of {GOAL_STALL_MS} ms")


def main() -> None:
    import ttkbootstrap as ttk

    from gui.pump import EventPump

    # The app's own theme: once gui.app is loaded in this process (an earlier
    # bench), ttkbootstrap knows only the themes the app registers.
    from gui.themes import LIGHT_THEME, register_themes
    register_themes()
    root = ttk.App(title="pump bench", size=(900, 600), theme=LIGHT_THEME)
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
    report_lab_flood()


if __name__ == "__main__":
    main()
