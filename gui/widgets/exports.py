"""Save a run: its log as text, its timeline as a PNG, a table as CSV, where the
learner chooses.

Both are made from the run's events, the same data the log and the
timeline show, not from a screenshot of the widgets: the picture has every
event, whatever was scrolled out of view, and it looks the same on a light or
dark theme. The lanes, spans and queue depth follow the live timeline's rules
(``gui/widgets/lanes.py``) and the actors keep their colours (``gui/colors.py``).

Saving never raises: every ``save_*`` and ``export_*`` returns a ``Saved``
whose ``message`` is one sentence for the person ("Could not save the log to
/x/run.txt: permission denied.").
"""

from __future__ import annotations

import errno
import functools
import io
import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from engine import vocabulary as vocab

from ..colors import DEPTH_BLUE, LIGHT, ActorColors, theme_colour
from .lanes import SPECIAL, DepthLine, SpanBook, actors_in_order, nice_step, span_look
from .logview import printable

LOG_FILETYPES = [("Text files", "*.txt"), ("All files", "*")]
PNG_FILETYPES = [("PNG images", "*.png"), ("All files", "*")]


class Saved(NamedTuple):
    ok: bool
    message: str    # one sentence for the status bar or an error box
    path: str


# -- the log as text ----------------------------------------------------------------

def log_line(event) -> str:
    """One event as one line: time, actor, kind, line of the lesson, text.

    A text of several lines, and an error's traceback, go on below under the
    text column: a line whose start (up to the text column) is blank
    continues the event above it.
    """
    where = f"L{event.line}" if event.line else ""
    head = f"{event.t:9.3f}s  {printable(event.actor):<18} {event.kind:<8} {where:<5} "
    first, *more = printable(str(event.text)).split("\n")
    if event.kind == vocab.ERROR and isinstance(event.data, dict):
        trace = event.data.get(vocab.TRACEBACK)
        if trace:
            more += printable(str(trace)).rstrip("\n").split("\n")
    return "\n".join([head + first] + [" " * len(head) + line for line in more])


def log_text(events: Iterable, title: str | None = None, dropped: int = 0) -> str:
    """The whole log as plain text, one event per line (see ``log_line``).

    ``dropped`` says how many earlier events of the run were not kept.
    """
    events = list(events)
    lines = []
    if title:
        lines.append(f"# PySysLab: {printable(title)}")
    lines.append(f"# {len(events)} events, saved {time.strftime('%Y-%m-%d %H:%M:%S')}")
    if dropped:
        lines.append(f"# (the first {dropped:,} events of this run were not kept)")
    lines.append(f"# {'time':>9}  {'actor':<18} {'kind':<8} {'line':<5} text")
    lines += [log_line(event) for event in events]
    return "\n".join(lines) + "\n"


def save_log(events: Iterable, path: str | os.PathLike, title: str | None = None,
             dropped: int = 0) -> Saved:
    """Write ``log_text(events)`` to ``path`` as UTF-8."""
    return write_file(path, log_text(events, title, dropped).encode("utf-8"), "log")


# -- the timeline as a picture ---------------------------------------------------------

PAPER, INK, FAINT, STRIPE, GRID = "#ffffff", "#333333", "#777777", "#f4f5f7", "#e4e6ea"
ERROR_RED = theme_colour("error", LIGHT)   # the picture is on white: as the light theme


class Layout(NamedTuple):
    """Where things are in a timeline picture (all in pixels)."""
    width: int
    height: int
    label_w: int            # the column of lane names; the plot starts here
    plot_w: int
    span_s: float           # seconds the plot's width stands for
    depth_top: int | None   # the top of the queue-depth band, None without one
    lanes_top: int
    lane_h: int
    lanes: list[str]        # actors, top to bottom
    colours: dict[str, str]

    def x(self, t: float) -> float:
        return self.label_w + t * self.plot_w / self.span_s

    def lane_box(self, actor: str) -> tuple[int, int]:
        """(top, bottom) of ``actor``'s lane."""
        y0 = self.lanes_top + self.lanes.index(actor) * self.lane_h
        return y0, y0 + self.lane_h


