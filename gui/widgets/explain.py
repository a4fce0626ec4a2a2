"""Shows a lesson's docstring as light formatting: headings, bullets, `code`."""

from __future__ import annotations

import re
import textwrap
import tkinter as tk

import ttkbootstrap as ttk

from ..colors import hex_colour, mix
from ..scaling import BOLD_FONT, HEADING1_FONT, HEADING2_FONT, ITALIC_FONT, create_fonts

_INLINE = re.compile(r"(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*)")


def blocks(doc: str):
    """Split a docstring into (style, text) pieces: h1, h2, code, bullet, para."""
    doc = textwrap.dedent(doc).strip("\n")
    lines = doc.splitlines()
    if lines:
        yield "h1", lines[0].strip()
        lines = lines[1:]
    in_code = False
    style, words = "para", []

    def flush():
        nonlocal words
        if words:
            yield style, " ".join(words)
            words = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            yield from flush()
            in_code = not in_code
        elif in_code:
            yield "code", line
        elif line.startswith("## "):
            yield from flush()
            yield "h2", line[3:].strip()
        elif stripped.startswith(("- ", "* ")):
            yield from flush()
            style, words = "bullet", [stripped[2:]]
        elif not stripped:
            yield from flush()
            style = "para"
        elif line.startswith("    ") and not words:
            yield "code", line[4:]
        else:  # a paragraph line, or the continuation of a bullet
            words.append(stripped)
    yield from flush()


class ExplanationView(ttk.Frame):
    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self.text = ttk.ScrolledText(self, wrap="word", height=12, width=42, padding=2)
        self.text.pack(fill="both", expand=True)
        w = self._widget
        # Named fonts, so that zoom reaches the headings too (gui/scaling.py).
        create_fonts(self)
        w.tag_configure("h1", font=HEADING1_FONT, spacing3=6)
        w.tag_configure("h2", font=HEADING2_FONT, spacing1=8, spacing3=3)
        w.tag_configure("code", font="TkFixedFont")
        w.tag_configure("bold", font=BOLD_FONT)
        w.tag_configure("em", font=ITALIC_FONT)
        w.tag_configure("bullet", lmargin1=8, lmargin2=20)
        w.tag_configure("para", spacing3=4)
        w.configure(state="disabled")
        self._recolour()
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")

    @property
    def _widget(self) -> tk.Text:
        return self.text.text

    def _recolour(self) -> None:
        """Inline code on a shade of the text's own background, in light and dark."""
        w = self._widget
        paper, ink = (hex_colour(w, w.cget(option)) for option in ("background", "foreground"))
        w.tag_configure("code", background=mix(paper, ink, 0.1))

    def show(self, doc: str) -> None:
        w = self._widget
        w.configure(state="normal")
        w.delete("1.0", "end")
        for style, text in blocks(doc):
            if style in ("h1", "h2"):
                w.insert("end", text.replace("`", "") + "\n", (style,))
            elif style == "code":
                w.insert("end", text + "\n", ("code",))
            else:
                if style == "bullet":
                    w.insert("end", "•  ", ("bullet",))
                self._inline(text, (style,))
                w.insert("end", "\n", (style,))
        w.configure(state="disabled")

    def _inline(self, text: str, base: tuple) -> None:
        for piece in _INLINE.split(text):
            if not piece:
                continue
            if piece.startswith("`"):
                self._widget.insert("end", piece[1:-1], base + ("code",))
            elif piece.startswith("**"):
                self._widget.insert("end", piece[2:-2], base + ("bold",))
            elif piece.startswith("*") and len(piece) > 2:
                self._widget.insert("end", piece[1:-1], base + ("em",))
            else:
                self._widget.insert("end", piece, base)

    def content(self) -> str:
        return self._widget.get("1.0", "end-1c")


def demo(parent) -> ExplanationView:
    """A lesson's explanation: headings, bullets, `code`, **bold** and *italic*."""
    from engine import catalog
    view = ExplanationView(parent)
    view.show(catalog.get("thread_queue").doc)
    return view


if __name__ == "__main__":
    from .demo import run
    run(demo, "Explanation")
