"""A read-only, syntax-coloured view of the lesson module that runs."""

from __future__ import annotations

import io
import keyword
import tkinter as tk
import token
import tokenize

import ttkbootstrap as ttk

STYLES = {
    "keyword": "#7f3fbf",
    "string": "#2a7d2a",
    "comment": "#8a8a8a",
    "number": "#b35c00",
    "definition": "#1f5fbf",
}


def syntax_spans(source: str):
    """Yield (tag, (row, col), (row, col)) for the parts worth colouring."""
    previous = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = None
            if tok.type == token.NAME and keyword.iskeyword(tok.string):
                kind = "keyword"
            elif tok.type == token.NAME and previous in ("def", "class"):
                kind = "definition"
            elif tok.type == token.STRING or tok.type == getattr(token, "FSTRING_START", -1):
                kind = "string"
            elif tok.type == token.COMMENT:
                kind = "comment"
            elif tok.type == token.NUMBER:
                kind = "number"
            if kind:
                yield kind, tok.start, tok.end
            if tok.type == token.NAME:
                previous = tok.string
    except (tokenize.TokenError, SyntaxError):
        return


class SourceView(ttk.Frame):
    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self.text = ttk.ScrolledText(self, height=20, width=56, wrap="none", hbar=True,
                                     font="TkFixedFont")
        self.text.pack(fill="both", expand=True)
        for tag, colour in STYLES.items():
            self._widget.tag_configure(tag, foreground=colour)
        self._widget.configure(state="disabled")
        self.path: str | None = None

    @property
    def _widget(self) -> tk.Text:
        return getattr(self.text, "text", self.text)

    def load(self, path: str) -> None:
        """Show the file that really runs: what the learner reads is what executes."""
        with open(path, encoding="utf-8") as f:
            source = f.read()
        self.path = path
        widget = self._widget
        widget.configure(state="normal")
        widget.delete("1.0", "end")
        lines = source.splitlines()
        width = len(str(len(lines)))
        for number, line in enumerate(lines, 1):
            widget.insert("end", f"{number:>{width}}  ", ("gutter",))
            widget.insert("end", line + "\n")
        widget.tag_configure("gutter", foreground="#9a9a9a")
        offset = width + 2
        for tag, (r1, c1), (r2, c2) in syntax_spans(source):
            widget.tag_add(tag, f"{r1}.{c1 + offset}", f"{r2}.{c2 + offset}")
        widget.configure(state="disabled")

    def line_text(self, line: int) -> str:
        return self._widget.get(f"{line}.0", f"{line}.end")

    def content(self) -> str:
        return self._widget.get("1.0", "end-1c")