@functools.lru_cache(maxsize=4)
def _font(size: int):
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)   # pillow >= 10.1 with FreeType
    except (TypeError, ValueError, OSError, ImportError):
        return ImageFont.load_default()


TITLE_H, AXIS_H, DEPTH_H, LANE_H, LEGEND_H = 30, 24, 72, 26, 30
RIGHT_PAD, MIN_LABEL_W, MAX_LABEL_W = 18, 100, 260


def timeline_layout(events: Sequence, width: int = 1400, title: str | None = None) -> Layout:
    """Work out the picture's geometry: lanes in first-speaking order, the time scale."""
    lanes = actors_in_order(events)
    colors = ActorColors(mode="light")   # the picture is on white, whatever the theme
    colours = {actor: colors(actor) for actor in lanes}   # the order the tab gives them
    font = _font(13)
    widest = max((font.getlength(printable(a)) for a in lanes), default=0)
    label_w = int(min(MAX_LABEL_W, max(MIN_LABEL_W, widest + 20)))
    width = max(int(width), label_w + RIGHT_PAD + 100)
    plot_w = width - label_w - RIGHT_PAD
    t_end = max((e.t for e in events), default=0.0)
    span_s = max(t_end, 0.01)
    top = TITLE_H if title else 6
    depth_of = DepthLine().depth
    has_depth = any(depth_of(e) is not None for e in events)
    depth_top = top + AXIS_H if has_depth else None
    lanes_top = top + AXIS_H + (DEPTH_H if has_depth else 0)
    height = lanes_top + max(1, len(lanes)) * LANE_H + LEGEND_H
    return Layout(width, height, label_w, plot_w, span_s, depth_top, lanes_top, LANE_H,
                  lanes, colours)


def timeline_image(events: Iterable, width: int = 1400, title: str | None = None):
    """The run's timeline drawn with pillow: a lane per actor, a tick per event,
    lock and queue spans, the queue depth, a time axis. Returns a PIL Image."""
    from PIL import Image, ImageDraw
    events = list(events)
    lay = timeline_layout(events, width, title)
    image = Image.new("RGB", (lay.width, lay.height), PAPER)
    draw = ImageDraw.Draw(image)
    font, small = _font(13), _font(11)
    top = TITLE_H if title else 6
    bottom = lay.lanes_top + max(1, len(lay.lanes)) * lay.lane_h
    t_end = max((e.t for e in events), default=0.0)

    if title:
        draw.text((8, 7), printable(title), fill=INK, font=_font(15))
        about = f"{len(events)} events, {len(lay.lanes)} actors, {t_end:.2f} s"
        draw.text((lay.width - RIGHT_PAD - small.getlength(about), 10), about, fill=FAINT,
                  font=small)

    # Lane stripes first, so the grid and everything else lies on top.
    for row in range(1, len(lay.lanes), 2):
        y0 = lay.lanes_top + row * lay.lane_h
        draw.rectangle([0, y0, lay.width, y0 + lay.lane_h - 1], fill=STRIPE)

    # The time axis: round steps, a label on each, a faint grid line down.
    step = nice_step(lay.span_s / lay.plot_w, min_px=80)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    axis_y = top + AXIS_H - 4
    draw.line([(lay.label_w, axis_y), (lay.label_w + lay.plot_w, axis_y)], fill=FAINT)
    for i in range(int(lay.span_s / step + 1e-9) + 1):
        x = lay.x(i * step)
        draw.line([(x, axis_y + 1), (x, bottom)], fill=GRID)
        draw.line([(x, axis_y - 4), (x, axis_y)], fill=FAINT)
        label = f"{i * step:.{decimals}f}s"
        if x + small.getlength(label) < lay.width - 2:
            draw.text((x + 2, top + 2), label, fill=FAINT, font=small)

    if lay.depth_top is not None:
        _draw_depth(draw, lay, events, t_end, font, small)

    _draw_spans(draw, lay, events, t_end)

    boxes = {actor: lay.lane_box(actor) for actor in lay.lanes}
    left, scale = lay.label_w, lay.plot_w / lay.span_s
    drawn = set()   # one tick per pixel of a lane (and kind of tick) is enough
    for event in events:
        y0, y1 = boxes[event.actor]
        x = int(left + event.t * scale)
        key = (y0, x, event.kind if event.kind in SPECIAL else "")
        if key in drawn:
            continue
        drawn.add(key)
        colour = ERROR_RED if event.kind == vocab.ERROR else lay.colours[event.actor]
        draw.line([(x, y0 + 3), (x, y1 - 4)], fill=colour, width=3 if key[2] else 1)

    for actor in lay.lanes:
        y0, _y1 = lay.lane_box(actor)
        draw.text((8, y0 + 5), _fit(printable(actor), font, lay.label_w - 14),
                  fill=lay.colours[actor], font=font)
    if not lay.lanes:
        draw.text((lay.label_w, lay.lanes_top + 5), "no events", fill=FAINT, font=font)
    _draw_legend(draw, lay, bottom + 8, small, with_depth=lay.depth_top is not None)
    return image


