"""Challenges: goals a learner tries to reach by running, or scheduling, a lesson's program.

As in The Deadlock Empire, the learner is asked to *break* the program: lose
an update, garble a line, deadlock two threads. Each lesson has a few
challenges (``CHALLENGES``). A challenge is judged only from the run's events
(what the probes saw, the deadlocks the engine found, the result), never from
how the run was driven, so it works the same whether the run was stepped line
by line or ran at full speed.

Some challenges need a setting (``needs``): the lost update needs the lock
off. A run plays only those whose settings it has. Some goals no scheduling
can reach (two threads holding one lock): for those the run ends with an
explanation of why not (``reached`` False), which is the point of trying.

:class:`Watch` follows one run. The lab run calls it with each batch of
events and once at the end (``engine.lab.run.Observer``); what it returns
becomes ``challenge`` events in the run itself, so the window ticks its list
and the command line prints them, from the same judgement.

Adding a challenge: a :class:`Challenge` in the lesson's tuple, with a
``judge`` that makes a :class:`Goal` for one run (the goals below cover
waits, results, deadlocks; a new kind of goal is a small subclass).
"""

from __future__ import annotations

from . import vocabulary as v
from .waitfor import OVER, cycle_text

TYPE_CHECKING = False   # (typing and dataclasses cost ~13 ms of a command line's start)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .events import Event


class Goal:
    """How one challenge is judged in one run. A subclass looks at the kinds it names."""

    kinds: frozenset[str] = frozenset()

    def seen(self, event: Event) -> str | None:
        """The message, if this event reaches the goal."""
        return None

    def at_end(self) -> tuple[bool, str] | None:
        """At the run's end, for a goal that is judged then: (reached, message)."""
        return None


class ResultAtLeast(Goal):
    """The result's ``key`` is at least ``least``: the message is filled from the result."""

    kinds = frozenset({v.RESULT})

    def __init__(self, key: str, least: int, message: str) -> None:
        self.key, self.least, self.message = key, least, message

    def seen(self, event: Event) -> str | None:
        data = event.data if isinstance(event.data, dict) else {}
        found = data.get(self.key)
        if isinstance(found, int) and found >= self.least:
            return self.message.format(**data)
        return None


class Waited(Goal):
    """An actor named ``who...`` waited in ``call`` (its lane became ``waiting``)."""

    kinds = frozenset({v.STATE})

    def __init__(self, call: str, who: str, message: str) -> None:
        self.call, self.who, self.message = call, who, message

    def seen(self, event: Event) -> str | None:
        data = event.data if isinstance(event.data, dict) else {}
        if (data.get(v.LANE) == v.WAITING and data.get(v.CALL) == self.call
                and event.actor.startswith(self.who)):
            return self.message.format(actor=event.actor)
        return None


class GetBeforePut(Goal):
    """A consumer waited in ``get`` before anybody's first ``put``.

    Processes report on separate connections, so the first put may arrive
    after a later get: the times (one clock for every process) decide, once
    the first put has arrived, or at the end if none ever came.
    """

    kinds = frozenset({v.STATE, v.PROBE})

    def __init__(self, who: str, message: str) -> None:
        self.who, self.message = who, message
        self.first_get: Event | None = None
        self.first_put: Event | None = None

    def seen(self, event: Event) -> str | None:
        data = event.data if isinstance(event.data, dict) else {}
        call = data.get(v.CALL)
        if (event.kind == v.STATE and call == "get" and data.get(v.LANE) == v.WAITING
                and event.actor.startswith(self.who)):
            if self.first_get is None or event.t < self.first_get.t:
                self.first_get = event
        elif event.kind == v.PROBE and call in ("put", "put_nowait") and v.ERROR_TEXT not in data:
            if self.first_put is None or event.t < self.first_put.t:
                self.first_put = event
        if self.first_get is not None and self.first_put is not None \
                and self.first_get.t < self.first_put.t:
            return self._said(f"{self.first_put.t:.2f} s")
        return None

    def at_end(self) -> tuple[bool, str] | None:
        if self.first_get is not None and self.first_put is None:
            return True, self._said("never")
        return None

    def _said(self, put_at: str) -> str:
        return self.message.format(actor=self.first_get.actor, get_at=f"{self.first_get.t:.2f} s",
                                   put_at=put_at)


