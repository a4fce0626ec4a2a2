"""A live sequence diagram: a lane per party, an arrow per thing they do to each other.

Lanes run down the page, one for the server and one per client. Time flows
downwards: each connect, accept, send, recv and close is one horizontal arrow
from the party that acts to the one it acts on. Arrows are drawn in one batch
per pump tick. Hovering an arrow shows what it carried (the first bytes).

The events it draws carry ``data = {"seq": kind, "from": lane, "to": lane,
"bytes": n, "preview": text, ...}``; every other event is ignored. A watcher
that knows the lanes only by address (the lab's socket probes) joins the ends
first and hands over ready arrows with ``add_arrows`` (see gui/lessons/sockets.py).
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..colors import ActorColors, ink, paper, theme_colour
from ..scaling import LANE_FONT, SMALL_FONT, ZOOM_CHANGED, font, line_height, ui_factor

# kind -> (dash pattern, line width)
STYLES = {
    vocab.CONNECT: ((), 2),
    vocab.ACCEPT: ((4, 3), 1),
    vocab.SEND: ((), 2),
    vocab.RECV: ((2, 3), 1),
    vocab.CLOSE: ((1, 3), 1),
    vocab.ARROW_ERROR: ((), 2),
}


def human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.2f} MiB"


def arrow_label(info: dict) -> str:
    """The short text written on an arrow."""
    kind = info.get(vocab.SEQ, "")
    if kind in (vocab.SEND, vocab.RECV):
        return f"{kind} {human_bytes(int(info.get(vocab.BYTES) or 0))}"
    if kind == vocab.ARROW_ERROR:
        text = str(info.get(vocab.ERROR_TEXT, "")).lower()
        for word in ("refused", "timed out", "reset", "closed"):
            if word in text:
                return f"✕ {word}"
        return "✕ error"
    if kind == vocab.CLOSE and info.get(vocab.ERROR_TEXT):
        return f"close ({info[vocab.ERROR_TEXT]})"
    return kind


class SeqDiagram(ttk.Frame):
    # Sizes in pixels at 100% on a 96-dpi screen; each diagram measures its
    # own from its fonts (``_measure``), so they grow with zoom and DPI.
    MIN_GAP, MAX_GAP = 72, 150   # pixels between lanes, fitted to the width
    LEFT = 52          # room for the time column
    ROW = 22           # pixels per arrow
    HEADER = 26
    MAX_ARROWS = 3000  # beyond this the diagram stops growing (the log has it all)

    def __init__(self, master, colors: ActorColors | None = None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self._measure()
        self.header = ttk.Canvas(self, height=self.HEADER, highlightthickness=0)
        self.body = ttk.Canvas(self, height=round(220 * ui_factor(self)), highlightthickness=0)
        yscroll = ttk.Scrollbar(self, orient="vertical", command=self.body.yview)
        xscroll = ttk.Scrollbar(self, orient="horizontal", command=self._xview)
        self.body.configure(yscrollcommand=yscroll.set, xscrollcommand=xscroll.set)
        self.header.grid(row=0, column=0, sticky="ew")
        self.body.grid(row=1, column=0, sticky="nsew")
        yscroll.grid(row=1, column=1, sticky="ns")
        xscroll.grid(row=2, column=0, sticky="ew")
        self.rowconfigure(1, weight=1)
        self.columnconfigure(0, weight=1)
        self.body.tag_bind("arrow", "<Enter>", self._on_enter)
        self.body.tag_bind("arrow", "<Motion>", self._on_motion)
        self.body.tag_bind("arrow", "<Leave>", self._on_leave)
        self.bind("<<ThemeChanged>>", lambda _e: self._recolor(), add="+")
        self.bind(ZOOM_CHANGED, lambda _e: self._redraw_at_new_size(), add="+")
        self.lanes: dict[str, int] = {}       # lane name -> x
        self.gap = self.MIN_GAP
        self.arrows: list[dict] = []          # what each drawn arrow carries
        self._times: list[float] = []         # when each arrow happened
        self._colour_tags: dict[str, str] = {}  # party -> the tag of what is in its colour
        self.skipped = 0
        self.hover_text: str | None = None
        self._hovered: int | None = None
        self.reset([])

    def _measure(self) -> None:
        """Row heights and margins from the fonts as drawn now (zoom and screen DPI).

        The instance's sizes shadow the class's 100% ones.
        """
        self.ROW = line_height(self, SMALL_FONT) + 8           # 22 at 100%
        self.HEADER = line_height(self, LANE_FONT) + 11        # 26
        self.LEFT = font(self, "TkFixedFont").measure("000.000") + 4   # the time column
        factor = ui_factor(self)
        self._min_gap = round(self.MIN_GAP * factor)
        self._max_gap = round(self.MAX_GAP * factor)

    def _redraw_at_new_size(self) -> None:
        """The zoom changed: measure again and draw the arrows so far at the new size."""
        drawn = list(zip(self._times, self.arrows, strict=True))
        skipped, lanes = self.skipped, list(self.lanes)
        self._measure()
        self.header.configure(height=self.HEADER)
        self.reset(lanes)
        for t, info in drawn:
            self._draw_arrow(t, info)
        self.skipped = skipped
        self._finish_batch(follow=False)

    # -- public ---------------------------------------------------------------------
    def reset(self, lanes: list[str]) -> None:
        """Forget the last run; start with these lanes, left to right."""
        for canvas in (self.header, self.body):
            canvas.delete("all")
        self.lanes.clear()
        self.arrows.clear()
        self._times.clear()
        self._colour_tags.clear()
        self.skipped = 0
        self._hide_hover()
        room = self.body.winfo_width() - self.LEFT - 8
        self.gap = max(self._min_gap, min(self._max_gap, room // max(1, len(lanes))))
        for name in lanes:
            self._add_lane(name)
        self._finish_batch(follow=True)

    def add(self, events: list) -> int:
        """Draw the arrows among ``events`` (one batch); return how many were drawn."""
        return self.add_arrows([(event.t, event.data) for event in events
                                if isinstance(event.data, dict) and vocab.SEQ in event.data])

    def add_arrows(self, arrows: list[tuple[float, dict]]) -> int:
        """Draw these (time, arrow data) as one batch; return how many were drawn."""
        if not arrows:
            return 0
        follow = self.body.yview()[1] >= 0.999
        drawn = 0
        for t, info in arrows:
            if len(self.arrows) >= self.MAX_ARROWS:
                self.skipped += 1
                continue
            self._draw_arrow(t, dict(info))
            drawn += 1
        self._finish_batch(follow)
        return drawn

    @property
    def lane_names(self) -> list[str]:
        return list(self.lanes)

    def show_hover(self, index: int, x: float, y: float) -> None:
        """Show what arrow ``index`` carried, next to (x, y) in canvas units."""
        info = self.arrows[index]
        text = f"{info[vocab.FROM]} → {info[vocab.TO]}: {arrow_label(info)}"
        if info.get(vocab.BYTES):
            text += f" ({info[vocab.BYTES]} bytes)"
        if info.get(vocab.ASKED):
            text += f", asked for {info[vocab.ASKED]}"
        if info.get(vocab.ERROR_TEXT):
            text += f"\n{info[vocab.ERROR_TEXT]}"
        if info.get(vocab.PREVIEW):
            text += f"\n{info[vocab.PREVIEW]}"
        self._hide_hover()
        self.hover_text = text
        self._hovered = index
        item = self.body.create_text(x + 14, y + 14, text=text, anchor="nw",
                                     width=round(360 * ui_factor(self)),
                                     font="TkFixedFont", fill=ink(), tags=("hover",))
        x1, y1, x2, y2 = self.body.bbox(item)
        # Keep it inside the visible part: above the pointer near the bottom,
        # left of it near the right edge.
        view_right = self.body.canvasx(self.body.winfo_width())
        view_bottom = self.body.canvasy(self.body.winfo_height())
        dx = -(x2 - x1) - 28 if x2 > view_right and x1 - (x2 - x1) > 0 else 0
        dy = -(y2 - y1) - 28 if y2 > view_bottom else 0
        if dx or dy:
            self.body.move(item, dx, dy)
            x1, y1, x2, y2 = x1 + dx, y1 + dy, x2 + dx, y2 + dy
        back = self.body.create_rectangle(x1 - 4, y1 - 3, x2 + 4, y2 + 3, tags=("hover",),
                                          fill=paper(), outline=ink())
        self.body.tag_lower(back, item)

    # -- drawing --------------------------------------------------------------------
    def _add_lane(self, name: str) -> int:
        x = self.LEFT + self.gap // 2 + len(self.lanes) * self.gap
        self.lanes[name] = x
        colour, tag = self.colors(name), self._colour_tag(name)
        self.header.create_text(x, self.HEADER // 2, text=name, fill=colour,
                                font=LANE_FONT, tags=("lane-name", tag))
        self.body.create_line(x, 0, x, self.ROW, fill=colour, dash=(2, 2),
                              tags=("lane", f"lane{len(self.lanes) - 1}", tag))
        return x

    def _colour_tag(self, party: str) -> str:
        """The canvas tag of what is drawn in ``party``'s colour.

        Numbered, not named after the party: a canvas tag is a word in a tag
        expression, which a name with spaces or operators would break.
        """
        tag = self._colour_tags.get(party)
        if tag is None:
            tag = self._colour_tags[party] = f"colour{len(self._colour_tags)}"
        return tag

    def _x(self, name: str) -> int:
        return self.lanes[name] if name in self.lanes else self._add_lane(name)

    def _draw_arrow(self, t: float, info: dict) -> None:
        index = len(self.arrows)
        self.arrows.append(info)
        self._times.append(t)
        kind = info.get(vocab.SEQ, "")
        sender, receiver = str(info.get(vocab.FROM, "?")), str(info.get(vocab.TO, "?"))
        info[vocab.FROM], info[vocab.TO] = sender, receiver
        x1, x2 = self._x(sender), self._x(receiver)
        y = self.ROW * (index + 1)
        client = receiver if sender == "server" else sender
        if kind == vocab.ARROW_ERROR:
            colour, colour_tag = theme_colour("error"), "error"
        else:
            colour, colour_tag = self.colors(client), self._colour_tag(client)
        dash, width = STYLES.get(kind, ((), 1))
        tags = ("arrow", f"a{index}")
        self.body.create_text(4, y, text=f"{t:7.3f}", anchor="w", font="TkFixedFont",
                              fill=theme_colour("faint"), tags=("time",))
        self.body.create_line(x1, y, x2, y, width=12, fill="", tags=tags)  # easy to hover
        drawn = (*tags, colour_tag)
        if x1 == x2:   # a party acting on itself: a small loop
            self.body.create_line(x1, y - 6, x1 + 24, y - 6, x1 + 24, y + 4, x1 + 2, y + 4,
                                  arrow="last", fill=colour, width=width, tags=drawn)
        else:
            self.body.create_line(x1, y, x2, y, arrow="last", fill=colour, width=width,
                                  dash=dash, tags=drawn)
        self.body.create_text((x1 + x2) / 2 if x1 != x2 else x1 + 28, y - 2,
                              text=arrow_label(info), anchor="s" if x1 != x2 else "w",
                              font=SMALL_FONT, fill=colour, tags=drawn)

    def _finish_batch(self, follow: bool) -> None:
        bottom = self.ROW * (len(self.arrows) + 2)
        for row, x in enumerate(self.lanes.values()):
            self.body.coords(f"lane{row}", x, 0, x, bottom)
        self.body.delete("note")
        if self.skipped:
            self.body.create_text(self.LEFT, bottom, anchor="w", fill=ink(),
                                  text=f"(diagram full: {self.skipped} more arrows are "
                                       f"in the log only)", tags=("note",))
            bottom += self.ROW
        width = self.LEFT + self.gap * max(1, len(self.lanes))
        self.body.configure(scrollregion=(0, 0, width, bottom))
        self.header.configure(scrollregion=(0, 0, width, self.HEADER))
        if follow:
            self.body.yview_moveto(1.0)

    def _xview(self, *args) -> None:
        self.body.xview(*args)
        self.header.xview(*args)

    # -- hovering -------------------------------------------------------------------
    def _arrow_under_pointer(self) -> int | None:
        for tag in self.body.gettags("current"):
            if tag.startswith("a") and tag[1:].isdigit():
                return int(tag[1:])
        return None

    def _on_enter(self, event) -> None:
        index = self._arrow_under_pointer()
        if index is not None:
            self.show_hover(index, self.body.canvasx(event.x), self.body.canvasy(event.y))

    def _on_motion(self, event) -> None:
        index = self._arrow_under_pointer()
        if index is not None and index != self._hovered:
            self._on_enter(event)

    def _on_leave(self, _event) -> None:
        self._hide_hover()

    def _hide_hover(self) -> None:
        self.body.delete("hover")
        self.hover_text = None
        self._hovered = None

    # -- theme ----------------------------------------------------------------------
    def _recolor(self) -> None:
        try:
            self.body.itemconfigure("note", fill=ink())
            self.body.itemconfigure("time", fill=theme_colour("faint"))
            self.body.itemconfigure("error", fill=theme_colour("error"))
            for party, tag in self._colour_tags.items():   # in the new theme's palette
                for canvas in (self.header, self.body):
                    canvas.itemconfigure(tag, fill=self.colors(party))
            self._hide_hover()
        except tk.TclError:  # the window is closing
            pass


def demo(parent) -> SeqDiagram:
    """A made-up exchange of a server and two clients."""
    from .demo import sample_exchange
    diagram = SeqDiagram(parent)
    lanes, events = sample_exchange()
    diagram.reset(lanes)
    diagram.add(events)
    return diagram


if __name__ == "__main__":
    from .demo import run
    run(demo, "Sequence diagram")
