"""The step board: in step mode, what every actor is doing, who may take the next step,
and the program's own clock. The engine's side of line stepping (engine/lab/run.py
keeps one per run; the lab processes' side is engine/lab/stepping.py).

The learner is the scheduler: every actor waits before each line of the
program, and the learner picks which one runs its line. The board follows each
actor from the events its process sends:

* ``paused`` (the actor waits at the gate): **ready**, before ``line``;
* the engine lets it go (``choose``, ``next_in_turn``): **running** its line;
* a ``state`` event with lane ``waiting`` (a probed ``acquire`` of a held
  lock, a ``get`` on an empty queue, a ``put`` on a full one), a ``sleep``,
  or a ``blocked`` event (the lab's sampler found it asleep inside a call):
  **blocked**, with a reason for people ("waiting for the lock held by
  thread-2": the board keeps who holds which lock, from the probes' ``lock``
  key, across processes);
* ``finished`` (it left the program's last function), or its process ended:
  **finished**.

A blocked, running or finished actor cannot be chosen: ``choose`` says why.
Actors are numbered 1, 2, ... in the order they first wait, so a window can
offer keys 1-9; ``next_in_turn`` (F10) takes the next ready actor after the
last one that went, round the table.

The program's clock
-------------------
While the learner thinks, nothing of the program runs, and a timeline in wall
time would show each thought as a long wait. ``ProgramClock`` counts the time
the program ran: it stops while the learner holds the program (at least one
actor is ready, none is running or sleeping: everyone else waits for one of
them) and goes on when an actor is let go. Events carry that time (``Event.t``),
so a lock-wait span shows how long the program ran while the actor waited:
real contention, not the learner's pauses. A sleeping actor keeps the clock
going (its time passes for it); an actor blocked by others does not (the
others are held). With step mode off the clock is wall time.
"""

from __future__ import annotations

import bisect
from collections import namedtuple

from engine import vocabulary as v

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Plain classes, not a dataclass and a typing.NamedTuple: every run's engine side
# imports this module, and dataclasses and typing cost ~13 ms of a command line's start.


class Actor:
    """One actor (a thread of a lab process) as the board sees it."""

    __slots__ = ("name", "number", "pid", "ident", "state", "file", "line", "reason",
                 "call", "lock")

    def __init__(self, name: str, number: int, pid: int | None, ident: int | None) -> None:
        self.name = name
        self.number = number
        self.pid = pid
        self.ident = ident
        self.state = v.RUNNING
        self.file: str | None = None
        self.line: int | None = None
        self.reason = ""
        self.call: str | None = None   # the call it is blocked in ("sleep", "acquire", ...)
        self.lock: str | None = None   # the lock it waits for

    def __repr__(self) -> str:
        return f"Actor({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    def as_data(self) -> dict[str, Any]:
        return {v.NUMBER: self.number, v.ACTOR: self.name, v.PID: self.pid,
                v.ACTOR_STATE: self.state, v.FILE: self.file, v.LINE_NO: self.line,
                v.REASON: self.reason, v.CALL: self.call, v.LOCK: self.lock}


class Choice(namedtuple("Choice", "actor moved text")):
    """What came of choosing an actor (str): whether it moved (bool), and a sentence
    (str) that says so."""

    __slots__ = ()


#: Calls in which a blocked actor still lets the program's time pass.
TIME_PASSES = frozenset({"sleep"})
# Bound once: see_lane runs for every lock event of a run.
_LANE, _LOCK, _CALL, _QUEUE = v.LANE, v.LOCK, v.CALL, v.QUEUE
_SHARED, _ACQUIRED = v.SHARED, v.ACQUIRED
_WAITING, _HOLDING = v.WAITING, v.HOLDING