class Deadlocked(Goal):
    """The engine found a wait-for cycle (``deadlock`` event), or saw one end (``resolved``)."""

    kinds = frozenset({v.DEADLOCK})

    def __init__(self, message: str, resolved: bool = False) -> None:
        self.message, self.resolved = message, resolved

    def seen(self, event: Event) -> str | None:
        data = event.data if isinstance(event.data, dict) else {}
        if bool(data.get(v.RESOLVED)) != self.resolved:
            return None
        cycle = data.get(v.CYCLE) or []
        actors = [step.get(v.ACTOR, "?") for step in cycle]
        who = " and ".join([", ".join(actors[:-1]), actors[-1]] if len(actors) > 1 else actors)
        return self.message.format(cycle=cycle_text(cycle), how=event.text.removeprefix(OVER),
                                   who=who, none="neither" if len(actors) == 2 else "none")


class Never(Goal):
    """A goal no scheduling can reach: explained at the end. ``inner`` says if it ever was
    (it would be a bug in the program or the lab, and is said plainly)."""

    def __init__(self, inner: Goal, explain: Callable[[], str]) -> None:
        self.inner, self.explain = inner, explain
        self.kinds = inner.kinds

    def seen(self, event: Event) -> str | None:
        return self.inner.seen(event)

    def at_end(self) -> tuple[bool, str]:
        return False, self.explain()


class TwoHolders(Goal):
    """Two actors hold one lock at once, by the probes' events (which report a release
    before it happens and an acquisition after: see ``engine/waitfor.py``). Also counts
    the times an actor had to wait for a lock, for the explanation."""

    kinds = frozenset({v.STATE})

    def __init__(self) -> None:
        self.holders: dict[tuple, str] = {}
        self.waits = 0

    def seen(self, event: Event) -> str | None:
        data = event.data if isinstance(event.data, dict) else {}
        name = data.get(v.LOCK)
        if not isinstance(name, str):
            return None
        key = (None if data.get(v.SHARED) else event.pid, name)
        acquired = data.get(v.ACQUIRED)
        if acquired is None and data.get(v.LANE) == v.WAITING:
            self.waits += 1
        elif acquired is True:
            other = self.holders.get(key)
            self.holders[key] = event.actor
            if other is not None and other != event.actor:
                return (f"{other} and {event.actor} both hold {name}: that should be "
                        "impossible. Please report it: the lock or the lab is broken.")
        elif acquired is None and self.holders.get(key) == event.actor:
            del self.holders[key]
        return None


class Challenge:
    """One goal of a lesson: what to try, the settings it needs, and how it is judged."""

    __slots__ = ("id", "goal", "judge", "needs", "impossible")

    def __init__(self, id: str, goal: str, judge: Callable[[Any], Goal],
                 needs: dict[str, Any] | None = None, impossible: bool = False) -> None:
        self.id = id
        self.goal = goal
        self.judge = judge   # the run's settings -> a fresh Goal for that run
        self.needs = dict(needs or {})
        #: No scheduling can reach it: the run's end explains why not.
        self.impossible = impossible

    def __repr__(self) -> str:
        return f"Challenge({self.id!r}, {self.goal!r})"


def _no_two_holders() -> Goal:
    counter = TwoHolders()

    def explain() -> str:
        tried = (f"{counter.waits} times a thread asked for the lock while another held it, "
                 "and had to wait. " if counter.waits else
                 "No thread even had to wait this time (try more threads). ")
        return ("Never reached, and no schedule can reach it: " + tried +
                "Taking a lock is one indivisible step (\"free? then mine\"), so no "
                "thread can slip in between.")

    return Never(counter, explain)


def _deadlock_message(params: Any) -> str:
    patience = getattr(params, "patience", 0)
    after = (f"A time-out of {patience:g} s will break it." if patience
             else "Nothing will break it now: press Stop.")
    return ("Deadlock! {who} each hold a lock that another one waits for: {none} can "
            "ever go on by itself. " + after)


