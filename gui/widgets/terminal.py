"""The program's output as a terminal shows it: every raw chunk, in order.

The log shows each actor's own finished lines; this view shows what a
learner would see in a terminal, where two threads that print at once
garble a line ("[1] [2] => 0"). It takes the run's ``terminal`` events
(raw chunks, in the order the terminal would receive them) and appends
their text, nothing else: no time, no actor, no colour per actor (a
terminal has none). Text written to stderr is drawn in the theme's error
colour, as many terminals and IDEs do.

Control characters
------------------
The view acts on the four a classic program uses to lay out its output,
as a terminal does:

* ``\\n`` ends the line;
* ``\\r`` moves back to the line's start, and what follows overwrites it
  (a progress line "10%\\r20%\\r" ends up showing "20%", not 100 copies);
* ``\\b`` moves back one column (the next character overwrites);
* ``\\t`` is left to the text widget, whose tab stops are every 8 columns.

Every other control character (an ANSI colour code's ESC, NUL, a bell)
and every undecodable byte is shown as an escape (``\\x1b``) by
``engine.safetext.for_terminal``: the view does not interpret escape
sequences, and showing them says honestly what the program wrote.

Size and speed
--------------
A program printing 100k lines must cost bounded memory and time. The view
keeps the last ``MAX_LINES`` lines (a terminal's scrollback) and splits a
line longer than ``MAX_COLUMNS`` as a terminal wraps it, so neither many
lines nor one endless line grows it without bound. ``add()`` takes one pump
tick's events and changes the widget with one insert (plus a delete for the
line being rewritten and one for the lines that fall off the top), however
many events the tick brought. It follows the end unless the learner has
scrolled up to read.
"""

from __future__ import annotations

import re
import tkinter as tk
from itertools import repeat
from operator import attrgetter, itemgetter

import ttkbootstrap as ttk

from engine import vocabulary as vocab
from engine.safetext import for_terminal

from ..colors import theme_colour
from .logview import make_read_only

STDERR_TAG = "stderr"
OUT, ERR = "o", "e"      # the stream of each character of a line, one letter each
TAG_OF = {OUT: "", ERR: STDERR_TAG}

