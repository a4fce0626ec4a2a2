"""Driving a run in step mode from a test: read the step board, choose actors.

The board comes in ``actors`` events (engine/lab/board.py). A test never
sleeps to let a step happen: it reads events until the board shows what the
step must lead to, and fails at the run's ``done`` or after HANG.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

from engine import vocabulary as v
from tests.bounds import HANG

Table = dict[str, dict]


class Stepper:
    """A run in step mode, its events as they come, and its last board."""

    def __init__(self, run) -> None:
        self.run = run
        self.events: list = []
        self.table: Table = {}

    def read(self, until: Callable[[Table], bool], what: str, limit: float = HANG) -> Table:
        """Read events until the board satisfies ``until`` (checked on each new board)."""
        deadline = time.monotonic() + limit
        if self.table and until(self.table):
            return self.table
        while time.monotonic() < deadline:
            try:
                event = self.run.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.events.append(event)
            if event.kind == v.ACTORS:
                self.table = {row[v.ACTOR]: row for row in event.data[v.ACTORS]}
                if until(self.table):
                    return self.table
            if event.kind == v.DONE:
                raise AssertionError(f"the run ended ({event.text}) before {what}; "
                                     f"board: {self.describe()}")
        raise AssertionError(f"no {what} within {limit} s; board: {self.describe()}")

    def describe(self) -> str:
        return "; ".join(f"{name} {row[v.ACTOR_STATE]} L{row[v.LINE_NO]} {row[v.REASON]}"
                         for name, row in self.table.items())

    def row(self, actor: str) -> dict | None:
        return self.table.get(actor)

    def is_ready(self, actor: str, line: int | None = None) -> bool:
        row = self.table.get(actor)
        return row is not None and row[v.ACTOR_STATE] == v.READY and \
            (line is None or row[v.LINE_NO] == line)

    def choose(self, actor: str) -> list:
        """Choose ``actor`` (it must be ready); the events up to its next state,
        which must not be ``running``: ready at a line, blocked, or finished."""
        assert self.is_ready(actor), f"{actor} is not ready: {self.describe()}"
        first = len(self.events)
        choice = self.run.choose(actor)
        assert choice.moved, choice.text
        self.read(lambda t: t[actor][v.ACTOR_STATE] == v.RUNNING, f"{actor} running")
        self.read(lambda t: t[actor][v.ACTOR_STATE] != v.RUNNING, f"{actor}'s next state")
        return self.events[first:]

    def step(self) -> str | None:
        """Next (F10): the actor it moved, once that one has reached its next state."""
        actor = self.run.step()
        if actor is not None:
            self.read(lambda t: t[actor][v.ACTOR_STATE] == v.RUNNING, f"{actor} running")
            self.read(lambda t: t[actor][v.ACTOR_STATE] != v.RUNNING, f"{actor}'s next state")
        return actor

    def next_until(self, goal: Callable[[Table], bool], what: str) -> Table:
        """Press Next (the next ready actor, in turn) until ``goal``."""
        deadline = time.monotonic() + HANG
        while not goal(self.table):
            assert time.monotonic() < deadline, f"no {what} within {HANG} s: {self.describe()}"
            if self.step() is None:
                self.read(lambda t, seen=dict(self.table): t != seen, "a change of the board")
        return self.table

    def main_until_ready(self, *actors: str) -> Table:
        """Let only the main thread go, until every one of ``actors`` waits at a line."""
        return self.step_until(lambda t: all(self.is_ready(a) for a in actors),
                               f"{', '.join(actors)} at a line",
                               who=lambda name: name == "MainThread")

    def step_until_one_named(self, prefix: str) -> str:
        """Step every ready actor until an actor whose name starts with ``prefix`` is
        on the board; its name."""
        self.step_until(lambda t: any(name.startswith(prefix) for name in t),
                        f"an actor named {prefix}...")
        return next(name for name in self.table if name.startswith(prefix))

    def step_until(self, goal: Callable[[Table], bool], what: str,
                   who: Callable[[str], bool] = lambda name: True) -> Table:
        """Choose ready actors (those ``who`` allows, in number order) until ``goal``."""
        deadline = time.monotonic() + HANG
        while not goal(self.table):
            assert time.monotonic() < deadline, f"no {what} within {HANG} s: {self.describe()}"
            ready = [name for name, row in self.table.items()
                     if row[v.ACTOR_STATE] == v.READY and who(name)]
            if ready:
                self.choose(ready[0])
            else:
                self.read(lambda t, seen=dict(self.table): t != seen, "a change of the board")
        return self.table


def line_of(path: str, text: str, after: str | None = None) -> int:
    """The number of the first line of ``path`` that starts with ``text`` (stripped),
    after the first line that starts with ``after``."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(after))
    return next(i for i, line in enumerate(lines[start:], start + 1)
                if line.strip().startswith(text))