CHALLENGES: dict[str, tuple[Challenge, ...]] = {
    "mutex": (
        Challenge("lost_update", "Lose an update: make the counter end short.",
                  lambda _: ResultAtLeast(
                      v.LOST_UPDATES, 1,
                      "Update lost! The counter ended at {counter}, not {expected}: two "
                      "threads read the same value, each added one, and the second write "
                      "wiped out the first ({lost_updates} lost in all)."),
                  needs={"lock": False}),
        Challenge("garbled", "Garble a line: get two threads to print into one.",
                  lambda _: ResultAtLeast(
                      v.GARBLED_LINES, 1,
                      "Garbled! {garbled_lines} lines mix two threads' words (see the "
                      "Terminal page): a line printed in two pieces is two steps, and "
                      "another thread printed in between."),
                  needs={"lock": False}),
        Challenge("two_holders", "Get two threads to hold the lock at once.",
                  lambda _: _no_two_holders(), needs={"lock": True}, impossible=True),
    ),
    "deadlock": (
        Challenge("deadlock", "Reach a deadlock: each thread waits for the other's lock.",
                  lambda params: Deadlocked(_deadlock_message(params)),
                  needs={"order": "opposite"}),
        Challenge("backed_off", "Get out of a deadlock by backing off (Patience above 0).",
                  lambda _: Deadlocked("Out of the deadlock: {how}, and the lock it let "
                                       "go of lets the other thread go on.", resolved=True),
                  needs={"order": "opposite"}),
        Challenge("same_order", "Reach a deadlock with one order for both threads.",
                  lambda _: Never(
                      Deadlocked("Deadlock with one order: {cycle}. That should be "
                                 "impossible; please report it."),
                      lambda: ("Never reached, and no schedule can reach it. Both threads "
                               "take lock_a first, so whoever holds lock_b already holds "
                               "lock_a: nobody can hold lock_b while waiting for lock_a, "
                               "and the waits can never go round in a circle.")),
                  needs={"order": "same"}, impossible=True),
    ),
    "thread_queue": (
        Challenge("empty_wait", "Make a consumer wait on an empty queue.",
                  lambda _: Waited("get", "consumer",
                                   "{actor} waits in get(): the queue is empty, so get() "
                                   "sleeps until a producer puts a message.")),
        Challenge("full_wait", "Make a producer wait on a full queue.",
                  lambda _: Waited("put", "producer",
                                   "{actor} waits in put(): the queue already holds its one "
                                   "message, so put() sleeps until a consumer takes it."),
                  needs={"maxsize": 1}),
    ),
    "mp_queue": (
        Challenge("early_consumer", "Make a consumer process get before any producer "
                                    "has put.",
                  lambda _: GetBeforePut(
                      "consumer",
                      "{actor} called get() at {get_at}, before the first put ({put_at}): "
                      "a process can wait on a queue before anything is in it, asleep "
                      "until a name comes through the queue's pipe.")),
    ),
}


def for_lesson(lesson_id: str) -> tuple[Challenge, ...]:
    """The lesson's challenges, in the order they are shown (none: an empty tuple)."""
    return CHALLENGES.get(lesson_id, ())


def in_play(challenge: Challenge, params: Any) -> bool:
    """Whether a run with these settings can try this challenge."""
    return all(getattr(params, name, None) == value for name, value in challenge.needs.items())


def needs_text(challenge: Challenge) -> str:
    """The settings a challenge needs, as the window's form names them: 'Lock off'."""
    parts = []
    for name, value in challenge.needs.items():
        label = name.replace("_", " ").capitalize()
        if isinstance(value, bool):
            parts.append(f"{label} {'on' if value else 'off'}")
        else:
            parts.append(f"{label} {value}")
    return ", ".join(parts)


class Watch:
    """The challenges of one run: fed its events, it says which goals they reach."""

    def __init__(self, lesson_id: str, params: Any) -> None:
        self.playing = [(challenge, challenge.judge(params))
                        for challenge in for_lesson(lesson_id) if in_play(challenge, params)]
        self.kinds = frozenset().union(*(goal.kinds for _, goal in self.playing))
        self.reached: set[str] = set()

    def feed(self, events: Iterable[Event]) -> list[tuple[str, str, dict]]:
        """The ``challenge`` events (kind, text, data) these events cause."""
        out = []
        kinds = self.kinds
        for event in events:
            if event.kind not in kinds:
                continue
            for challenge, goal in self.playing:
                if challenge.id in self.reached or event.kind not in goal.kinds:
                    continue
                message = goal.seen(event)
                if message:
                    out.append(self._said(challenge, True, message))
        return out

    def finish(self) -> list[tuple[str, str, dict]]:
        """At the end of the run: goals judged only then, and why the impossible ones were
        never reached."""
        out = []
        for challenge, goal in self.playing:
            if challenge.id in self.reached:
                continue
            verdict = goal.at_end()
            if verdict is not None:
                out.append(self._said(challenge, *verdict))
        return out

    def _said(self, challenge: Challenge, reached: bool, message: str) -> tuple[str, str, dict]:
        if reached:
            self.reached.add(challenge.id)
        return v.CHALLENGE, message, {v.CHALLENGE_ID: challenge.id, v.REACHED: reached}


def watch(lesson_id: str, params: Any) -> Watch | None:
    """A Watch for a run of this lesson, or None if it has no challenges in play."""
    found = Watch(lesson_id, params)
    return found if found.playing else None
