"""The live log: one line per event, coloured by actor."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from .colors import ActorColors


def printable(text: str) -> str:
    """Show surrogate-escaped bytes (non-UTF-8 file names) as \\xNN, not as an error."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
        if any("\udc80" <= ch <= "\udcff" for ch in text) else text


class LogView(ttk.Frame):
    MAX_LINES = 5000   # older lines are dropped so the widget stays fast

    def __init__(self, master, colors: ActorColors | None = None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self.text = ttk.ScrolledText(self, height=12, width=70, wrap="none", hbar=True,
                                     font="TkFixedFont")
        self.text.pack(fill="both", expand=True)
        self._widget.configure(state="disabled")
        self._widget.tag_configure("error", foreground="#c0392b")
        self._tags: set[str] = set()
        self.events: list = []   # the events shown, in order (line i+1 -> events[i])
        self._dropped = 0

    @property
    def _widget(self) -> tk.Text:
        return getattr(self.text, "text", self.text)

    def clear(self) -> None:
        self.events.clear()
        self._dropped = 0
        self._widget.configure(state="normal")
        self._widget.delete("1.0", "end")
        self._widget.configure(state="disabled")

    def add(self, events: list) -> None:
        """Append a batch of events with one widget update."""
        if not events:
            return
        widget = self._widget
        follow = widget.yview()[1] >= 0.999
        widget.configure(state="normal")
        for event in events:
            tag = self._tag_for(event.actor)
            line = f"{event.t:7.3f}  {event.actor:<16} {printable(event.text)}\n"
            tags = (tag, "error") if event.kind == "error" else (tag,)
            widget.insert("end", line, tags)
            if event.kind == "error" and isinstance(event.data, dict) \
                    and event.data.get("traceback"):
                widget.insert("end", event.data["traceback"], ("error",))
        self.events.extend(events)
        excess = len(self.events) - self.MAX_LINES
        if excess > 0:
            widget.delete("1.0", f"{excess + 1}.0")
            del self.events[:excess]
            self._dropped += excess
        widget.configure(state="disabled")
        if follow:
            widget.see("end")

    def content(self) -> str:
        return self._widget.get("1.0", "end-1c")

    def _tag_for(self, actor: str) -> str:
        tag = "actor:" + actor
        if tag not in self._tags:
            self._tags.add(tag)
            self._widget.tag_configure(tag, foreground=self.colors(actor))
        return tag
