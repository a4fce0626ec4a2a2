"""The live log: one line per event, coloured by actor.

Long lines wrap, under the start of the message (a hanging indent), so the
time and actor columns stay clear and every line can be read whole. A
horizontal scrollbar was no help: following the newest line scrolls the
view back to the left at every tick of a run, and scrolling right hides
the time and the actor of the line being read.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

import ttkbootstrap as ttk

from engine import vocabulary as vocab
from engine.safetext import for_terminal

from ..colors import ActorColors, theme_colour


def printable(text: str) -> str:
    """Show surrogate-escaped bytes (non-UTF-8 file names) as \\xNN, not as an error."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def shown_text(event) -> str:
    """An event's text as the log shows it.

    A program's printed line (``output``) is whatever the program wrote: an
    ESC of a colour code, a carriage return, a NUL are shown as escapes (the
    Terminal page shows how a terminal lays them out). Other events' text is
    the engine's, and may hold line breaks on purpose (an error's message).
    """
    if event.kind == vocab.OUTPUT:
        return for_terminal(event.text)
    return printable(event.text)


INDENT_TAG = "indent"


def make_read_only(widget: tk.Text) -> None:
    """Refuse typing into ``widget`` but allow selecting and copying.

    Toggling state="disabled" around every insert would cost two extra
    Tcl calls per tick, and each call lets a busy worker thread take the
    GIL for a whole switch interval.
    """
    def refuse(event):
        # Keys that would change the text stop here; every other key
        # (F5, Esc, Ctrl+R, arrows...) goes on to the app's shortcuts.
        if event.state & 0x4:
            return None   # Ctrl+...: copy, select all, or a shortcut
        if event.keysym in ("BackSpace", "Delete", "Return", "KP_Enter", "Tab"):
            return "break"
        if event.char and event.char.isprintable():
            if event.widget.bind_class("Text", f"<KeyPress-{event.keysym}>"):
                return None   # a key the window gave all its texts (1-9 in step mode)
            return "break"
        return None
    widget.bind("<Key>", refuse)
    for virtual in ("<<Paste>>", "<<Cut>>", "<<Clear>>", "<<PasteSelection>>"):
        widget.bind(virtual, lambda e: "break")


