"""File sizes on a log2 scale, drawn on a Canvas.

Bucket 0 holds empty files; bucket k holds sizes from 2**(k-1) to 2**k - 1
(sizes with k binary digits). Sizes of source files spread over many orders
of magnitude, so equal-width buckets would put almost everything in one bar.
"""

from __future__ import annotations

import math
import tkinter as tk

import ttkbootstrap as ttk

from ..scaling import ZOOM_CHANGED, font, ui_factor

LABEL_FONT = "TkSmallCaptionFont"


def bucket_label(k: int) -> str:
    """The smallest size in bucket ``k``, short: 0, 1, 2, 4 ... 512, 1K, 2K ... 1G."""
    if k == 0:
        return "0"
    low = 1 << (k - 1)
    for unit in ("", "K", "M", "G", "T", "P"):
        if low < 1024:
            return f"{low}{unit}"
        low >>= 10
    return f"{low}E"


class SizeHistogram(ttk.Frame):
    LEFT, BOTTOM, TOP = 44, 20, 8   # at 100% on a 96-dpi screen; see _measure

    def __init__(self, master, height: int = 120, **kw):
        """``height``: of the plot in pixels at 100% on a 96-dpi screen (zoom scales it)."""
        super().__init__(master, **kw)
        self.canvas = ttk.Canvas(self, height=round(height * ui_factor(self)),
                                 highlightthickness=0)
        self.canvas.pack(fill="both", expand=True)
        self.counts: list[int] = []
        self.canvas.bind("<Configure>", lambda _e: self.draw())
        self.bind("<<ThemeChanged>>", lambda _e: self.draw(), add="+")
        self.bind(ZOOM_CHANGED, lambda _e: self.draw(), add="+")
        self.canvas.bind("<Motion>", self._on_motion)
        self.canvas.bind("<Leave>", lambda _e: self.canvas.delete("tip"))

    def show(self, histogram: list[int]) -> None:
        self.counts = list(histogram)
        self.draw()

    @property
    def bars(self) -> list[tuple[str, int]]:
        """(label, count) of every bar drawn: empty files first, then each power of 2."""
        return [(bucket_label(k), n) for k, n in enumerate(self.counts)]

    def _measure(self, top: int) -> None:
        """Margins from the labels' font as drawn now (zoom and screen DPI).

        The instance's sizes shadow the class's 100% ones.
        """
        labels = font(self, LABEL_FONT)
        line = int(labels.metrics("linespace"))
        self.LEFT = max(round(type(self).LEFT * ui_factor(self)), labels.measure(f"{top:,}") + 8)
        self.BOTTOM = line + 4
        self.TOP = line // 2 + 1
        self._label_w = labels.measure("512K") + 8   # the widest bucket label, and air

    def draw(self) -> None:
        c = self.canvas
        c.delete("all")
        colors = ttk.Style.get_instance().colors
        width, height = c.winfo_width(), c.winfo_height()
        if not self.counts or width < 60 or height < 40:
            c.create_text(width // 2, height // 2, text="Sizes appear here after a scan",
                          fill=colors.secondary, tags="note")
            return
        top = max(self.counts) or 1
        self._measure(top)
        plot_w = width - self.LEFT - 6
        plot_h = height - self.BOTTOM - self.TOP
        step = plot_w / len(self.counts)
        base = self.TOP + plot_h
        c.create_line(self.LEFT, base, width - 4, base, fill=colors.fg)
        c.create_text(self.LEFT - 4, self.TOP, text=f"{top:,}", anchor="ne", fill=colors.fg,
                      font=LABEL_FONT)
        c.create_text(self.LEFT - 4, base, text="0", anchor="se", fill=colors.fg,
                      font=LABEL_FONT)
        label_every = max(1, math.ceil(self._label_w / max(step, 1)))  # labels must not overlap
        for k, n in enumerate(self.counts):
            x0 = self.LEFT + k * step + 1
            x1 = x0 + max(1.0, step - 2)
            if n:
                y = base - max(1.0, plot_h * n / top)
                c.create_rectangle(x0, y, x1, base, fill=colors.primary, outline="",
                                   tags=("bar", f"bar{k}"))
            if k % label_every == 0:
                c.create_text((x0 + x1) / 2, base + 2, text=bucket_label(k), anchor="n",
                              fill=colors.fg, font=LABEL_FONT)

    def _on_motion(self, event) -> None:
        c = self.canvas
        c.delete("tip")
        if not self.counts:
            return
        step = (c.winfo_width() - self.LEFT - 6) / len(self.counts)
        k = int((event.x - self.LEFT) // step) if step > 0 else -1
        if not 0 <= k < len(self.counts):
            return
        low = bucket_label(k)
        high = bucket_label(k + 1)
        text = f"{self.counts[k]:,} files of size 0" if k == 0 else \
            f"{self.counts[k]:,} files from {low} to under {high} bytes"
        colors = ttk.Style.get_instance().colors
        x = min(event.x + 10, c.winfo_width() - 4)
        item = c.create_text(x, self.TOP + 2, text=text, anchor="ne" if x > c.winfo_width() / 2
                             else "nw", fill=colors.fg, tags="tip")
        try:
            box = c.bbox(item)
            c.create_rectangle(*box, fill=colors.bg, outline=colors.secondary, tags="tip")
            c.tag_raise(item)
        except (TypeError, tk.TclError):
            pass


def demo(parent) -> SizeHistogram:
    """Made-up counts of file sizes: a few empty files, most of a few KiB."""
    histogram = SizeHistogram(parent)
    histogram.show([12, 0, 1, 3, 8, 20, 45, 90, 160, 240, 310, 280, 190, 95, 30, 6, 1])
    return histogram


if __name__ == "__main__":
    from .demo import run
    run(demo, "Histogram")