# Control characters shown as escapes: all of safetext's but the four the view obeys.
_HIDDEN = re.compile("[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_MOVES = re.compile("([\r\b\n])")
_SAME_STREAM = re.compile(f"{OUT}+|{ERR}+")


def visible(text: str) -> str:
    """``text`` with every control character the view does not obey shown escaped."""
    return _HIDDEN.sub(lambda match: for_terminal(match.group()), text)


class Screen:
    """What the terminal shows, without Tk: finished lines and the line being written.

    Each line keeps a parallel string of stream letters (``o``/``e``, one per
    character; one letter alone stands for the whole line), so stderr text
    keeps its colour where it overwrote stdout text.
    """

    def __init__(self, max_columns: int, max_lines: int) -> None:
        self.max_columns = max_columns
        self.max_lines = max_lines     # finished lines worth keeping: older ones are dropped
        self.line, self.streams, self.column = "", "", 0
        self.finished: list[tuple[str, str]] = []   # (text, streams) since the last take

    def write(self, text: str, stream: str) -> None:
        text = visible(text)
        if "\r" in text or "\b" in text:
            self._write_moving(text, stream)
            return
        # The common case: plain lines, split in C.
        parts = text.split("\n")
        self._put(parts[0], stream)
        if len(parts) > 1:
            self._end_line()
            # Of a flood, only the last lines can be shown: the others are not even kept.
            middle = parts[max(1, len(parts) - 1 - self.max_lines):-1]
            self.finished.extend(zip(middle, repeat(stream)))
            self._put(parts[-1], stream)

    def _write_moving(self, text: str, stream: str) -> None:
        for piece in _MOVES.split(text):
            if piece == "\n":
                self._end_line()
            elif piece == "\r":
                self.column = 0
            elif piece == "\b":
                self.column = max(0, self.column - 1)
            elif piece:
                self._put(piece, stream)

    def _put(self, piece: str, stream: str) -> None:
        """Write ``piece`` at the cursor, over what is there (after a \\r or \\b)."""
        if not piece:
            return
        line, column = self.line, self.column
        if column == len(line) and self.streams in ("", stream):
            self.line, self.streams = line + piece, stream   # still one stream: one letter
        else:
            # The letters of the line as it is, before the piece lengthens it: spread
            # after, one stream's letter would also stand for the new characters.
            streams = self._spread()
            end = column + len(piece)
            self.line = line[:column] + piece + line[end:]
            self.streams = streams[:column] + stream * len(piece) + streams[end:]
        self.column = column + len(piece)
        while len(self.line) > self.max_columns and self.column >= self.max_columns:
            self._wrap()

    def _spread(self) -> str:
        """The current line's streams, one letter per character."""
        return self.streams if len(self.streams) == len(self.line) else \
            self.streams[:1] * len(self.line)

    def _wrap(self) -> None:
        """A line wider than the screen goes on in the next row, as a terminal wraps."""
        cut = self.max_columns
        streams = self._spread()
        self.finished.append((self.line[:cut], streams[:cut]))
        self.line, self.streams = self.line[cut:], streams[cut:]
        self.column -= cut

    def _end_line(self) -> None:
        self.finished.append((self.line, self.streams or OUT))
        self.line, self.streams, self.column = "", "", 0

    def take_finished(self) -> list[tuple[str, str]]:
        """The lines finished since the last call: only the last ``max_lines``, each at
        most ``max_columns`` wide (longer ones are wrapped into several rows)."""
        keep = self.max_lines
        finished, self.finished = self.finished[-keep:], []
        if any(len(text) > self.max_columns for text, _ in finished):
            finished = [row for line in finished for row in self._rows_of(*line)][-keep:]
        return finished

    def _rows_of(self, text: str, streams: str):
        width = self.max_columns
        if len(text) <= width:
            yield text, streams
            return
        if len(streams) != len(text):
            streams = streams[:1] * len(text)
        for start in range(0, len(text), width):
            yield text[start:start + width], streams[start:start + width]

    def trim(self) -> None:
        """Forget all but the last ``max_lines`` finished lines (a flood within one batch)."""
        if len(self.finished) > 2 * self.max_lines:
            del self.finished[:-self.max_lines]


def tagged_chunks(lines: list[tuple[str, str]], current: tuple[str, str]) -> list:
    """Arguments for one ``Text.insert``: text, tags, text, tags... for ``lines``
    (each ended by a newline) and then the unfinished line.

    Neighbours of one stream join into one text, so 5000 stdout lines are
    one argument, not 5000.
    """
    if lines:
        kinds = set(map(itemgetter(1), lines))
        if len(kinds) == 1 and len(only := kinds.pop()) == 1 and current[1] in ("", only):
            # The common case, a flood of whole lines of one stream: one join in C,
            # not a call per line.
            return ["\n".join(map(itemgetter(0), lines)) + "\n" + current[0],
                    TAG_OF[only]]
    chunks: list = []
    texts: list[str] = []
    stream = None

    def add(text: str, of: str) -> None:
        nonlocal stream
        if of != stream and texts:
            chunks.extend(("".join(texts), TAG_OF[stream]))
            texts.clear()
        stream = of
        texts.append(text)

    def add_line(text: str, streams: str, end: str) -> None:
        if len(streams) <= 1:
            add(text + end, streams or OUT)
            return
        for same in _SAME_STREAM.finditer(streams):
            add(text[same.start():same.end()], same.group()[0])
        if end:
            add(end, stream)

    for text, streams in lines:
        add_line(text, streams, "\n")
    add_line(*current, "")
    if texts:
        chunks.extend(("".join(texts), TAG_OF[stream]))
    return chunks


class TerminalView(ttk.Frame):
    MAX_LINES = 5000     # a terminal's scrollback: older lines fall off the top
    MAX_COLUMNS = 2000   # a longer line is wrapped into rows of this width
    FONT = "TkFixedFont"

    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self.text = ttk.ScrolledText(self, height=12, width=70, wrap="char", font=self.FONT)
        self.text.pack(fill="both", expand=True)
        make_read_only(self._widget)
        self.screen = Screen(self.MAX_COLUMNS, self.MAX_LINES)
        self.rows = 0              # finished lines in the widget (the line being written aside)
        self._shown_line = False   # the widget's last line holds unfinished text
        self._recolour()
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")

    @property
    def _widget(self) -> tk.Text:
        return getattr(self.text, "text", self.text)

    def add(self, events: list) -> None:
        """Append the text of a batch of ``terminal`` events, in order, in one insert."""
        if not events:
            return
        screen = self.screen
        for text, stream in stream_runs(events):
            screen.write(text, stream)
            screen.trim()
        lines = screen.take_finished()
        current = (screen.line, screen.streams)
        if not lines and not self._shown_line and not screen.line:
            return
        widget = self._widget
        follow = widget.yview()[1] >= 0.999
        if len(lines) >= self.MAX_LINES:
            widget.delete("1.0", "end")   # every line shown now is from this batch
            self.rows = 0
        elif self._shown_line:
            widget.delete("end-1c linestart", "end-1c")   # it is written again, as it is now
        widget.insert("end", *tagged_chunks(lines, current))
        self._shown_line = bool(screen.line)
        self.rows += len(lines)
        excess = self.rows - self.MAX_LINES
        if excess > 0:
            widget.delete("1.0", f"{excess + 1}.0")
            self.rows = self.MAX_LINES
        if follow:
            widget.see("end")

    def clear(self) -> None:
        self._widget.delete("1.0", "end")
        self.screen = Screen(self.MAX_COLUMNS, self.MAX_LINES)
        self.rows = 0
        self._shown_line = False

    def content(self) -> str:
        return self._widget.get("1.0", "end-1c")

    def _recolour(self) -> None:
        """The stderr colour for the theme in use (at start, and after a light/dark switch)."""
        self._widget.tag_configure(STDERR_TAG, foreground=theme_colour("error"))


def stream_runs(events: list) -> list[tuple[str, str]]:
    """(text, stream letter) for each run of neighbouring events of one stream.

    In list comprehensions and C-level joins: a flood brings 100k events a tick.
    """
    streams = [data.get(vocab.STREAM) if type(data) is dict else None
               for data in map(attrgetter("data"), events)]
    texts = list(map(attrgetter("text"), events))
    if not streams.count(vocab.STDERR):   # the common case: stdout alone
        return [("".join(texts), OUT)]
    errs = [stream == vocab.STDERR for stream in streams]
    cuts = [0, *(i for i in range(1, len(errs)) if errs[i] != errs[i - 1]), len(errs)]
    return [("".join(texts[start:end]), ERR if errs[start] else OUT)
            for start, end in zip(cuts, cuts[1:], strict=False)]


def demo(parent) -> TerminalView:
    """Two threads printing without a lock, a progress line, an error and an escape."""
    from engine.events import Event
    chunks = [
        ("[thread-0] line 0\n", vocab.STDOUT), ("[thread-1] li", vocab.STDOUT),
        ("[thread-0] line 1\n", vocab.STDOUT), ("ne 0\n", vocab.STDOUT),
        ("scanning 10%", vocab.STDOUT), ("\rscanning 60%", vocab.STDOUT),
        ("\rscanning 100%\n", vocab.STDOUT),
        ("Traceback (most recent call last):\n  ...\nValueError: a sample error\n",
         vocab.STDERR),
        ("\x1b[31mcolour codes are shown, not obeyed\x1b[0m\n", vocab.STDOUT),
        ("done\n", vocab.STDOUT),
    ]
    view = TerminalView(parent)
    view.add([Event(0.1 * i, "main", vocab.TERMINAL, text, {vocab.STREAM: stream})
              for i, (text, stream) in enumerate(chunks)])
    return view


if __name__ == "__main__":
    from .demo import run
    run(demo, "Terminal")
