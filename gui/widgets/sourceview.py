"""A read-only, syntax-coloured view of one file of the lesson that runs."""

from __future__ import annotations

import io
import keyword
import tkinter as tk
import token
import tokenize
from collections.abc import Callable

import ttkbootstrap as ttk

from ..colors import ActorColors, hex_colour, highlight_tint, theme_colour

# The syntax tags; their colours depend on the theme (gui/colors.py).
STYLES = ("keyword", "string", "comment", "number", "definition")


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


# A wrapped line goes on this many characters to the right of where it starts,
# but never further than this share of the view (deeply indented lines in a
# narrow pane would otherwise wrap a character at a time).
CONTINUATION_INDENT = 4
MAX_HANGING_SHARE = 0.4


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class SourceView(ttk.Frame):
    """The lesson's code, wrapped so that no line is ever cut off at the right.

    A long line goes on under itself, past the line numbers and indented a
    little more than its start (a hanging indent), so the shape of the code
    stays readable.
    """

    def __init__(self, master, colors: ActorColors | None = None,
                 on_line_click: Callable[[int], None] | None = None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()   # the tab's: the log's colours
        self.on_line_click = on_line_click
        self.text = ttk.ScrolledText(self, height=20, width=56, wrap="word",
                                     font="TkFixedFont")
        self.text.pack(fill="both", expand=True)
        self._widget.configure(state="disabled")
        self.path: str | None = None
        self._acting: dict[str, str] = {}      # actor -> its highlight tag, for this run
        self.acting_lines: dict[str, int] = {}  # actor -> the line it ran last
        self.chosen_line: int | None = None
        self._colour_job: str | None = None
        # Filling the text (~3 ms a file) and colouring it (~20 ms a lesson: tokenize
        # compiles its patterns on first use) wait for the view to be first shown,
        # or used: at start the code page is behind the explanation.
        self._unshown: str | None = None   # the source loaded but not in the text yet
        self._uncoloured: tuple[str, int] | None = None   # (source, gutter) still to colour
        self._widget.bind("<Map>", lambda _e: self._on_shown(), add="+")
        self._recolour()
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")
        self.followed_line: int | None = None
        self._indents: dict[int, str] = {}      # leading spaces -> the tag that wraps there
        self._indent_basis = (0, 0)   # (character width, view width) the indents were set for
        self._widget.bind("<Configure>", lambda _e: self._fit_indents(), add="+")
        self._widget.bind("<ButtonRelease-1>", self._on_click, add="+")

    def _on_click(self, e) -> None:
        """A click (not a drag that selected text) on a line: ``on_line_click(line)``."""
        widget = self._widget
        if self.on_line_click is None or widget.tag_ranges("sel"):
            return
        self.on_line_click(int(widget.index(f"@{e.x},{e.y}").split(".")[0]))

    @property
    def _widget(self) -> tk.Text:
        return getattr(self.text, "text", self.text)

    def load(self, path: str) -> None:
        """Show the file that really runs: what the learner reads is what executes.

        Read now (a missing file fails here), put in the text when the view is
        first shown or a line of it is marked.
        """
        with open(path, encoding="utf-8") as f:
            source = f.read()
        self.path = path
        self._unshown = source
        if self._widget.winfo_ismapped():
            self._fill()

    def _on_shown(self) -> None:
        self._fill()
        self._colour_soon()

    def _fill(self) -> None:
        """Put the loaded source in the text, if not done yet."""
        if self._unshown is None:
            return
        source, self._unshown = self._unshown, None
        widget = self._widget
        widget.configure(state="normal")
        widget.delete("1.0", "end")
        lines = source.splitlines()
        width = len(str(len(lines)))
        self._indents = {}
        for number, line in enumerate(lines, 1):
            indent = self._indent_tag(width + 2 + indent_of(line))
            widget.insert("end", f"{number:>{width}}  ", ("gutter", indent))
            widget.insert("end", line + "\n", (indent,))
        self._indent_basis = (0, 0)
        self._fit_indents()
        widget.configure(state="disabled")
        self._uncoloured = (source, width + 2)
        if widget.winfo_ismapped():
            self._colour_soon()
        # else: coloured when first shown (<Map>, bound in __init__)

    def _colour_soon(self) -> None:
        """Colour the code once Tk is idle; the id is kept so that closing the
        window first cancels it (no callback into a destroyed widget)."""
        if self._uncoloured is not None and self._colour_job is None:
            self._colour_job = self.after_idle(self._colour_now)

    def _colour_now(self) -> None:
        self._colour_job = None
        if self._uncoloured is not None:
            source, gutter = self._uncoloured
            self._uncoloured = None
            self._colour(source, gutter)

    def destroy(self) -> None:
        if self._colour_job is not None:
            self.after_cancel(self._colour_job)
            self._colour_job = None
        super().destroy()

    def _indent_tag(self, columns: int) -> str:
        """The tag whose wrapped lines start ``columns`` (+ a little) characters in."""
        if columns not in self._indents:
            self._indents[columns] = f"indent{columns}"
        return self._indents[columns]

    def _fit_indents(self) -> None:
        """Set each hanging indent in pixels, for the font's size (zoom changes it)
        and the view's width now."""
        widget = self._widget
        try:   # measured by name: no font object made on every call
            char_width = int(widget.tk.call("font", "measure", widget.cget("font"), "0"))
        except tk.TclError:
            return
        view_width = widget.winfo_width()
        if (char_width, view_width) == self._indent_basis:
            return
        self._indent_basis = (char_width, view_width)
        widest = int(max(view_width, 200) * MAX_HANGING_SHARE)
        for columns, tag in self._indents.items():
            widget.tag_configure(
                tag, lmargin2=min((columns + CONTINUATION_INDENT) * char_width, widest))

    def _colour(self, source: str, offset: int) -> None:
        widget = self._widget
        for tag, (r1, c1), (r2, c2) in syntax_spans(source):
            widget.tag_add(tag, f"{r1}.{c1 + offset}", f"{r2}.{c2 + offset}")
        for tag in self._acting.values():
            widget.tag_raise(tag)

    # -- the acting line ------------------------------------------------------------
    def highlight(self, actor: str, line: int) -> None:
        """Mark ``line`` as the one ``actor`` ran last, in a tint of its colour."""
        self._fill()
        widget = self._widget
        tag = self._acting.get(actor)
        if tag is None:
            tag = self._acting[actor] = f"acting{len(self._acting)}"
            widget.tag_configure(tag, background=self._tint(self.colors(actor)))
        widget.tag_remove(tag, "1.0", "end")
        widget.tag_add(tag, f"{line}.0", f"{line}.0 lineend +1c")
        widget.tag_raise(tag)
        self.acting_lines[actor] = line

    def unhighlight(self, actor: str) -> None:
        """``actor`` is no longer on a line of this file (it finished, or went to another one)."""
        tag = self._acting.get(actor)
        if tag is not None and self.acting_lines.pop(actor, None) is not None:
            self._widget.tag_remove(tag, "1.0", "end")

    def follow(self, line: int) -> None:
        """Bring ``line`` into view whole, all its wrapped parts."""
        self.show_whole(line)
        self.followed_line = line

    def show_whole(self, line: int) -> None:
        self._fill()
        self._fit_indents()   # the font may have grown since (zoom)
        widget = self._widget
        widget.see(f"{line}.0 lineend")
        widget.see(f"{line}.0")   # a line taller than the view shows its start

    def select_line(self, line: int) -> None:
        """Show and mark one line (a click on an event in the log or timeline)."""
        self._fill()
        widget = self._widget
        widget.tag_configure("chosen", relief="solid", borderwidth=1)
        widget.tag_remove("chosen", "1.0", "end")
        widget.tag_add("chosen", f"{line}.0", f"{line}.0 lineend")
        self.show_whole(line)
        self.chosen_line = line

    def clear_highlights(self) -> None:
        """A new run: forget the last run's actors, whose colours were handed out afresh."""
        for tag in self._acting.values():
            self._widget.tag_delete(tag)
        self._acting.clear()
        self.acting_lines.clear()

    def _recolour(self) -> None:
        """Colours for the theme in use (at start, and after a light/dark switch)."""
        widget = self._widget
        for tag in (*STYLES, "gutter"):
            widget.tag_configure(tag, foreground=theme_colour(tag))
        for actor, tag in self._acting.items():
            widget.tag_configure(tag, background=self._tint(self.colors(actor)))

    def highlighted(self) -> dict[str, int]:
        """actor -> line, as drawn (read back from the widget's tags)."""
        out = {}
        for actor, tag in self._acting.items():
            ranges = self._widget.tag_ranges(tag)
            if ranges:
                out[actor] = int(str(ranges[0]).split(".")[0])
        return out

    def _tint(self, colour: str) -> str:
        """The actor's colour mixed into the text's background (gui/colors.py)."""
        return highlight_tint(colour, hex_colour(self._widget, self._widget.cget("background")))

    def line_text(self, line: int) -> str:
        self._fill()
        return self._widget.get(f"{line}.0", f"{line}.end")

    def content(self) -> str:
        self._fill()
        return self._widget.get("1.0", "end-1c")


def demo(parent) -> SourceView:
    """A lesson's code, with the lines of a made-up run's actors highlighted."""
    from engine import catalog

    from .demo import sample_run
    view = SourceView(parent)
    view.load(catalog.get("thread_queue").source_file)
    last = view.content().count("\n") + 1
    for event in sample_run():
        if event.line and event.line <= last:
            view.highlight(event.actor, event.line)
            view.follow(event.line)
    return view


if __name__ == "__main__":
    from .demo import run
    run(demo, "Code")