class LogView(ttk.Frame):
    MAX_LINES = 5000   # older lines are dropped from the widget so it stays fast
    MAX_KEPT = 20_000  # events kept for Save log; more makes every full GC pass slower
    MAX_PER_TICK = 400  # in a flood, draw only the newest lines of each batch
    FONT = "TkFixedFont"
    ACTOR_W = 16        # characters of the actor column (longer names push the text right)
    INDENT = 7 + 2 + ACTOR_W + 1   # where the text starts: "  0.123  actor            "

    def __init__(self, master, colors: ActorColors | None = None, on_select=None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self.on_select = on_select
        self.rows: list = []   # the event behind each text line (None: a note, a traceback)
        self.text = ttk.ScrolledText(self, height=12, width=70, wrap="word",
                                     font=self.FONT)
        self.text.pack(fill="both", expand=True)
        make_read_only(self._widget)
        self._widget.bind("<ButtonRelease-1>", self._clicked, add="+")
        self._tags: dict[str, str] = {}   # actor -> its text tag
        self._recolour()
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")
        # One tag over all the text carries the hanging indent, whatever
        # tags colour the lines (it is the only one that sets lmargin2).
        self._indent_px = 0
        self._widget.bind("<Configure>", lambda _e: self.update_indent(), add="+")
        self.update_indent()
        self.events: list = []   # the events shown, in order (line i+1 -> events[i])
        self._dropped = 0

    @property
    def _widget(self) -> tk.Text:
        return getattr(self.text, "text", self.text)

    def update_indent(self) -> None:
        """Set the hanging indent to the width of the time and actor columns.

        In pixels of the log's font as it is now: after a zoom, the next
        batch of lines (or a resize) brings it up to date.
        """
        indent = tkfont.nametofont(self.FONT).measure(" " * self.INDENT)
        if indent == self._indent_px:
            return
        self._indent_px = indent
        self._widget.tag_configure(INDENT_TAG, lmargin2=indent)

    def clear(self) -> None:
        self.events.clear()
        self.rows.clear()
        self._tags.clear()   # colours are handed out afresh for each run (see ActorColors)
        self._dropped = 0
        self._widget.delete("1.0", "end")

    def add(self, events: list) -> None:
        """Append a batch of events with one widget update."""
        if not events:
            return
        self.update_indent()
        self.events.extend(events)
        shown = events
        chunks: list = []
        if len(events) > self.MAX_PER_TICK:
            # Text widgets insert ~100k lines/s at best; a person reads far
            # fewer. Draw the newest lines and say how many were passed over
            # (every event is still kept in self.events, e.g. for Save log).
            shown = events[-self.MAX_PER_TICK:]
            skipped = len(events) - len(shown)
            chunks += [f"   … {skipped:,} more events arrived too fast to draw …\n", "skipped"]
            self.rows.append(None)
        chunks += self._tagged_lines(shown)
        widget = self._widget
        follow = widget.yview()[1] >= 0.999
        widget.insert("end", *chunks)  # one Tcl call for the whole batch
        widget.tag_add(INDENT_TAG, "1.0", "end")   # one range: cheap however long the log
        excess = len(self.events) - self.MAX_KEPT
        if excess > 0:
            del self.events[:excess]
            self._dropped += excess
        extra_rows = len(self.rows) - self.MAX_LINES
        if extra_rows > 0:
            widget.delete("1.0", f"{extra_rows + 1}.0")
            del self.rows[:extra_rows]
        if follow:
            widget.see("end")

    def _tagged_lines(self, shown: list) -> list:
        """Arguments for ``Text.insert``: text, tags, text, tags... for ``shown``.

        Neighbouring lines of one actor join into one text: Tk spends ~12 us
        on each tagged text of an insert (a program printing alone would
        cost 400 of them a tick), and the characters get the same tags.
        Names are looked up once here, not once a line.
        """
        chunks: list = []
        group: list[str] = []   # lines of one actor, not yet in chunks
        group_tag = None
        tags, tag_for, rows = self._tags, self._tag_for, self.rows
        actor_w, error = self.ACTOR_W, vocab.ERROR
        for event in shown:
            actor = event.actor
            tag = tags.get(actor) or tag_for(actor)
            line = f"{event.t:7.3f}  {actor:<{actor_w}} {shown_text(event)}\n"
            rows.append(event)
            if tag != group_tag and group:
                chunks += ["".join(group), group_tag]
                group.clear()
            if event.kind != error:
                group_tag = tag
                group.append(line)
                continue
            group_tag = None
            chunks += [line, (tag, "error")]
            trace = event.data.get(vocab.TRACEBACK) if isinstance(event.data, dict) else None
            if trace:
                chunks += [trace, ("error",)]
                rows.extend([None] * trace.count("\n"))
        if group:
            chunks += ["".join(group), group_tag]
        return chunks

    def event_at_line(self, line: int):
        """The event shown on text line ``line`` (1-based), or None."""
        return self.rows[line - 1] if 0 < line <= len(self.rows) else None

    def _clicked(self, tk_event) -> None:
        if self._widget.tag_ranges("sel"):
            return   # selecting text to copy, not choosing an event
        line = int(self._widget.index(f"@{tk_event.x},{tk_event.y}").split(".")[0])
        event = self.event_at_line(line)
        if event is not None and self.on_select is not None:
            self.on_select(event)

    def content(self) -> str:
        return self._widget.get("1.0", "end-1c")

    def _tag_for(self, actor: str) -> str:
        """The text tag of ``actor``'s lines.

        Tags are numbered, not named after the actor: Tk reads the tag
        argument of ``insert`` as a list, so "consumer-5 pid 19912" would be
        three tags, none of them coloured.
        """
        tag = self._tags.get(actor)
        if tag is None:
            tag = self._tags[actor] = f"actor{len(self._tags)}"
            self._widget.tag_configure(tag, foreground=self.colors(actor))
            self._widget.tag_raise("error")   # an error line is red, whoever's it is
        return tag

    def _recolour(self) -> None:
        """Colours for the theme in use (at start, and after a light/dark switch)."""
        widget = self._widget
        widget.tag_configure("error", foreground=theme_colour("error"))
        widget.tag_configure("skipped", foreground=theme_colour("faint"))
        for actor, tag in self._tags.items():
            widget.tag_configure(tag, foreground=self.colors(actor))


def demo(parent) -> LogView:
    """The log of a made-up producer/consumer run."""
    from .demo import sample_run
    view = LogView(parent)
    view.add(sample_run())
    return view


if __name__ == "__main__":
    from .demo import run
    run(demo, "Log")
