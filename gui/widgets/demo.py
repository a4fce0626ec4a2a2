"""Look at one widget alone, on sample data, as idlelib's htest lets one do.

Each widget module ends with a ``demo(parent)`` that builds the widget in
``parent``, fills it with sample data and returns it, and with

    if __name__ == "__main__":
        run(demo, "Timeline")

so that ``python -m gui.widgets.timeline`` opens it in a small window. The
window has the app's themes and fonts, and a switch to the dark theme, so a
person can check the widget by eye in both. ``tests/gui/test_widget_demos.py``
builds every demo.

The sample run is made up here, not recorded: a short producer/consumer run
with threads (lanes, a queue depth, an error and a result) and a short
client/server exchange for the sequence diagram.
"""

from __future__ import annotations

import argparse
import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from engine import vocabulary as vocab
from engine.events import Event

from ..scaling import close_dpi_probe, create_fonts, start_scaling
from ..themes import DARK_THEME, LIGHT_THEME, register_themes

Build = Callable[[tk.Misc], tk.Misc]

# The made-up run's actors. One name has spaces, as process actors do.
PRODUCER, CONSUMERS = "producer-0", ("consumer-0", "consumer-1 pid 4242")


def sample_run(messages: int = 6) -> list[Event]:
    """A short producer/consumer run: every kind of event the timeline and log show."""
    events = [Event(0.0, "main", "state", "Producer/consumer with threads: started")]
    for consumer in CONSUMERS:
        events.append(Event(0.01, consumer, "state", "queue empty: get waits",
                            {vocab.LANE: vocab.WAITING, vocab.DEPTH: 0}, line=118))
    depth = 0
    for n in range(messages):
        t = 0.25 + 0.3 * n
        depth += 1
        events.append(Event(t, PRODUCER, "log", f"put spam {n}",
                            {vocab.LANE: vocab.WORKING, vocab.DEPTH: depth}, line=110))
        consumer = CONSUMERS[n % 2]
        depth -= 1
        events.append(Event(t + 0.05, consumer, "log", f"got spam {n}",
                            {vocab.LANE: vocab.WORKING, vocab.DEPTH: depth}, line=126))
        events.append(Event(t + 0.45, consumer, "state", "queue empty: get waits",
                            {vocab.LANE: vocab.WAITING, vocab.DEPTH: depth}, line=118))
    t_end = 0.3 * messages + 0.6
    events += [
        Event(t_end - 0.3, PRODUCER, "log", "done", {vocab.LANE: vocab.IDLE}, line=112),
        Event(t_end - 0.2, "main", "error", "ValueError: a sample error, with\ntwo lines",
              {vocab.TRACEBACK: "Traceback (most recent call last):\n  ...\nValueError"}),
        Event(t_end - 0.1, "main", "result", f"{messages} messages consumed",
              {"consumed": messages}),
        Event(t_end, "main", vocab.DONE, "finished", {vocab.STATUS: vocab.OK}),
    ]
    events.sort(key=lambda event: event.t)   # as a run's queue delivers them
    return [event._replace(seq=i + 1) for i, event in enumerate(events)]


def sample_exchange(clients: int = 2) -> tuple[list[str], list[Event]]:
    """The lanes and arrows of a short client/server run, as the Sockets tab draws them."""
    lanes = ["server", *(f"client-{i}" for i in range(1, clients + 1))]
    events = []
    t = 0.0
    for client in lanes[1:]:
        for kind, source, target, extra in (
            (vocab.CONNECT, client, "server", {}),
            (vocab.ACCEPT, "server", client, {}),
            (vocab.SEND, client, "server", {vocab.BYTES: 11, vocab.PREVIEW: "hello world"}),
            # A recv is drawn as the bytes go: from the sender to the reader.
            (vocab.RECV, client, "server",
             {vocab.BYTES: 11, vocab.PREVIEW: "hello world", vocab.ASKED: 1024}),
            (vocab.SEND, "server", client, {vocab.BYTES: 11, vocab.PREVIEW: "HELLO WORLD"}),
            (vocab.RECV, "server", client,
             {vocab.BYTES: 11, vocab.PREVIEW: "HELLO WORLD", vocab.ASKED: 1024}),
            (vocab.CLOSE, client, "server", {}),
        ):
            t += 0.05
            data = {vocab.SEQ: kind, vocab.FROM: source, vocab.TO: target, **extra}
            events.append(Event(t, source, vocab.LOG, kind, data))
    return lanes, events


def demo_window(build: Build, title: str, size: tuple[int, int] = (760, 460),
                dark: bool = False) -> ttk.App:
    """A small window with the app's themes and fonts, and ``build(parent)`` in it."""
    register_themes()
    app = ttk.App(title=f"{title}: demo", theme=DARK_THEME if dark else LIGHT_THEME,
                  size=size, scaling=start_scaling())
    close_dpi_probe()
    create_fonts(app)
    bar = ttk.Frame(app, padding=(6, 4))
    bar.pack(side="bottom", fill="x")
    is_dark = tk.BooleanVar(app, value=dark)
    ttk.Checkbutton(bar, text="Dark theme", variable=is_dark, bootstyle="round-toggle",
                    command=app.toggle_theme).pack(side="right")
    ttk.Label(bar, text="Sample data, not a real run").pack(side="left")
    widget = build(app)
    if not widget.winfo_manager():   # a demo may place its widget itself
        widget.pack(fill="both", expand=True, padx=6, pady=(6, 0))
    app.demo_widget = widget
    return app


def run(build: Build, title: str, size: tuple[int, int] = (760, 460)) -> None:
    """Open the demo window (``--dark`` for the dark theme) until it is closed."""
    parser = argparse.ArgumentParser(description=f"Show the {title} widget on sample data.")
    parser.add_argument("--dark", action="store_true", help="start in the dark theme")
    options = parser.parse_args()
    demo_window(build, title, size, dark=options.dark).mainloop()
