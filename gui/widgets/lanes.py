"""What a timeline shows, worked out from events alone (no Tk, no drawing).

The live timeline (``timeline.py``) and the saved picture
(``exports.py``) both use this, so they follow the same rules:

* an actor's lane appears when the actor first speaks;
* ``data["lane"]`` starts a span in the actor's lane that lasts until its
  next ``lane`` value; the same value again changes nothing, ``"idle"`` just
  ends the span;
* a ``done`` event ends every open span;
* ``data["depth"]`` (an int) is a point of the queue-depth line, if it is the
  depth of the first queue the run named (``data["queue"]``; see ``DepthLine``);
* an ``error`` or ``result`` event is a thicker tick (``SPECIAL``).

The keys and states are the constants of ``engine/vocabulary.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from engine import vocabulary as vocab

from ..colors import mix

IDLE = vocab.IDLE
SPECIAL = (vocab.ERROR, vocab.RESULT)   # kinds whose tick is always drawn, and thicker


def lane_state(event) -> str | None:
    """The lane state ``event`` sets, or None."""
    data = event.data
    if type(data) is dict:
        state = data.get(vocab.LANE)
        if state is not None:
            return str(state)
    return None


def queue_depth(event) -> int | None:
    """The queue depth ``event`` reports, or None."""
    data = event.data
    if type(data) is dict:
        depth = data.get(vocab.DEPTH)
        if type(depth) is int:
            return depth
    return None


class DepthLine:
    """Which depths make the line: those of the first queue a run names.

    A program with two queues (mp_queue: ``work`` and ``handled``) reports both;
    one line through both would jump between them. A depth with no queue name
    (a run of the older engine) is always a point.
    """

    def __init__(self) -> None:
        self.queue: str | None = None

    def depth(self, event) -> int | None:
        """The depth ``event`` adds to the line, or None."""
        depth = queue_depth(event)
        if depth is None:
            return None
        name = event.data.get(vocab.QUEUE)
        if name is None:
            return depth
        if self.queue is None:
            self.queue = name
        return depth if name == self.queue else None


def actors_in_order(events) -> list[str]:
    """Every actor of ``events``, in the order each first speaks."""
    return list(dict.fromkeys(event.actor for event in events))


class SpanBook:
    """The spans of every lane: the ended ones, and the one open in each lane."""

    def __init__(self):
        self.spans: list[tuple] = []                   # (actor, state, t0, t1), ended
        self.open: dict[str, tuple[str, float]] = {}   # actor -> (state, t0)

    def change(self, actor: str, state: str, t: float) -> tuple[tuple | None, bool]:
        """``actor``'s lane goes into ``state`` at ``t``.

        Returns (the span this ended or None, whether a new span starts).
        """
        current = self.open.get(actor)
        if current is not None and current[0] == state:
            return None, False                         # still in the same state
        ended = None
        if current is not None:
            del self.open[actor]
            ended = (actor, current[0], current[1], t)
            self.spans.append(ended)
        if state == IDLE:
            return ended, False
        self.open[actor] = (state, t)
        return ended, True

    def add(self, event, change: Callable[[str, str, float], object] | None = None) -> None:
        """Follow one event: the lane it sets, and ``done`` ending every open span.

        Each lane change goes through ``change(actor, state, t)``, by default
        this book's own. A view that draws as it goes passes a function that
        calls ``change`` here and then draws what it returned.
        """
        apply = change or self.change
        state = lane_state(event)
        if state is not None:
            apply(event.actor, state, event.t)
        if event.kind == vocab.DONE:
            for actor in list(self.open):
                apply(actor, IDLE, event.t)

    def all_spans(self, t_end: float) -> list[tuple]:
        """The ended spans, then the open ones as if they ended at ``t_end``."""
        return self.spans + [(actor, state, t0, max(t0, t_end))
                             for actor, (state, t0) in self.open.items()]


def nice_step(seconds_per_px: float, min_px: int = 70) -> float:
    """A round tick interval (1, 2 or 5 times a power of ten) at least ``min_px`` apart."""
    raw = seconds_per_px * min_px
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def span_look(colour: str, state: str, paper: str) -> tuple[str, str]:
    """(fill, outline) of a span: solid when holding, outlined when waiting.

    An empty string means none.
    """
    if state == vocab.HOLDING:
        return colour, colour
    if state == vocab.WAITING:
        return mix(colour, paper, 0.8), colour
    return mix(colour, paper, 0.55), ""



def sample_spans() -> list[str]:
    """The spans of a made-up run, one line each: what the timeline would draw."""
    from .demo import sample_run
    events = sample_run()
    book = SpanBook()
    for event in events:
        book.add(event)
    return [f"{actor:<22} {state:<8} {t0:6.2f} s to {t1:6.2f} s"
            for actor, state, t0, t1 in book.all_spans(events[-1].t)]


if __name__ == "__main__":
    print("\n".join(sample_spans()))   # no widget here: the rules alone, as text
