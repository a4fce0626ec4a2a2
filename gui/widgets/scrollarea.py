"""A frame whose content scrolls up and down, by its scrollbar, the wheel or the Tab key.

A lesson's parameter form can be taller than the room left for it (nine
fields at 125% zoom on a 1366x700 screen). It then scrolls, while Run and
Stop stay in view above it. Differences from ttkbootstrap's ScrolledFrame:

* the area asks for its content's natural width, so the pane it sits in
  opens wide enough for the form;
* the scrollbar shows only while there is something to scroll;
* the wheel over a combobox scrolls the area instead of changing the value
  (a parameter must never change by accident);
* a field reached with Tab is scrolled into view.

Run it alone to look at it: ``python -m gui.widgets.scrollarea``.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

WHEEL_STEP = 24   # pixels per wheel notch


class ScrollArea(ttk.Frame):
    """Put widgets in ``area.content``; pack or grid the area itself."""

    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self.canvas = ttk.Canvas(self, highlightthickness=0, borderwidth=0, width=1, height=1,
                                 yscrollincrement=WHEEL_STEP)
        self.bar = ttk.Scrollbar(self, orient="vertical", command=self._on_bar)
        # The widget to keep in view (the field just reached, a message just shown)
        # while the layout settles, until the learner scrolls by hand.
        self._kept: tk.Misc | None = None
        self.canvas.configure(yscrollcommand=self._on_view_moved)
        self.canvas.pack(side="left", fill="both", expand=True)
        self.content = ttk.Frame(self.canvas)
        self._window = self.canvas.create_window(0, 0, anchor="nw", window=self.content)
        self.content.bind("<Configure>", self._on_content_resized, add="+")
        self.canvas.bind("<Configure>", self._on_view_resized, add="+")
        # Every widget of the content gets this tag first in its bindtags, so the
        # wheel and the focus reach us before the widget's own class bindings.
        self._tag = f"ScrollArea{id(self)}"
        for sequence in ("<Button-4>", "<Button-5>", "<MouseWheel>"):
            self.bind_class(self._tag, sequence, self._on_wheel)
        self.bind_class(self._tag, "<FocusIn>", self._on_focus, add="+")
        self._add_tag(self.canvas)

    # -- size -----------------------------------------------------------------------
    def _on_content_resized(self, _event=None) -> None:
        self.canvas.configure(width=self.content.winfo_reqwidth(),
                              height=self.content.winfo_reqheight(),
                              scrollregion=(0, 0, self.content.winfo_reqwidth(),
                                            self.content.winfo_reqheight()))
        self._add_tag(self.content)   # fields may have been added since
        self._keep_in_view()

    def _on_view_resized(self, event) -> None:
        # The content is as wide as the view: entries stretch or shrink with the pane.
        self.canvas.itemconfigure(self._window, width=event.width)
        self._keep_in_view()

    def _on_view_moved(self, first: str, last: str) -> None:
        self.bar.set(first, last)
        needed = float(first) > 0.0 or float(last) < 1.0
        shown = bool(self.bar.winfo_manager())
        if needed and not shown:
            # Packed before the canvas: in a narrow pane the canvas gives way, not the bar.
            self.bar.pack(side="right", fill="y", before=self.canvas)
        elif not needed and shown:
            self.bar.pack_forget()

    def scrolls(self) -> bool:
        """Whether part of the content is out of view."""
        first, last = self.canvas.yview()
        return first > 0.0 or last < 1.0

    def destroy(self) -> None:
        for sequence in ("<Button-4>", "<Button-5>", "<MouseWheel>", "<FocusIn>"):
            self.unbind_class(self._tag, sequence)
        super().destroy()

    # -- wheel and focus ------------------------------------------------------------
    def _add_tag(self, widget: tk.Misc) -> None:
        tags = widget.bindtags()
        if self._tag not in tags:
            widget.bindtags((self._tag, *tags))
        for child in widget.winfo_children():
            self._add_tag(child)

    def _on_bar(self, *args) -> None:
        self._kept = None
        self.canvas.yview(*args)

    def _on_wheel(self, event) -> str:
        self._kept = None
        if self.scrolls():
            up = event.num == 4 or (event.num not in (4, 5) and event.delta > 0)
            self.canvas.yview_scroll(-1 if up else 1, "units")
        return "break"   # a combobox under the pointer keeps its value

    def _on_focus(self, event) -> None:
        self.show_widget(event.widget)

    def show_widget(self, widget: tk.Misc) -> None:
        """Scroll so that ``widget`` (inside the content) is in view, and keep it
        there while the layout settles (a message wraps, the pane shrinks)."""
        self._kept = widget
        self._keep_in_view()

    def _keep_in_view(self) -> None:
        if self._kept is not None:
            self.after_idle(self._scroll_to_kept)

    def _scroll_to_kept(self) -> None:
        widget = self._kept
        if widget is None or not self.scrolls():
            return
        try:
            top = widget.winfo_rooty() - self.content.winfo_rooty()
            bottom = top + widget.winfo_height()
        except tk.TclError:
            self._kept = None   # gone meanwhile
            return
        total = max(1, self.content.winfo_reqheight())
        view_top = self.canvas.canvasy(0)
        view_height = self.canvas.winfo_height()
        if top < view_top:
            self.canvas.yview_moveto(top / total)
        elif bottom > view_top + view_height:
            self.canvas.yview_moveto(max(top, bottom - view_height) / total)


def demo(parent) -> ttk.Frame:
    """Twenty fields in a space too short for them: scroll with the wheel or Tab."""
    frame = ttk.Frame(parent)
    ttk.Button(frame, text="Stays in view").pack(fill="x")
    area = ScrollArea(frame)
    area.pack(fill="both", expand=True)
    for i in range(20):
        ttk.Label(area.content, text=f"Field {i + 1}").grid(row=i, column=0, sticky="w")
        ttk.Combobox(area.content, values=["one", "two", "three"]).grid(row=i, column=1)
    return frame


if __name__ == "__main__":
    from .demo import run
    run(demo, "Scroll area", size=(320, 300))