def save_timeline_png(events: Iterable, path: str | os.PathLike, width: int = 1400,
                      title: str | None = None) -> Saved:
    """Draw ``timeline_image(events)`` and write it to ``path`` as a PNG."""
    from PIL import PngImagePlugin
    try:
        image = timeline_image(events, width, title)
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "PySysLab")
        if title:
            info.add_text("Title", title)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=info, optimize=True)
    except (OSError, ValueError, MemoryError) as exc:
        return Saved(False, f"Could not draw the timeline: {exc}.", os.fspath(path))
    return write_file(path, buffer.getvalue(), "timeline")


def _draw_spans(draw, lay: Layout, events: list, t_end: float) -> None:
    """Every span, with the spans of one look that meet within a pixel drawn as one box."""
    book = SpanBook()
    for event in events:
        book.add(event)
    left, scale = lay.label_w, lay.plot_w / lay.span_s
    looks: dict[tuple, tuple] = {}
    pending: dict[tuple, list] = {}     # (actor, state) -> [x0, x1] not drawn yet

    def flush(key, box):
        actor, _state = key
        y0, y1 = lay.lane_box(actor)
        fill, outline = looks[key]
        draw.rectangle([box[0], y0 + 6, max(box[0] + 1, box[1]), y1 - 7],
                       fill=fill or None, outline=outline or None)

    for actor, state, t0, t1 in sorted(book.all_spans(t_end), key=lambda s: s[2]):
        key = (actor, state)
        if key not in looks:
            looks[key] = span_look(lay.colours[actor], state, PAPER)
        x0, x1 = left + t0 * scale, left + t1 * scale
        box = pending.get(key)
        if box is not None and x0 - box[1] < 2:
            box[1] = max(box[1], x1)
            continue
        if box is not None:
            flush(key, box)
        pending[key] = [x0, x1]
    for key, box in pending.items():
        flush(key, box)


