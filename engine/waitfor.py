"""Deadlocks, found from the lock probes' events: who holds which lock, who waits for which.

The probes (``engine/lab/probes.py``) report every lock the program uses: an
actor ``waiting`` for a lock, then ``acquired`` True (it got it) or False (it
gave up), and the release. From those, :class:`WaitFor` keeps the
*wait-for graph* of the run: an edge from each waiting actor to the lock it
waits for, and from each held lock to its holder. A **deadlock** is a cycle
in that graph: a-to-b holds lock_a and waits for lock_b, held by b-to-a, which
waits for lock_a. Nobody in a cycle can ever go on by itself.

Why the events are enough: a probe reports a release BEFORE the real release
and an acquisition AFTER the real one, so in the events of one process a
lock's holder is always a real holder, and an actor shown waiting for a held
lock cannot have it. So a cycle in the events is a cycle in the program, not
an accident of reporting order. (Between processes, events arrive on separate
connections, in arrival order: a cycle through ``multiprocessing`` locks is
found once the last of its events has arrived.)

Only new edges can close a cycle, and every cycle through a new edge passes
through its actor: following the chain of waits from that actor (what it
waits for, who holds that, what that one waits for...) finds the cycle or
ends, in as many steps as the chain is long. A cycle is reported once, when it
closes, and once more when it opens again (a wait timed out, or was
interrupted): the lesson's back-off shows as a deadlock, then its end.

A lock is known by its name (the variable the program assigned it to) and,
for a ``threading`` lock, the process it lives in: after a fork, the child's
``lock_a`` is another lock than its parent's. A ``multiprocessing`` lock
(``shared``) is the same lock under its name in every process.
"""

from __future__ import annotations

from . import vocabulary as v

TYPE_CHECKING = False   # (importing typing costs ~3 ms of a command line's start)
if TYPE_CHECKING:
    from typing import Any

#: How the text of a ``deadlock`` event that ends one begins.
OVER = "the deadlock is over: "

#: A lock: (its process's pid, or None for a shared lock; its name).
LockKey = tuple[object, str]


class WaitFor:
    """The wait-for graph of one run, fed one lock event at a time."""

    def __init__(self) -> None:
        self.holder: dict[LockKey, str] = {}     # a held lock -> the actor holding it
        self.waits: dict[str, LockKey] = {}      # a waiting actor -> the lock it waits for
        self.open_cycles: list[list[tuple[str, LockKey]]] = []   # reported, not yet resolved

    def feed(self, actor: str, pid: Any, data: dict) -> list[tuple[str, dict]]:
        """Take one lock event (a ``state`` event whose data names a ``lock``).

        Returns the ``deadlock`` events it causes, as (text, data): a cycle that
        closed, or reported cycles that opened again.
        """
        name = data.get(v.LOCK)
        if not isinstance(name, str):
            return []
        key = (None if data.get(v.SHARED) else pid, name)
        acquired = data.get(v.ACQUIRED)
        if acquired is None and data.get(v.LANE) == v.WAITING:
            self.waits[actor] = key
            return self._closed_from(actor)
        if acquired is True:
            if self.waits.get(actor) == key:
                del self.waits[actor]
            self.holder[key] = actor
            return self._closed_from(actor)
        if acquired is False:
            if self.waits.get(actor) == key:
                del self.waits[actor]
            return self._opened(lambda step: step == (actor, key), f"{actor} gave up "
                                f"waiting for {name}")
        if self.holder.get(key) == actor:   # a release, by its holder
            del self.holder[key]
            return self._opened(lambda step: step[1] == key, f"{actor} released {name}")
        return []

    def _closed_from(self, actor: str) -> list[tuple[str, dict]]:
        """The cycle through ``actor``, if following its chain of waits comes back to it."""
        chain: list[tuple[str, LockKey]] = []
        seen: set[str] = set()
        current = actor
        while current in self.waits and current not in seen:
            seen.add(current)
            lock = self.waits[current]
            chain.append((current, lock))
            holder = self.holder.get(lock)
            if holder is None:
                return []
            if holder == actor:
                return self._report(chain)
            current = holder
        return []   # the chain ends, or loops without this actor (reported when it closed)

    def _report(self, chain: list[tuple[str, LockKey]]) -> list[tuple[str, dict]]:
        first = chain.index(min(chain))   # start from the same actor whoever closed it
        chain = chain[first:] + chain[:first]
        if chain in self.open_cycles:
            return []   # said already (the same wait reported twice)
        self.open_cycles.append(chain)
        return [self._describe(chain, resolved=False)]

    def _opened(self, broke, how: str) -> list[tuple[str, dict]]:
        """The reported cycles with a step (actor, lock it waits for) that ``broke`` says
        is gone: each is over, said with ``how``."""
        out = []
        for chain in list(self.open_cycles):
            if any(broke(step) for step in chain):
                self.open_cycles.remove(chain)
                _, data = self._describe(chain, resolved=True)
                out.append((OVER + how, data))
        return out

    @staticmethod
    def _describe(chain: list[tuple[str, LockKey]], resolved: bool) -> tuple[str, dict]:
        steps = []
        for n, (actor, (_, wanted)) in enumerate(chain):
            held = chain[n - 1][1][1]   # the lock the previous actor waits for
            steps.append({v.ACTOR: actor, v.HOLDS: held, v.WAITS_FOR: wanted})
        return "deadlock: " + cycle_text(steps), {v.CYCLE: steps, v.RESOLVED: resolved}


def cycle_text(steps: list[dict]) -> str:
    """'a-to-b holds lock_a and waits for lock_b, held by b-to-a; b-to-a holds lock_b and
    waits for lock_a, held by a-to-b'."""
    parts = []
    for n, step in enumerate(steps):
        after = steps[(n + 1) % len(steps)]
        parts.append(f"{step[v.ACTOR]} holds {step[v.HOLDS]} and waits for "
                     f"{step[v.WAITS_FOR]}, held by {after[v.ACTOR]}")
    return "; ".join(parts)