class StepBoard:
    """Every actor's state in step mode, and the locks' holders. Not thread-safe:
    the run keeps it under its own lock."""

    def __init__(self) -> None:
        self.actors: dict[str, Actor] = {}
        self.holders: dict[str, str] = {}   # lock -> the actor that holds it
        #: actor -> (call, lock, queue) of the probed wait it is in now (kept always:
        #: a thread blocked since before step mode came on has nothing else to say)
        self.waits: dict[str, tuple] = {}
        self.turn = 0                       # number of the actor that went last
        self.changed = False

    # --- what the processes say -----------------------------------------------------

    def see(self, actor: str, kind: str, text: str, data: Any, line: int | None,
            pid: int | None, stepping: bool) -> None:
        """Take one event of a lab process into account."""
        data = data if isinstance(data, dict) else {}
        if kind == v.STATE:
            self.see_lane(actor, data, stepping, pid)
            return
        if not stepping:
            return
        if kind == v.PAUSED:
            self._ready(actor, data, line, pid)
            return
        known = self.actors.get(actor)
        if known is None and kind == v.BLOCKED:
            # Blocked since before step mode came on: it joins the table as it is.
            known = self.actors[actor] = Actor(actor, len(self.actors) + 1, pid,
                                               data.get(v.IDENT))
        if known is None or known.state == v.FINISHED:
            return
        if kind == v.FINISHED:
            self._set(known, v.FINISHED, reason="has no more lines to run", line=None)
        elif kind == v.SLEEP and known.state == v.RUNNING:
            seconds = data.get("requested")
            self._set(known, v.BLOCKED, call="sleep", line=line,
                      reason=f"sleeping {seconds:g} s" if isinstance(seconds, (int, float))
                      else "sleeping")
        elif kind == v.BLOCKED and known.state == v.RUNNING:
            # The sampler's finding; a probe's own report says more, if there is one.
            wait = self.waits.get(actor)
            if wait is not None:
                call, lock, queue = wait
                self._set(known, v.BLOCKED, call=call, lock=lock, line=line,
                          reason=self._waiting_for(actor, call, lock, queue))
            else:
                self._set(known, v.BLOCKED, call=data.get(v.CALL), reason=text, line=line)

    def _ready(self, actor: str, data: dict, line: int | None, pid: int | None) -> None:
        ident = data.get("ident")
        known = self.actors.get(actor)
        if known is None:
            known = self.actors[actor] = Actor(actor, len(self.actors) + 1, pid, ident)
        known.pid, known.ident = pid, ident
        known.file = data.get(v.FILE)
        self._set(known, v.READY, line=line)

    def see_lane(self, actor: str, data: Any, stepping: bool, pid: int | None = None) -> None:
        """A probe's lane change (a ``state`` event): who holds a lock (always kept:
        step mode may come on at any time), and, in step mode, who waits for what.
        The hot path of a run with a lock: one per acquire and per release.

        A lock is known by its name in its process (``pid:name``), or by its name alone
        when it is ``shared`` (a multiprocessing lock: the same in every process). Its
        holder changes on an acquire that ``acquired`` it, and on a release (an event
        with no ``acquired``, said before the real release)."""
        if not isinstance(data, dict):
            return
        lane, lock = data.get(_LANE), data.get(_LOCK)
        if lock is not None and not data.get(_SHARED):
            lock = f"{pid}:{lock}"
        if lane == _WAITING:
            self.waits[actor] = (data.get(_CALL), lock, data.get(_QUEUE))
        elif self.waits:
            self.waits.pop(actor, None)
        if lock is not None and lane != _WAITING:
            acquired = data.get(_ACQUIRED)
            if acquired is True:
                self.holders[lock] = actor
            elif acquired is None and self.holders.get(lock) == actor:
                del self.holders[lock]   # a release
        if not stepping:
            return
        call = data.get(_CALL)
        known = self.actors.get(actor)
        if known is None or known.state in (v.READY, v.FINISHED):
            return
        if lane == v.WAITING:
            self._set(known, v.BLOCKED, call=call, lock=lock,
                      reason=self._waiting_for(actor, call, lock, data.get(v.QUEUE)))
        elif known.state == v.BLOCKED and known.call != "sleep":
            self._set(known, v.RUNNING)   # past its wait, on to the rest of its line
        if lock is not None:
            self._explain_waits_for(lock)

    def _waiting_for(self, actor: str, call: str | None, lock: str | None,
                     queue: str | None) -> str:
        if lock is not None:
            holder = self.holders.get(lock)
            if holder == actor:
                return "waiting for a lock it holds itself: it will wait for ever"
            return f"waiting for the lock held by {holder}" if holder else "waiting for a lock"
        name = queue or "the queue"
        if call in ("get", "get_nowait"):
            return f"waiting for an item: {name} is empty"
        if call in ("put", "put_nowait"):
            return f"waiting for room: {name} is full"
        return f"waiting in {call}" if call else "waiting"

    def _explain_waits_for(self, lock: str) -> None:
        """A lock changed hands: those waiting for it say whom they wait for now."""
        for other in self.actors.values():
            if other.state == v.BLOCKED and other.lock == lock:
                reason = self._waiting_for(other.name, other.call, lock, None)
                if reason != other.reason:
                    other.reason = reason
                    self.changed = True

    def process_ended(self, pid: int | None, how: str = "ended") -> None:
        """A lab process closed its connection: its actors run no more lines."""
        for actor in self.actors.values():
            if actor.pid == pid and (actor.state != v.FINISHED or how != "ended"):
                self._set(actor, v.FINISHED, reason=f"its process {how}", line=None)
        for lock, holder in list(self.holders.items()):
            if self._pid_of(holder) == pid:
                del self.holders[lock]   # (a multiprocessing lock stays held, for ever:
                #                           its waiters keep their last reason)

    def _pid_of(self, name: str) -> int | None:
        known = self.actors.get(name)
        return known.pid if known is not None else None

    def _set(self, actor: Actor, state: str, *, reason: str = "", call: str | None = None,
             lock: str | None = None, line: int | None | bool = False) -> None:
        if line is not False:
            actor.line = line
        actor.state, actor.reason, actor.call, actor.lock = state, reason, call, lock
        self.changed = True

    # --- what the learner does ---------------------------------------------------------

    def choose(self, name: str) -> Choice:
        """Let ``name`` run its next line, if it is ready; else say why it cannot."""
        actor = self.actors.get(name)
        if actor is None:
            return Choice(name, False, f"{name} is not waiting at a line of the program")
        if actor.state == v.READY:
            self.go(actor)
            return Choice(name, True, f"{name} runs line {actor.line}")
        if actor.state == v.BLOCKED:
            return Choice(name, False, f"{name} cannot go: {actor.reason}")
        if actor.state == v.FINISHED:
            return Choice(name, False, f"{name} has finished")
        return Choice(name, False, f"{name} is still running line {actor.line}")

    def next_in_turn(self) -> Actor | None:
        """The next ready actor after the one that went last, round the table."""
        ready = self.ready()
        return ready[0] if ready else None

    def ready(self) -> list[Actor]:
        """The ready actors, in turn: the first is the one ``next_in_turn`` gives."""
        ready = sorted((a for a in self.actors.values() if a.state == v.READY),
                       key=lambda a: a.number)
        later = [a for a in ready if a.number > self.turn]
        return later + [a for a in ready if a.number <= self.turn]

    def go(self, actor: Actor) -> None:
        """``actor`` is let go: it runs its line."""
        self.turn = actor.number
        self._set(actor, v.RUNNING)

    def let_all_go(self) -> None:
        """Step mode off, or Stop: every waiting actor runs on."""
        for actor in self.actors.values():
            if actor.state == v.READY:
                self._set(actor, v.RUNNING)

    def holds_program(self) -> bool:
        """True while the learner holds the program: someone is ready, and nobody runs
        (or sleeps): all the others wait, for one of those held or for nothing."""
        states = [(a.state, a.call) for a in self.actors.values()]
        return any(state == v.READY for state, _ in states) and not any(
            state == v.RUNNING or (state == v.BLOCKED and call in TIME_PASSES)
            for state, call in states)

    def snapshot(self) -> list[dict[str, Any]]:
        return [a.as_data() for a in sorted(self.actors.values(), key=lambda a: a.number)]

    def summary(self) -> str:
        """One line for a log: "1 MainThread ready L97, 2 thread-0 blocked"."""
        parts = []
        for a in sorted(self.actors.values(), key=lambda a: a.number):
            where = f" L{a.line}" if a.state == v.READY and a.line else ""
            parts.append(f"{a.number} {a.name} {a.state}{where}")
        return ", ".join(parts)