def _draw_depth(draw, lay: Layout, events: list, t_end: float, font, small) -> None:
    """The queue depth as a step line; the points of one pixel become one upright stroke."""
    depth_of = DepthLine().depth   # the same first queue as the live timeline's
    points = [(e.t, d) for e in events if (d := depth_of(e)) is not None]
    points.sort(key=lambda p: p[0])
    deepest = max(1, max(d for _t, d in points))
    base = lay.depth_top + DEPTH_H - 8
    unit = (DEPTH_H - 22) / deepest
    left, scale = lay.label_w, lay.plot_w / lay.span_s
    draw.line([(left, base), (left + lay.plot_w, base)], fill=GRID)
    line, last, i = [(left + points[0][0] * scale, base)], 0, 0
    while i < len(points):
        px = int(left + points[i][0] * scale)
        before = low = high = last
        while i < len(points) and int(left + points[i][0] * scale) == px:
            last = points[i][1]
            low, high = min(low, last), max(high, last)
            i += 1
        line += [(px, base - before * unit), (px, base - low * unit),
                 (px, base - high * unit), (px, base - last * unit)]
    line.append((left + t_end * scale, base - last * unit))
    draw.line(line, fill=DEPTH_BLUE, width=2)
    draw.text((8, base - 34), "queue depth", fill=INK, font=font)
    draw.text((8, base - 16), f"max {deepest}", fill=FAINT, font=small)


def _draw_legend(draw, lay: Layout, y: int, font, with_depth: bool) -> None:
    sample = "#555555"
    x = lay.label_w
    items = [(vocab.HOLDING, "holding the lock"), (vocab.WAITING, "waiting"),
             (vocab.WORKING, "working")]
    for state, words in items:
        fill, outline = span_look(sample, state, PAPER)
        draw.rectangle([x, y + 3, x + 22, y + 13], fill=fill or None, outline=outline or None)
        draw.text((x + 28, y + 1), words, fill=FAINT, font=font)
        x += 40 + font.getlength(words)
    draw.line([(x + 4, y + 1), (x + 4, y + 15)], fill=sample)
    draw.text((x + 12, y + 1), "an event", fill=FAINT, font=font)
    x += 30 + font.getlength("an event")
    draw.line([(x + 4, y + 1), (x + 4, y + 15)], fill=ERROR_RED, width=3)
    draw.text((x + 12, y + 1), "an error", fill=FAINT, font=font)
    x += 30 + font.getlength("an error")
    if with_depth:
        draw.line([(x, y + 8), (x + 22, y + 8)], fill=DEPTH_BLUE, width=2)
        draw.text((x + 28, y + 1), "queue depth", fill=FAINT, font=font)


def _fit(text: str, font, room: float) -> str:
    """``text``, shortened with an ellipsis to fit ``room`` pixels."""
    if font.getlength(text) <= room:
        return text
    while text and font.getlength(text + "…") > room:
        text = text[:-1]
    return text + "…"


# -- a table as CSV --------------------------------------------------------------------
# A CSV file is opened by a spreadsheet, which runs a cell that starts like a
# formula: a file named "=HYPERLINK(...).py" must not become a live link. As
# OWASP advises for CSV injection, such a cell gets a leading single quote
# (the spreadsheet then shows it as text) and every text cell is quoted.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
NOTE_COLUMN = "note"
NOT_UTF8_NOTE = "a name here is not valid UTF-8: its raw bytes are written as \\xNN"


