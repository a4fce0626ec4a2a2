"""The actors of a run in step mode: who is ready, who is blocked and why, and where.

One row per actor, in the order the step board numbers them (``actors``
events, engine/lab/board.py): its number (the key that moves it), its name
in its colour, what it does and, for a blocked actor, why ("waiting for the
lock held by thread-0"). A click on a row chooses that actor, as its number
key does: ``on_choose(actor)``.

Rows are made once per actor and only their texts change: a board comes with
every step, and remaking a dozen labels each time made the pane flicker.
"""

from __future__ import annotations

from collections.abc import Callable

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..colors import ActorColors, theme_colour
from ..scaling import BOLD_FONT, SMALL_FONT
from .wraplabel import WrapLabel

#: What each state reads as, before the line or the reason.
STATE_WORDS = {vocab.READY: "ready at line", vocab.RUNNING: "running line",
               vocab.BLOCKED: "blocked", vocab.FINISHED: "finished"}


class ActorRow:
    """The widgets of one actor's row."""

    def __init__(self, panel: ActorsPanel, actor: str, row: int) -> None:
        self.actor = actor
        colour = panel.colors(actor)
        self.number = ttk.Label(panel.rows_frame, text="", font=BOLD_FONT, foreground=colour)
        self.name = ttk.Label(panel.rows_frame, text=actor, foreground=colour)
        self.state = ttk.Label(panel.rows_frame, text="")
        self.reason = WrapLabel(panel.rows_frame, text="", font=SMALL_FONT)
        self.number.grid(row=2 * row, column=0, sticky="nw", padx=(0, 6))
        self.name.grid(row=2 * row, column=1, sticky="nw")
        self.state.grid(row=2 * row, column=2, sticky="ne", padx=(6, 0))
        self.reason.grid(row=2 * row + 1, column=1, columnspan=2, sticky="ew")
        for widget in self.widgets():
            widget.bind("<Button-1>", lambda _e: panel.choose(actor), add="+")

    def widgets(self) -> tuple:
        return self.number, self.name, self.state, self.reason

    def show(self, data: dict) -> None:
        state = data.get(vocab.ACTOR_STATE)
        line = data.get(vocab.LINE_NO)
        words = STATE_WORDS.get(state, str(state))
        shown = f"{words} {line}" if state in (vocab.READY, vocab.RUNNING) and line else words
        number = data.get(vocab.NUMBER)
        self.number.configure(text=str(number) if number is not None else "")
        self.state.configure(text=shown, bootstyle="danger" if state == vocab.BLOCKED
                             else "success" if state == vocab.READY else "default")
        reason = data.get(vocab.REASON) or ""
        self.reason.configure(text=reason if state == vocab.BLOCKED else "")
        if reason and state == vocab.BLOCKED:
            self.reason.grid()
        else:
            self.reason.grid_remove()   # no empty line under an actor with nothing to say

    def recolour(self, colour: str) -> None:
        self.number.configure(foreground=colour)
        self.name.configure(foreground=colour)


class ActorsPanel(ttk.Frame):
    """Each actor of the step board; a click on one chooses it (see the module docstring)."""

    def __init__(self, master, colors: ActorColors | None = None,
                 on_choose: Callable[[str], None] | None = None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self.on_choose = on_choose
        self.title = WrapLabel(self, text="", font=SMALL_FONT, foreground=theme_colour("faint"))
        self.title.pack(fill="x")
        self.rows_frame = ttk.Frame(self)
        self.rows_frame.pack(fill="x")
        self.rows_frame.columnconfigure(1, weight=1)
        self.rows: dict[str, ActorRow] = {}
        self.table: list[dict] = []
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")
        self.clear()

    def show(self, actors: list[dict]) -> None:
        """Show the board of one ``actors`` event."""
        self.table = list(actors)
        for data in actors:
            name = data.get(vocab.ACTOR)
            row = self.rows.get(name)
            if row is None:
                row = self.rows[name] = ActorRow(self, name, len(self.rows))
            row.show(data)
        ready = sum(1 for data in actors if data.get(vocab.ACTOR_STATE) == vocab.READY)
        self.title.configure(text=f"{ready} of {len(actors)} ready: click one, or press its "
                                  "number, to run its next line" if actors else "")

    def clear(self) -> None:
        """A new run: no actor yet."""
        for row in self.rows.values():
            for widget in row.widgets():
                widget.destroy()
        self.rows.clear()
        self.table = []
        self.title.configure(text="In step mode, each actor waits here before its next line.")

    def choose(self, actor: str) -> None:
        if self.on_choose is not None:
            self.on_choose(actor)

    def actor_numbered(self, number: int) -> str | None:
        return next((data[vocab.ACTOR] for data in self.table
                     if data.get(vocab.NUMBER) == number), None)

    def row_text(self, actor: str) -> str:
        """The row as read on screen: "2 thread-1 blocked waiting for the lock ..."."""
        row = self.rows[actor]
        parts = [row.number.cget("text"), row.name.cget("text"), row.state.cget("text"),
                 row.reason.cget("text")]
        return " ".join(str(part) for part in parts if str(part))

    def _recolour(self) -> None:
        self.title.configure(foreground=theme_colour("faint"))
        for actor, row in self.rows.items():
            row.recolour(self.colors(actor))


def demo(parent) -> ActorsPanel:
    """The board of a mutex run: one thread in the lock, one waiting for it."""
    panel = ActorsPanel(parent, padding=8)
    panel.show([
        {vocab.NUMBER: 1, vocab.ACTOR: "MainThread", vocab.ACTOR_STATE: vocab.BLOCKED,
         vocab.LINE_NO: 107, vocab.REASON: "waiting in Thread.join()"},
        {vocab.NUMBER: 2, vocab.ACTOR: "thread-0", vocab.ACTOR_STATE: vocab.READY,
         vocab.LINE_NO: 86, vocab.REASON: ""},
        {vocab.NUMBER: 3, vocab.ACTOR: "thread-1", vocab.ACTOR_STATE: vocab.BLOCKED,
         vocab.LINE_NO: 85, vocab.REASON: "waiting for the lock held by thread-0"},
        {vocab.NUMBER: 4, vocab.ACTOR: "consumer-1 pid 4242", vocab.ACTOR_STATE: vocab.FINISHED,
         vocab.LINE_NO: None, vocab.REASON: "has no more lines to run"},
    ])
    return panel


if __name__ == "__main__":
    from .demo import run
    run(demo, "Actors")
