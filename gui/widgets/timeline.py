"""A live timeline of a run: a lane per actor, a mark per event, spans for states.

Time runs to the right and is scaled so the whole run fits the width. Each
actor (thread or process) gets a lane, in the order it first speaks. Every
event is a small tick in its actor's lane. Three kinds of ``event.data``
draw more:

* ``{"lane": state}`` starts a span in the actor's lane that lasts until its
  next ``lane`` value; ``"idle"`` just ends the span. ``"holding"`` (the lock)
  is drawn solid, ``"waiting"`` as an outline, anything else (``"working"``)
  as a light fill.
* ``{"depth": n}`` adds a point to the queue-depth line in a band above the
  lanes; the band appears with the first such event.
* ``done`` ends every open span.

(These rules live in ``lanes.py``, shared with the saved PNG.)

Hovering a tick shows its event; clicking one calls ``on_select(event)``.
Clicking anywhere in a lane (its name, its ticks, its spans) also calls
``on_lane(actor)``: in step mode the lesson tab chooses that actor.

Speed: ``add()`` is called once per pump tick with that tick's events and
draws only what is new. Ticks that would land on a pixel already marked in
the same lane are not drawn again (they are still found by hovering), runs of
short spans in one pixel merge into one item, and rescaling the time axis is
one ``Canvas.scale`` call that moves every item in C. So the number of canvas
items is bounded by lanes x pixels, not by events.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..colors import DEPTH_BLUE, ActorColors, ink, mix, paper, theme_colour
from ..scaling import LANE_FONT, SMALL_FONT, ZOOM_CHANGED, font, line_height, ui_factor
from .lanes import SPECIAL, DepthLine, SpanBook, nice_step, span_look

# The data keys the lane rules read (lanes.lane_state, lanes.queue_depth): an
# event without them (and not ``done``) changes no lane and adds no depth.
RULED_KEYS = frozenset((vocab.LANE, vocab.DEPTH))


class Timeline(ttk.Frame):
    # Sizes in pixels at 100% on a 96-dpi screen. Each timeline measures its
    # own from its fonts (``_measure``), so they grow with zoom and DPI.
    LABEL_W = 110       # the column of lane names, at least (it widens for long names)
    MAX_LABEL_W = 230
    RIGHT_PAD = 14
    AXIS_H = 20
    DEPTH_H = 64
    LANE_H = 22
    FIRST_SPAN = 2.0    # seconds the axis shows before the run outgrows it
    HIT_PX = 5          # how near the pointer must be to a tick
    MERGE_PX = 2        # spans of one state closer than this share one canvas item
    BUDGET_S = 0.008    # the most time one call spends drawing; the rest waits
    CHUNK = 256         # events drawn between looks at the clock

    def __init__(self, master, colors: ActorColors | None = None,
                 on_select: Callable | None = None, on_lane: Callable | None = None, **kw):
        super().__init__(master, **kw)
        self.colors = colors or ActorColors()
        self.on_select = on_select
        self.on_lane = on_lane
        self._name_font = font(self, LANE_FONT)
        self._measure()
        self.head = ttk.Canvas(self, height=self.AXIS_H, highlightthickness=0)
        self.body = ttk.Canvas(self, height=5 * self.LANE_H, highlightthickness=0)
        yscroll = ttk.Scrollbar(self, orient="vertical", command=self.body.yview)
        self.body.configure(yscrollcommand=yscroll.set)
        self.head.grid(row=0, column=0, sticky="ew")
        self.body.grid(row=1, column=0, sticky="nsew")
        yscroll.grid(row=1, column=1, sticky="ns")
        self.rowconfigure(1, weight=1)
        self.columnconfigure(0, weight=1)
        for canvas in (self.head, self.body):
            canvas.bind("<Motion>", self._on_motion, add="+")
            canvas.bind("<Leave>", lambda _e: self.hide_hover(), add="+")
            canvas.bind("<Button-1>", self._on_click, add="+")
        self.body.bind("<Configure>", self._on_resize, add="+")
        self.bind("<<ThemeChanged>>", lambda _e: self._recolour(), add="+")
        self.bind(ZOOM_CHANGED, lambda _e: self._redraw_at_new_size(), add="+")
        self._after_id = None
        # The hot paths call Tcl directly: tkinter's create_*() spends more
        # time turning keyword options into Tcl words than Tk spends drawing.
        self._tcl = self.body.tk.call
        self._body_path = self.body._w
        self._label_w = self._min_label_w
        self._plot_w = self._width_now()
        self.clear()

    def _measure(self) -> None:
        """Row heights and margins from the fonts as drawn now (zoom and screen DPI).

        The instance's sizes shadow the class's 100% ones.
        """
        names = line_height(self, LANE_FONT)
        ticks = line_height(self, SMALL_FONT)
        self.LANE_H = names + 7            # 22 at 100%
        self.AXIS_H = ticks + 6            # 20
        self.DEPTH_H = 4 * ticks + 8       # 64: two lines of text above the depth line
        factor = ui_factor(self)
        self._min_label_w = round(self.LABEL_W * factor)
        self._max_label_w = round(self.MAX_LABEL_W * factor)

    def _redraw_at_new_size(self) -> None:
        """The zoom changed: measure again and draw the run so far at the new size."""
        events = self._history
        self._measure()
        self.clear()
        self.body.configure(height=5 * self.LANE_H)
        if events:
            self.add(events)
            self.flush()

    # -- public ---------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the last run."""
        self._cancel_resume()
        self._history: list = []                # every event taken, to redraw at a new zoom
        self._backlog: list = []                # events taken but not drawn yet
        self._next = 0                          # the first of them not drawn
        self.head.delete("all")
        self.body.delete("all")
        self.lanes: list[str] = []              # actor names, top to bottom
        self._book = SpanBook()                 # which state each lane is in (lanes.py)
        self.spans: list[tuple] = self._book.spans  # (actor, state, t0, t1), every span ended
        self.depth: list[tuple] = []            # (t, depth), every point
        self.event_count = 0
        self.hover_text: str | None = None
        self._row: dict[str, int] = {}
        self._times: dict[str, list[float]] = {}
        self._events: dict[str, list] = {}
        self._last_px: dict[str, int] = {}      # last pixel ticked in each lane
        # actor -> [item, item's t0, pixel of its right edge], for each open span
        self._open: dict[str, list] = {}
        # (actor, state) -> (item, item's t0, t1, pixel of its right edge), the last one
        self._merge: dict[tuple, tuple] = {}
        # (actor, state) -> (fill, outline, the tag its spans share, to recolour them)
        self._looks: dict[tuple, tuple] = {}
        self._depth_max = 1
        self._depth_of = DepthLine().depth      # the first queue's depths only
        self._depth_line = None                 # the tail from the last point to "now"
        self._t_end = 0.0
        self._span_s = self.FIRST_SPAN
        self._tick_tags: dict[str, str] = {}    # actor -> tags of its ticks (for recolouring)
        if self._label_w != self._min_label_w:
            self._label_w = self._min_label_w
            self._plot_w = self._width_now()
        self.head.configure(height=self.AXIS_H)
        self._draw_axis()
        self.body.configure(scrollregion=(0, 0, 1, 1))

    def add(self, events: list) -> None:
        """Take a batch of events (one pump tick's worth) and draw it.

        Drawing stops after BUDGET_S, so a flood cannot freeze the window;
        the rest is drawn in later turns of the event loop. Lanes appear at
        once, in the order their actors first speak.
        """
        if not events:
            return
        self.event_count += len(events)
        self._history.extend(events)
        lanes_before = len(self.lanes)
        for event in events:
            if event.actor not in self._row:
                self._add_lane(event.actor)
        if len(self.lanes) != lanes_before:
            self.body.configure(scrollregion=(0, 0, self._plot_w + self._label_w,
                                              len(self.lanes) * self.LANE_H))
        self._backlog.extend(events)
        self._drain(self.BUDGET_S)

    @property
    def pending(self) -> int:
        """How many events are taken but not drawn yet."""
        return len(self._backlog) - self._next

    def flush(self) -> None:
        """Draw every pending event now."""
        self._drain(None)

    def destroy(self) -> None:
        self._cancel_resume()
        super().destroy()

    def _drain(self, budget: float | None) -> None:
        deadline = None if budget is None else time.perf_counter() + budget
        backlog = self._backlog
        while self._next < len(backlog):
            chunk = backlog[self._next:self._next + self.CHUNK]
            self._next += len(chunk)
            self._draw(chunk)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        if self._next >= len(backlog):
            backlog.clear()
            self._next = 0
            self._cancel_resume()
        elif self._after_id is None:
            self._after_id = self.after(1, self._resume)

    def _resume(self) -> None:
        self._after_id = None
        self._drain(self.BUDGET_S)

    def _cancel_resume(self) -> None:
        if getattr(self, "_after_id", None) is not None:
            self.after_cancel(self._after_id)
            self._after_id = None

    def _draw(self, events: list) -> None:
        t_max = max(e.t for e in events)
        if t_max > self._span_s:
            self._rescale_time(t_max)
        if t_max > self._t_end:
            self._t_end = t_max
        left, scale = self._label_w, self._plot_w / self._span_s
        last_px, rows, colours, tick_tags = self._last_px, self._row, self.colors, self._tick_tags
        tcl, path, lane_h = self._tcl, self._body_path, self.LANE_H
        depth_points: list[tuple] = []
        done = False
        book, change_state, depth_of = self._book, self._change_state, self._depth_of
        done_kind, ruled_keys = vocab.DONE, RULED_KEYS
        for event in events:
            actor, t, data = event.actor, event.t, event.data
            # Most events (a program's printed lines) set no lane state and report
            # no depth: one look at their data passes over both rules.
            if event.kind == done_kind or (type(data) is dict and not ruled_keys.isdisjoint(data)):
                book.add(event, change_state)    # the lane rules (lanes.py), drawn as they go
                depth = depth_of(event)
                if depth is not None:
                    depth_points.append((t, depth))
                if event.kind == done_kind:
                    done = True
            times = self._times[actor]           # kept for hovering
            if times and t < times[-1]:          # rare: older than its lane's last event
                i = bisect.bisect_right(times, t)
                times.insert(i, t)
                self._events[actor].insert(i, event)
            else:
                times.append(t)
                self._events[actor].append(event)
            x = left + t * scale
            special = event.kind in SPECIAL
            if int(x) == last_px.get(actor) and not special:
                continue                         # this pixel of this lane is marked already
            last_px[actor] = int(x)
            y0 = rows[actor] * lane_h
            error = event.kind == vocab.ERROR
            tcl(path, "create", "line", x, y0 + 3, x, y0 + lane_h - 3,
                "-fill", self._error_colour() if error else colours(actor),
                "-width", 3 if special else 1,
                "-tags", "plot tick error" if error else tick_tags[actor])
        if depth_points:
            self._add_depth(depth_points)
        self._stretch_open_spans()
        if done and self._t_end * 1.1 < self._span_s:
            self._fit_time(max(self._t_end * 1.05, 0.05))   # the run is over: use the width

    def lane_events(self, actor: str) -> list:
        return list(self._events.get(actor, []))

    # -- lanes, ticks and spans -------------------------------------------------------
    def _x(self, t: float) -> float:
        return self._label_w + t * self._plot_w / self._span_s

    def _add_lane(self, actor: str) -> None:
        row = len(self.lanes)
        self.lanes.append(actor)
        self._row[actor] = row
        # Items are tagged by row, never by name: a canvas tag is a word in
        # a tag expression, which an actor name with spaces would break.
        self._tick_tags[actor] = f"plot tick lane{row}"
        self._widen_labels(actor)
        self._times[actor] = []
        self._events[actor] = []
        y0 = row * self.LANE_H
        if row % 2:
            self.body.create_rectangle(0, y0, 20000, y0 + self.LANE_H, width=0,
                                       fill=self._stripe(), tags=("stripe",))
            self.body.tag_lower("stripe")
        self.body.create_text(6, y0 + self.LANE_H / 2, anchor="w", text=actor,
                              fill=self.colors(actor), font=LANE_FONT,
                              tags=("name", f"lane{row}"))

    def _change_state(self, actor: str, state: str, t: float) -> None:
        ended, started = self._book.change(actor, state, t)
        if ended is None and not started:
            return                          # still in the same state
        px = int(self._x(t))
        if ended is not None:
            item, item_t0, right = self._open.pop(actor)
            if px != right:
                self._tcl(self._body_path, "coords", item, *self._span_box(actor, item_t0, t))
            self._merge[actor, ended[1]] = (item, item_t0, t, px)
        if not started:
            return
        last = self._merge.get((actor, state))
        if last is not None and px - last[3] < self.MERGE_PX:
            # A new span (nearly) where the last one of this state ended:
            # grow that item again instead of making another one.
            self._open[actor] = [last[0], last[1], last[3]]
            return
        look = self._looks.get((actor, state))
        if look is None:
            fill, outline = span_look(self.colors(actor), state, paper())
            look = self._looks[actor, state] = (fill, outline, f"look{len(self._looks)}")
        item = self._tcl(self._body_path, "create", "rectangle", *self._span_box(actor, t, t),
                         "-fill", look[0], "-outline", look[1],
                         "-tags", f"plot span {look[2]}")
        self._open[actor] = [item, t, px]

    def _span_box(self, actor: str, t0: float, t1: float) -> tuple:
        y0 = self._row[actor] * self.LANE_H
        x0 = self._x(t0)
        return x0, y0 + 6, max(x0 + 1, self._x(t1)), y0 + self.LANE_H - 6

    def _stretch_open_spans(self) -> None:
        px = int(self._x(self._t_end))
        for actor, entry in self._open.items():
            if entry[2] != px:
                entry[2] = px
                self._tcl(self._body_path, "coords", entry[0],
                          *self._span_box(actor, entry[1], self._t_end))

    # -- the queue depth band -----------------------------------------------------------
    def _add_depth(self, points: list) -> None:
        base = self.AXIS_H + self.DEPTH_H - 6
        if not self.depth:
            line = line_height(self, SMALL_FONT)
            self.head.configure(height=self.AXIS_H + self.DEPTH_H)
            self.head.create_text(6, base - 2 * line + 4, anchor="w", text="queue depth",
                                  fill=ink(), font=SMALL_FONT, tags=("ink", "depth-name"))
            self.head.create_text(6, base - line + 4, anchor="w", text="", fill=ink(),
                                  font=SMALL_FONT, tags=("ink", "depth-max"))
            self.head.create_line(self._label_w, base, 20000, base, fill=self._stripe(),
                                  tags=("depth-base", "left-edge"))
        new_max = max(self._depth_max, max(d for _, d in points))
        if new_max > self._depth_max:
            self.head.scale("depth", 0, base, 1, self._depth_max / new_max)
            self._depth_max = new_max
        unit = (self.DEPTH_H - 14) / self._depth_max
        last = self.depth[-1][1] if self.depth else 0
        start = self.depth[-1][0] if self.depth else points[0][0]
        coords = [self._x(start), base - last * unit]
        for t, d in points:
            x = self._x(t)
            coords += [x, base - last * unit, x, base - d * unit]
            last = d
        self.depth.extend(points)
        self.head.create_line(*coords, fill=DEPTH_BLUE, width=2, tags=("plot", "depth"))
        self.head.itemconfigure("depth-max", text=f"max {self._depth_max}")
        self._depth_tail()

    def _depth_tail(self) -> None:
        if not self.depth:
            return
        base = self.AXIS_H + self.DEPTH_H - 6
        t, d = self.depth[-1]
        y = base - d * (self.DEPTH_H - 14) / self._depth_max
        box = (self._x(t), y, max(self._x(t), self._x(self._t_end)), y)
        if self._depth_line is None:
            self._depth_line = self.head.create_line(*box, fill=DEPTH_BLUE, width=2,
                                                     tags=("depth-tail",))
        else:
            self.head.coords(self._depth_line, *box)

    # -- the time axis ----------------------------------------------------------------
    def _rescale_time(self, t_max: float) -> None:
        span = self._span_s
        while span < t_max:
            span *= 2                        # doubling keeps rescales rare
        self._fit_time(span)

    def _fit_time(self, span: float) -> None:
        # The new span first: _scale_x redraws the depth line's tail from it
        # (drawn with the old span, the tail was left behind, detached).
        factor, self._span_s = self._span_s / span, span
        self._scale_x(factor)
        self._draw_axis()
        self._stretch_open_spans()

    def _scale_x(self, factor: float, shift: float = 0.0) -> None:
        """Stretch the plot by ``factor`` from its left edge, then move it by ``shift``."""
        left = self._label_w - shift
        for canvas in (self.head, self.body):
            canvas.scale("plot", left, 0, factor, 1)
            if shift:
                canvas.move("plot", shift, 0)
        def moved(px):
            return int(self._label_w + (px - left) * factor)
        for actor, px in self._last_px.items():
            self._last_px[actor] = moved(px)
        for entry in self._open.values():
            entry[2] = moved(entry[2])
        for key, (item, t0, t1, px) in self._merge.items():
            self._merge[key] = (item, t0, t1, moved(px))
        self._depth_tail()

    def _widen_labels(self, name: str) -> None:
        """Make the name column wide enough for ``name`` (up to MAX_LABEL_W, scaled)."""
        wanted = min(self._max_label_w, self._name_font.measure(name) + 14)
        if wanted <= self._label_w:
            return
        shift = wanted - self._label_w
        old = self._plot_w
        self._label_w = wanted
        self._plot_w = self._width_now()
        self._scale_x(self._plot_w / old, shift)
        self.head.move("left-edge", shift, 0)
        self._draw_axis()
        self._stretch_open_spans()

    def _draw_axis(self) -> None:
        self.head.delete("axis")
        self.body.delete("grid")
        step = nice_step(self._span_s / max(1, self._plot_w))
        count = int(self._span_s / step) + 1
        decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
        for i in range(count):
            x = self._x(i * step)
            self.head.create_line(x, self.AXIS_H - 5, x, self.AXIS_H, fill=ink(),
                                  tags=("axis", "ink"))
            if x < self._label_w + self._plot_w - 12:   # no label cut off at the edge
                self.head.create_text(x + 2, 2, anchor="nw", text=f"{i * step:.{decimals}f}s",
                                      fill=ink(), font=SMALL_FONT, tags=("axis", "ink"))
            self.body.create_line(x, 0, x, 20000, fill=self._stripe(), dash=(1, 3),
                                  tags=("grid",))
        self.body.tag_lower("grid")
        self.body.tag_lower("stripe")

    def _width_now(self) -> int:
        width = self.body.winfo_width()
        if width <= 1:
            width = int(self.body.cget("width"))
        return max(50, width - self._label_w - self.RIGHT_PAD)

    def _on_resize(self, _event) -> None:
        width = self._width_now()
        if width != self._plot_w:
            old, self._plot_w = self._plot_w, width
            self._scale_x(width / old)
            self._draw_axis()
            self._stretch_open_spans()

    # -- hovering and clicking ----------------------------------------------------------
    def event_at(self, canvas, x: float, y: float):
        """The event whose tick is under canvas point (x, y), or None."""
        if canvas is self.head or x < self._label_w:
            return None
        row = int(y // self.LANE_H)
        if not 0 <= row < len(self.lanes):
            return None
        actor = self.lanes[row]
        times = self._times[actor]
        t = (x - self._label_w) * self._span_s / self._plot_w
        i = bisect.bisect_left(times, t)
        best = min((j for j in (i - 1, i) if 0 <= j < len(times)),
                   key=lambda j: abs(times[j] - t), default=None)
        if best is None or abs(self._x(times[best]) - x) > self.HIT_PX:
            return None
        return self._events[actor][best]

    def depth_at(self, x: float):
        """(t, depth) of the queue at canvas x, or None before the first point."""
        if not self.depth or x < self._label_w:
            return None
        t = (x - self._label_w) * self._span_s / self._plot_w
        i = bisect.bisect_right([p[0] for p in self.depth], t)
        return None if i == 0 else (t, self.depth[i - 1][1])

    def _on_motion(self, e) -> None:
        canvas = e.widget
        x, y = canvas.canvasx(e.x), canvas.canvasy(e.y)
        event = self.event_at(canvas, x, y)
        if event is not None:
            where = f" (line {event.line})" if event.line else ""
            self.show_hover(canvas, x, y, f"{event.t:.3f}s  {event.actor}{where}\n{event.text}")
        elif canvas is self.head and y > self.AXIS_H and self.depth_at(x):
            t, depth = self.depth_at(x)
            self.show_hover(canvas, x, y, f"{t:.2f}s: {depth} in the queue")
        else:
            self.hide_hover()

    def _on_click(self, e) -> None:
        canvas = e.widget
        x, y = canvas.canvasx(e.x), canvas.canvasy(e.y)
        event = self.event_at(canvas, x, y)
        if event is not None and self.on_select is not None:
            self.on_select(event)
        actor = self.lane_at(canvas, y)
        if actor is not None and self.on_lane is not None:
            self.on_lane(actor)

    def lane_at(self, canvas, y: float) -> str | None:
        """The actor whose lane is at canvas height ``y``, or None."""
        if canvas is not self.body:
            return None
        row = int(y // self.LANE_H)
        return self.lanes[row] if 0 <= row < len(self.lanes) else None

    def lane_middle(self, actor: str) -> int:
        """The canvas height of the middle of ``actor``'s lane (for a click)."""
        return int((self._row[actor] + 0.5) * self.LANE_H)

    def show_hover(self, canvas, x: float, y: float, text: str) -> None:
        if text == self.hover_text and canvas.find_withtag("hover"):
            return
        self.hide_hover()
        self.hover_text = text
        item = canvas.create_text(x + 12, y + 12, text=text, anchor="nw",
                                  width=round(380 * ui_factor(self)), fill=ink(),
                                  font="TkDefaultFont", tags=("hover",))
        x1, y1, x2, y2 = canvas.bbox(item)
        right = canvas.canvasx(canvas.winfo_width())
        bottom = canvas.canvasy(canvas.winfo_height())
        dx = -(x2 - x1) - 24 if x2 > right else 0
        dy = max(-(y2 - y1) - 24, canvas.canvasy(0) - y1) if y2 > bottom else 0
        canvas.move(item, dx, dy)
        x1, y1, x2, y2 = canvas.bbox(item)
        back = canvas.create_rectangle(x1 - 4, y1 - 2, x2 + 4, y2 + 2, fill=paper(),
                                       outline=ink(), tags=("hover",))
        canvas.tag_lower(back, item)

    def hide_hover(self) -> None:
        self.head.delete("hover")
        self.body.delete("hover")
        self.hover_text = None

    # -- theme ----------------------------------------------------------------------------
    def _stripe(self) -> str:
        return mix(paper(), ink(), 0.06)

    def _error_colour(self) -> str:
        return theme_colour("error")

    def _recolour(self) -> None:
        self.hide_hover()
        for (actor, state), (_fill, _outline, tag) in self._looks.items():
            fill, outline = span_look(self.colors(actor), state, paper())
            self._looks[actor, state] = (fill, outline, tag)
            self.body.itemconfigure(tag, fill=fill, outline=outline)
        for canvas in (self.head, self.body):
            canvas.itemconfigure("ink", fill=ink())
        for actor, row in self._row.items():   # lane names and ticks, in the new palette
            self.body.itemconfigure(f"lane{row}", fill=self.colors(actor))
        self.body.itemconfigure("error", fill=self._error_colour())
        self.body.itemconfigure("stripe", fill=self._stripe())
        self.body.itemconfigure("grid", fill=self._stripe())
        self.head.itemconfigure("depth-base", fill=self._stripe())


def demo(parent) -> Timeline:
    """The timeline of a made-up producer/consumer run."""
    from .demo import sample_run
    timeline = Timeline(parent)
    timeline.add(sample_run())
    timeline.flush()
    return timeline


if __name__ == "__main__":
    from .demo import run
    run(demo, "Timeline")
