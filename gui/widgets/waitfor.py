"""Who holds which lock, and who waits for which: the run's wait-for graph, drawn.

Threads (and processes) are boxes in their colours, locks are ovals, on a
ring in the order they first appear. Two kinds of arrow, as in the textbook
resource-allocation graph:

* a dashed arrow from an actor to the lock it **waits for**;
* a solid arrow from a lock to the actor that **holds** it.

A deadlock is then a loop of arrows you can follow round: a-to-b waits for
lock_b, held by b-to-a, which waits for lock_a, held by a-to-b. The engine
finds it (``engine/waitfor.py``) and says so with a ``deadlock`` event; the
loop is then drawn in the error colour and the line above the drawing spells
it out, until the engine says it is over. The graph itself is the engine's
``WaitFor``, fed the same lock events, so the drawing and the engine cannot
disagree about who holds what.
"""

from __future__ import annotations

import math
import tkinter as tk

import ttkbootstrap as ttk

from engine import vocabulary as vocab
from engine.waitfor import WaitFor, cycle_text

from ..colors import ActorColors, ink, paper, theme_colour
from ..scaling import LANE_FONT, SMALL_FONT, ZOOM_CHANGED, font, ui_factor
from .wraplabel import WrapLabel

HEIGHT = 190   # of the drawing, in pixels at 100% on a 96-dpi screen


class WaitForView(ttk.Frame):
    """The drawing, and a line above it that says the same in words."""

    def __init__(self, master, colors: ActorColors | None = None, **kw) -> None:
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self.caption = WrapLabel(self, text="")
        self.caption.pack(fill="x")
        self.canvas = ttk.Canvas(self, height=round(HEIGHT * ui_factor(self)),
                                 highlightthickness=0)
        self.canvas.pack(fill="both", expand=True)
        self.canvas.bind("<Configure>", lambda _e: self.draw(), add="+")
        self.bind("<<ThemeChanged>>", lambda _e: self.draw(), add="+")
        self.bind(ZOOM_CHANGED, lambda _e: self.draw(), add="+")
        self.reset()

    # -- public ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the last run."""
        self.graph = WaitFor()
        self.actors: list[str] = []
        self.locks: list[tuple] = []
        self.cycle: list[dict] | None = None
        self.draw()

    def add(self, events: list) -> None:
        """The run's new events: lock events move the arrows, deadlock events the loop."""
        changed = False
        for event in events:
            data = event.data if isinstance(event.data, dict) else None
            if data is None:
                continue
            if event.kind == vocab.STATE and isinstance(data.get(vocab.LOCK), str):
                self._meet(event, data)
                self.graph.feed(event.actor, event.pid, data)
                changed = True
            elif event.kind == vocab.DEADLOCK:
                self.cycle = None if data.get(vocab.RESOLVED) else data.get(vocab.CYCLE)
                changed = True
        if changed:
            self.draw()

    def holders(self) -> dict[str, str]:
        """Each held lock's name -> its holder, as drawn."""
        return {key[1]: actor for key, actor in self.graph.holder.items()}

    def waiting(self) -> dict[str, str]:
        """Each waiting actor -> the name of the lock it waits for, as drawn."""
        return {actor: key[1] for actor, key in self.graph.waits.items()}

    def describe(self) -> str:
        """The graph in words: the caption."""
        if self.cycle:
            return f"Deadlock! {cycle_text(self.cycle)}."
        held = self.holders()
        parts = []
        for actor, lock in self.waiting().items():
            holder = held.get(lock)
            parts.append(f"{actor} waits for {lock}" + (f", held by {holder}" if holder else ""))
        waited = set(self.waiting().values())
        parts += [f"{actor} holds {lock}" for lock, actor in held.items() if lock not in waited]
        if not parts:
            return "Nobody holds a lock." if self.locks else "No lock used yet."
        return "; ".join(parts) + "."

    # -- drawing --------------------------------------------------------------------
    def _meet(self, event, data: dict) -> None:
        if event.actor not in self.actors:
            self.actors.append(event.actor)
        key = (None if data.get(vocab.SHARED) else event.pid, data[vocab.LOCK])
        if key not in self.locks:
            self.locks.append(key)

    def _ring(self) -> list[tuple[str, object]]:
        """The nodes in ring order: actors and locks by turns, as they first appeared."""
        nodes: list[tuple[str, object]] = []
        for n in range(max(len(self.actors), len(self.locks))):
            if n < len(self.actors):
                nodes.append(("actor", self.actors[n]))
            if n < len(self.locks):
                nodes.append(("lock", self.locks[n]))
        return nodes

    def draw(self) -> None:
        danger = bool(self.cycle)
        self.caption.configure(text=self.describe(), bootstyle="danger" if danger else "default")
        canvas = self.canvas
        canvas.delete("all")
        canvas.configure(background=paper())
        nodes = self._ring()
        width, height = canvas.winfo_width(), canvas.winfo_height()
        if not nodes or width < 20 or height < 20:
            return
        places = self._places(nodes, width, height)
        in_cycle = self._cycle_edges()
        factor = ui_factor(self)
        for actor, key in self.graph.waits.items():
            self._arrow(places, ("actor", actor), ("lock", key), "waits for",
                        (actor, key[1]) in in_cycle, dashed=True, factor=factor)
        for key, actor in self.graph.holder.items():
            self._arrow(places, ("lock", key), ("actor", actor), "held by",
                        (key[1], actor) in in_cycle, dashed=False, factor=factor)
        for node, (x, y) in places.items():
            self._node(node, x, y, factor)

    def _places(self, nodes: list, width: int, height: int) -> dict:
        margin_x, margin_y = 60 * ui_factor(self), 22 * ui_factor(self)
        radius_x = max(10.0, width / 2 - margin_x)
        radius_y = max(10.0, height / 2 - margin_y)
        places = {}
        for n, node in enumerate(nodes):
            angle = -math.pi / 2 + 2 * math.pi * n / len(nodes)
            places[node] = (width / 2 + radius_x * math.cos(angle),
                            height / 2 + radius_y * math.sin(angle))
        return places

    def _cycle_edges(self) -> set[tuple[str, str]]:
        """The loop's arrows: (actor, lock) it waits for and (lock, actor) holding it."""
        edges: set[tuple[str, str]] = set()
        for step in self.cycle or []:
            edges.add((step[vocab.ACTOR], step[vocab.WAITS_FOR]))
            edges.add((step[vocab.HOLDS], step[vocab.ACTOR]))
        return edges

    def _arrow(self, places: dict, start: tuple, end: tuple, label: str, looped: bool,
               dashed: bool, factor: float) -> None:
        if start not in places or end not in places:
            return
        (x0, y0), (x1, y1) = places[start], places[end]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        # Stop short of the node's label at both ends.
        gap = min(length / 3, 34 * factor)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        colour = theme_colour("error") if looped else theme_colour("faint")
        self.canvas.create_line(x0 + ux * gap, y0 + uy * gap, x1 - ux * gap, y1 - uy * gap,
                                fill=colour, width=max(1, round((3 if looped else 1.5) * factor)),
                                dash=(6, 4) if dashed else (), arrow=tk.LAST,
                                arrowshape=tuple(round(s * factor) for s in (10, 12, 4)),
                                tags=("arrow", "loop" if looped else "plain"))
        self.canvas.create_text((x0 + x1) / 2, (y0 + y1) / 2, text=label, fill=colour,
                                font=font(self, SMALL_FONT), tags=("label",))

    def _node(self, node: tuple, x: float, y: float, factor: float) -> None:
        kind, what = node
        name = what if kind == "actor" else what[1]
        text = self.canvas.create_text(x, y, text=name, font=font(self, LANE_FONT),
                                       fill=self.colors(name) if kind == "actor" else ink(),
                                       tags=(kind, "name"))
        x0, y0, x1, y1 = self.canvas.bbox(text)
        pad = 6 * factor
        if kind == "actor":
            box = self.canvas.create_rectangle(x0 - pad, y0 - pad / 2, x1 + pad, y1 + pad / 2,
                                               outline=self.colors(name), fill=paper(),
                                               width=2, tags=(kind,))
        else:
            box = self.canvas.create_oval(x0 - pad * 1.5, y0 - pad, x1 + pad * 1.5, y1 + pad,
                                          outline=ink(), fill=paper(), width=1, tags=(kind,))
        self.canvas.tag_lower(box, text)


