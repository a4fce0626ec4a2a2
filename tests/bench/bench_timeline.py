"""How the timeline copes with 10,000 events: per-tick batches against one batch.

The pump hands a tab one batch of events per 30 ms tick. A timeline that
redrew everything on each tick would get slower as the run goes on; ours only
draws what is new. This feeds 10,000 events (12 threads taking a lock and
filling a queue, over 10 s of run time) to the real Timeline widget in
per-tick batches and measures each tick, display update included. The
reference is the same 10,000 events drawn in one batch, in the same run.
"""

from __future__ import annotations

import os
import statistics
import time

N_EVENTS = 10_000
ACTORS = 12
RUN_SECONDS = 10.0
TICK_SIZES = (30, 300)   # events per tick: a busy lesson, and a flood


def make_events(n: int = N_EVENTS) -> list:
    from engine.events import Event
    states = ("waiting", "holding", "idle")
    return [Event(t=RUN_SECONDS * i / n, actor=f"thread-{i % ACTORS}", kind="log",
                  text=f"message {i}", seq=i + 1,
                  data={"lane": states[(i // ACTORS) % 3], "depth": (i // 7) % 40})
            for i in range(n)]


def draw(root, events: list, tick: int) -> tuple[list[float], int, float]:
    """Feed ``events`` in batches of ``tick``.

    Returns the seconds of each batch, the canvas items at the end, and the
    seconds spent drawing what the time budget had left for later.
    """
    from gui.widgets.timeline import Timeline
    timeline = Timeline(root)
    timeline.pack(fill="both", expand=True)
    root.update()
    times = []
    for start in range(0, len(events), tick):
        began = time.perf_counter()
        timeline.add(events[start:start + tick])
        root.update_idletasks()          # the canvas redraws here
        times.append(time.perf_counter() - began)
    began = time.perf_counter()
    timeline.flush()
    root.update_idletasks()
    catch_up = time.perf_counter() - began
    items = len(timeline.body.find_all()) + len(timeline.head.find_all())
    timeline.destroy()
    root.update()
    return times, items, catch_up


def main() -> None:
    screen = None
    if not os.environ.get("DISPLAY"):
        from tests.desktop import VirtualScreen
        screen = VirtualScreen().__enter__()
        os.environ["DISPLAY"] = screen.display
    try:
        import ttkbootstrap as ttk

        # The app's own theme: once gui.app is loaded in this process (an earlier
        # bench), ttkbootstrap knows only the themes the app registers.
        from gui.themes import LIGHT_THEME, register_themes
        register_themes()
        root = ttk.App(title="timeline bench", size=(1000, 500), theme=LIGHT_THEME)
        events = make_events()
        one_batch = []
        ticks = {size: [] for size in TICK_SIZES}
        for _ in range(3):   # interleaved, so both see the same machine load
            times, items, catch_up = draw(root, events, len(events))
            one_batch.append(times[0] + catch_up)
            for size in TICK_SIZES:
                ticks[size].append(draw(root, events, size))
        root.destroy()
    finally:
        if screen is not None:
            screen.__exit__()
    whole = statistics.median(one_batch)
    print(f"{N_EVENTS:,} events, {ACTORS} lanes, into the real Timeline (median of 3 runs)")
    print(f"one batch of {N_EVENTS:,}: {whole * 1000:.1f} ms, {items:,} canvas items")
    print(f"{'per tick':>9} {'ticks':>6} {'worst':>9} {'median':>9} {'first 10%':>10} "
          f"{'last 10%':>9} {'total':>9} {'items':>7} {'worst/one batch':>16}")
    for size, runs in ticks.items():
        worst = statistics.median(max(t) for t, _, _ in runs)
        middle = statistics.median(statistics.median(t) for t, _, _ in runs)
        tenth = max(1, len(runs[0][0]) // 10)
        first = statistics.median(statistics.mean(t[:tenth]) for t, _, _ in runs)
        last = statistics.median(statistics.mean(t[-tenth:]) for t, _, _ in runs)
        total = statistics.median(sum(t) + c for t, _, c in runs)
        print(f"{size:>9} {len(runs[0][0]):>6} {worst * 1000:>7.2f}ms {middle * 1000:>7.2f}ms "
              f"{first * 1000:>8.2f}ms {last * 1000:>7.2f}ms {total * 1000:>7.0f}ms "
              f"{runs[0][1]:>7,} {worst / whole:>15.3f}x")
    print("(one batch = the whole 10,000 drawn at once, the cost of any redraw-everything "
          "tick at the end of the run; ticks are capped near Timeline.BUDGET_S = "
          "8 ms plus one chunk, and what is left is drawn on later turns; 'last 10%' vs "
          "'first 10%' shows whether ticks slow down as the run grows)")


if __name__ == "__main__":
    main()