def csv_cell(value: object) -> tuple[object, bool]:
    """``value`` made safe for a spreadsheet, and whether bytes had to be escaped.

    Numbers stay numbers. Text is written as valid UTF-8: bytes that are not
    UTF-8 (kept surrogate-escaped in a file name) become ``\\xNN``.
    """
    if not isinstance(value, str):
        return value, False
    text = printable(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text, printable(value) != value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """The table as CSV in UTF-8 (RFC 4180 quoting, text cells always quoted).

    A last column, ``note``, says on each row whose bytes were escaped that it
    was, so nobody takes ``caf\\xe9.py`` for the file's exact name.
    """
    import csv  # (here: the file-scan lesson imports this module at start, ~3 ms less)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([csv_cell(name)[0] for name in header] + [NOTE_COLUMN])
    for row in rows:
        cells = [csv_cell(value) for value in row]
        escaped = any(was_escaped for _cell, was_escaped in cells)
        writer.writerow([cell for cell, _ in cells] + [NOT_UTF8_NOTE if escaped else ""])
    return out.getvalue().encode("utf-8")


# -- writing a file and asking where ----------------------------------------------------

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "that folder does not exist",
    errno.ENOTDIR: "a part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder",
    errno.ENAMETOOLONG: "the name is too long",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "the disk quota is used up"


def reason(exc: OSError) -> str:
    """Why ``exc`` happened, in a few plain words."""
    return _REASONS.get(exc.errno) or (exc.strerror or str(exc)).lower()


def write_file(path: str | os.PathLike, data: bytes, what: str) -> Saved:
    """Write ``data`` to ``path``; on failure remove what was half-written."""
    path = os.fspath(path)
    shown = printable(path)
    existed = os.path.lexists(path)
    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError as exc:
        if not existed:
            try:
                os.unlink(path)
            except OSError:
                pass
        return Saved(False, f"Could not save the {what} to {shown}: {reason(exc)}.", path)
    return Saved(True, f"Saved the {what} to {shown}.", path)


_last_folder: str | None = None   # where the learner saved last, this session


def ask_save_path(parent, title: str, default_name: str, filetypes: list[tuple[str, str]],
                  initialdir: str | None = None) -> str | None:
    """Ask where to save (the platform's Save dialog); None if the learner cancels."""
    global _last_folder
    from tkinter import filedialog
    folder = initialdir or _last_folder or str(Path.home())
    extension = os.path.splitext(filetypes[0][1])[1] if filetypes else ""
    path = filedialog.asksaveasfilename(parent=parent, title=title, initialdir=folder,
                                        initialfile=default_name, filetypes=filetypes,
                                        defaultextension=extension)
    if not path:            # "" or () when cancelled, depending on the platform
        return None
    _last_folder = os.path.dirname(path) or None
    return path


def default_name(lesson_id: str, what: str, extension: str) -> str:
    """A file name that says what it is and when: ``mutex-log-20250101-120000.txt``."""
    return f"{lesson_id}-{what}-{time.strftime('%Y%m%d-%H%M%S')}{extension}"


def export_log(parent, events: Sequence, lesson_id: str, title: str | None = None,
               dropped: int = 0) -> Saved | None:
    """Ask where, then save the log there. None if the learner cancelled."""
    path = ask_save_path(parent, "Save the log", default_name(lesson_id, "log", ".txt"),
                         LOG_FILETYPES)
    return None if path is None else save_log(events, path, title, dropped)


def export_timeline(parent, events: Sequence, lesson_id: str, title: str | None = None
                    ) -> Saved | None:
    """Ask where, then save the timeline there as a PNG. None if the learner cancelled."""
    path = ask_save_path(parent, "Save the timeline as a picture",
                         default_name(lesson_id, "timeline", ".png"), PNG_FILETYPES)
    return None if path is None else save_timeline_png(events, path, title=title)


def demo(parent):
    """The saved picture of a made-up run, and the buttons that save it and the log."""
    import ttkbootstrap as ttk
    from PIL import ImageTk

    from .demo import sample_run
    events = sample_run()
    frame = ttk.Frame(parent)
    buttons = ttk.Frame(frame)
    buttons.pack(side="bottom", fill="x", pady=(4, 0))
    said = ttk.Label(buttons, text="")

    def save(export) -> None:
        saved = export(frame, events, "demo", title="Sample run")
        said.configure(text=saved.message if saved else "Cancelled.")

    ttk.Button(buttons, text="Save log…", command=lambda: save(export_log)).pack(side="left")
    ttk.Button(buttons, text="Save timeline…",
               command=lambda: save(export_timeline)).pack(side="left", padx=6)
    said.pack(side="left", fill="x")
    picture = ImageTk.PhotoImage(timeline_image(events, width=720, title="Sample run"),
                                 master=frame)
    shown = ttk.Label(frame, image=picture)
    shown.image = picture   # Tk keeps no reference of its own
    shown.pack(side="top", anchor="nw")
    return frame


if __name__ == "__main__":
    from .demo import run
    run(demo, "Export")