def demo(parent) -> WaitForView:
    """Two threads, two locks: each holds one and waits for the other's (a deadlock)."""
    from engine.events import Event

    view = WaitForView(parent)

    def lock_event(actor: str, lock: str, lane: str, acquired: bool | None = None) -> Event:
        data = {vocab.LANE: lane, vocab.CALL: "acquire", vocab.LOCK: lock}
        if acquired is not None:
            data[vocab.ACQUIRED] = acquired
        return Event(0.1, actor, vocab.STATE, f"acquire {lock}: {lane}", data, 87, 4242)

    cycle = [{vocab.ACTOR: "a-to-b", vocab.HOLDS: "lock_a", vocab.WAITS_FOR: "lock_b"},
             {vocab.ACTOR: "b-to-a", vocab.HOLDS: "lock_b", vocab.WAITS_FOR: "lock_a"}]
    view.add([lock_event("a-to-b", "lock_a", vocab.HOLDING, True),
              lock_event("b-to-a", "lock_b", vocab.HOLDING, True),
              lock_event("a-to-b", "lock_b", vocab.WAITING),
              lock_event("b-to-a", "lock_a", vocab.WAITING),
              Event(0.2, "lab", vocab.DEADLOCK, "deadlock: ...",
                    {vocab.CYCLE: cycle, vocab.RESOLVED: False})])
    return view


if __name__ == "__main__":
    from .demo import run
    run(demo, "Wait-for graph", size=(560, 320))
