"""How a running lesson is told to stop, and how fast to go.

A lesson receives one of these as its ``stop`` argument. It asks
``stop.is_set()`` in its loops and uses ``stop.sleep(seconds)`` for every
deliberate delay: the delay is scaled by the speed setting and cut short the
moment Stop is pressed.
"""

from __future__ import annotations

import collections
import threading

MIN_SPEED = 0.1
MAX_SPEED = 10.0


def clamp_speed(speed: float) -> float:
    return max(MIN_SPEED, min(MAX_SPEED, float(speed)))


class Control:
    """Stop flag, speed and step gate, for the threads of one run in this process."""

    def __init__(self, speed: float = 1.0, stepping: bool = False):
        self._stop = threading.Event()
        self._speed = clamp_speed(speed)
        self._gate_lock = threading.Lock()
        self._gate: StepGate | None = None   # made when step mode is first used
        self.deaths: list[dict] = []         # see actor_died
        if stepping:
            self.set_stepping(True)

    # -- stop ---------------------------------------------------------------
    def set(self) -> None:
        """Ask every actor of the run to stop. Safe to call many times."""
        self._stop.set()

    def is_set(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (not scaled) for Stop; True if stopped."""
        return self._stop.wait(timeout)

    # -- speed --------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = clamp_speed(value)

    def sleep(self, seconds: float) -> bool:
        """A deliberate delay, scaled by the speed. Returns True if Stop came first."""
        if seconds <= 0:
            return self.is_set()
        return self.wait(seconds / self.speed)

    # -- actors that died -------------------------------------------------------
    def actor_died(self, name: str, pid: int | None, how: str) -> None:
        """Note an actor of the run that died: ``how`` is "killed" (by a signal
        from outside) or "failed" (an error of its own). A failed actor makes
        the whole run end in error; the done event lists both kinds."""
        self.deaths.append({"name": name, "pid": pid, "how": how})

    # -- step mode ------------------------------------------------------------
    @property
    def gate(self) -> StepGate:
        with self._gate_lock:
            if self._gate is None:
                self._gate = StepGate()
            return self._gate

    @property
    def stepping(self) -> bool:
        return self._gate is not None and self._gate.on

    def set_stepping(self, on: bool) -> None:
        self.gate.set_on(on)

    def step(self) -> None:
        """Let exactly one paused actor emit its event."""
        self.gate.next()

    def paused_actors(self) -> list[str]:
        """The actors that wait for Next now (none unless step mode is on)."""
        gate = self._gate
        return gate.waiting() if isinstance(gate, StepGate) else []

    def pause_if_stepping(self) -> None:
        """Called by emit before each event. Stop always wins over a pause."""
        gate = self._gate
        if gate is not None and gate.on:
            gate.wait_turn(self)


class StepGate:
    """Step mode: every actor waits at each emit until the learner presses Next.

    Actors take a ticket when they arrive and go in arrival order, one per
    Next, like a queue at a counter. A Next pressed while nobody waits is kept
    for the next actor to arrive.

    The gate lives in the engine process and is made of threading objects
    only. Threads of the run wait on it directly. A child process cannot, so
    it asks over its own pipe and waits for the answer there (see procs.py);
    the engine holds the child's ticket for it as a ``seat``. A child killed
    while it waits takes nothing with it that anyone here waits for: its seat
    is dropped when its pipe ends, and a Next that finds it gone goes on to
    the next ticket. A gate built of multiprocessing locks would hang for good
    instead (PITFALLS.md: a killed process never releases what it holds).

    Children learn whether step mode is on from ``flag``, one shared byte
    that they only read: no lock there either.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._queue: collections.deque[_Ticket] = collections.deque()
        self._kept = 0    # Nexts pressed while nobody waited
        # Imported here: the command line imports this module for its speed bounds
        # only, and must not pay ~13 ms for multiprocessing.
        import multiprocessing
        self.flag = multiprocessing.get_context("spawn").RawValue("b", 0)

    @property
    def on(self) -> bool:
        return bool(self.flag.value)

    def set_on(self, on: bool) -> None:
        with self._cond:
            self.flag.value = 1 if on else 0
            if not on:                      # Continue: everyone waiting may go
                self._kept = 0
                while self._queue:
                    self._grant(self._queue.popleft())
            self._cond.notify_all()

    def next(self) -> None:
        with self._cond:
            while self._queue:
                if self._grant(self._queue.popleft()):
                    break
            else:
                self._kept += 1
            self._cond.notify_all()

    def wait_turn(self, stop: Control) -> None:
        """A thread of this process waits here for its turn. Stop always wins."""
        with self._cond:
            if not self.on or stop.is_set():
                return
            if self._kept:
                self._kept -= 1
                return
            ticket = _Ticket(actor=threading.current_thread().name)
            self._queue.append(ticket)
            while self.on and not ticket.granted and not stop.is_set():
                self._cond.wait(0.1)        # wake up now and then to notice Stop
            if not ticket.granted:
                self._queue.remove(ticket)

    # -- child processes (called by procs.ProcessGroup) -------------------------
    def arrive(self, seat, number: int) -> None:
        """Child ``seat`` asks for turn ``number``; it is answered on grant."""
        with self._cond:
            if seat.gone:
                return
            ticket = _Ticket(seat.actor, seat, number)
            if not self.on:
                self._grant(ticket)
            elif self._kept:
                self._kept -= 1
                self._grant(ticket)
            else:
                self._queue.append(ticket)

    def leave(self, seat) -> None:
        """Child ``seat`` is gone: drop its tickets, and never answer it again."""
        with self._cond:
            seat.gone = True
            self._queue = collections.deque(t for t in self._queue if t.seat is not seat)

    def waiting(self) -> list[str]:
        """The actors that wait for Next now, first in line first."""
        with self._cond:
            return [ticket.actor for ticket in self._queue]

    def _grant(self, ticket: _Ticket) -> bool:
        """Let ``ticket`` go; False if its child is gone (the turn goes to the next)."""
        ticket.granted = True
        return ticket.seat is None or ticket.seat.answer(ticket.number)


class _Ticket:
    __slots__ = ("actor", "seat", "number", "granted")

    def __init__(self, actor: str, seat=None, number: int = 0):
        self.actor = actor          # as its events name it
        self.seat = seat            # None for a thread of this process
        self.number = number        # the child's own count, echoed in the answer
        self.granted = False


class ChildControl(Control):
    """The same interface inside a child process, backed by shared objects.

    ``gate`` is the child's end of the step gate (procs.ChildGate), or None.
    """

    def __init__(self, stop_event, speed_value, gate=None):
        self._stop = stop_event
        self._speed_value = speed_value
        self._gate_lock = threading.Lock()
        self._gate = gate
        self.deaths = []

    def set(self) -> None:
        self._stop.set()

    @property
    def speed(self) -> float:
        return clamp_speed(self._speed_value.value)

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed_value.value = clamp_speed(value)
