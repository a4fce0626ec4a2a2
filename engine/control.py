"""How a running lesson is told to stop, and how fast to go.

A lesson receives one of these as its ``stop`` argument. It asks
``stop.is_set()`` in its loops and uses ``stop.sleep(seconds)`` for every
deliberate delay: the delay is scaled by the speed setting and cut short the
moment Stop is pressed.
"""

from __future__ import annotations

import multiprocessing
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

    def pause_if_stepping(self) -> None:
        """Called by emit before each event. Stop always wins over a pause."""
        gate = self._gate
        if gate is not None and gate.on:
            gate.wait_turn(self)


class StepGate:
    """Step mode: every actor waits at each emit until the learner presses Next.

    Actors take a ticket when they arrive and go in arrival order, one per
    Next, like a queue at a counter. Made of multiprocessing objects, so the
    child processes of a run wait at the same gate as its threads.
    """

    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self._on = ctx.Event()
        self._cond = ctx.Condition()
        self._count = ctx.RawArray("q", 2)   # [tickets issued, tickets granted]

    @property
    def on(self) -> bool:
        return self._on.is_set()

    def set_on(self, on: bool) -> None:
        with self._cond:
            if on:
                self._on.set()
            else:
                self._on.clear()
                self._count[1] = self._count[0]   # everyone waiting may go
            self._cond.notify_all()

    def next(self) -> None:
        with self._cond:
            self._count[1] += 1
            self._cond.notify_all()

    def wait_turn(self, stop: Control) -> None:
        with self._cond:
            ticket = self._count[0]
            self._count[0] += 1
            while self._on.is_set() and ticket >= self._count[1] and not stop.is_set():
                self._cond.wait(0.1)   # wake up now and then to notice Stop


class ChildControl(Control):
    """The same interface inside a child process, backed by shared objects."""

    def __init__(self, stop_event, speed_value, gate: StepGate | None = None):
        self._stop = stop_event
        self._speed_value = speed_value
        self._gate_lock = threading.Lock()
        self._gate = gate

    def set(self) -> None:
        self._stop.set()

    @property
    def speed(self) -> float:
        return clamp_speed(self._speed_value.value)

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed_value.value = clamp_speed(value)
