"""How a running lesson is told to stop, and how fast to go.

A lesson receives one of these as its ``stop`` argument. It asks
``stop.is_set()`` in its loops and uses ``stop.sleep(seconds)`` for every
deliberate delay: the delay is scaled by the speed setting and cut short the
moment Stop is pressed.
"""

from __future__ import annotations

import threading

MIN_SPEED = 0.1
MAX_SPEED = 10.0


def clamp_speed(speed: float) -> float:
    return max(MIN_SPEED, min(MAX_SPEED, float(speed)))


class Control:
    """Stop flag plus speed, for the threads of one run in this process."""

    def __init__(self, speed: float = 1.0):
        self._stop = threading.Event()
        self._speed = clamp_speed(speed)

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

    def __bool__(self) -> bool:  # "if stop:" reads naturally in a lesson
        return self.is_set()


class ChildControl(Control):
    """The same interface inside a child process, backed by shared objects."""

    def __init__(self, stop_event, speed_value):
        self._stop = stop_event
        self._speed_value = speed_value

    def set(self) -> None:
        self._stop.set()

    @property
    def speed(self) -> float:
        return clamp_speed(self._speed_value.value)

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed_value.value = clamp_speed(value)