class ProgramClock:
    """Seconds the program ran: time since the start, less the spans the learner held it.

    ``hold(t)`` and ``release(t)`` mark those spans (``t``: ``time.monotonic()``,
    shared by every process on Linux); ``program_time(t)`` maps a moment to the
    program's time. A moment inside a held span maps to the span's start.
    """

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._held_before: list[float] = []   # seconds held before each span

    @property
    def holding(self) -> bool:
        return len(self._ends) < len(self._starts)

    def hold(self, t: float) -> None:
        if self.holding:
            return
        t = max(t, self._ends[-1] if self._ends else self.t0)
        before = self._held_before[-1] + self._ends[-1] - self._starts[-1] if self._ends else 0.0
        self._held_before.append(before)
        self._starts.append(t)

    def release(self, t: float) -> None:
        if self.holding:
            self._ends.append(max(t, self._starts[-1]))

    def held(self, t: float) -> float:
        """Seconds the program was held, from the start up to ``t``."""
        starts = self._starts
        if not starts or t <= starts[0]:
            return 0.0
        i = len(starts) - 1 if t >= starts[-1] else bisect.bisect_right(starts, t) - 1
        end = self._ends[i] if i < len(self._ends) else t
        return self._held_before[i] + min(t, end) - starts[i]

    def program_time(self, t: float) -> float:
        if not self._starts:
            return t - self.t0   # never held: wall time, the common case
        return t - self.t0 - self.held(t)
