"""Runs one lesson in a worker thread and hands back a handle to watch it.

``start(lesson_id, params)`` returns a Run. Its promises:

* every run ends with exactly one ``done`` event;
* an exception in the lesson becomes an ``error`` event with its traceback;
* after ``stop()`` and ``join(2)`` nothing of the run is left: the lesson
  joins its own threads, and ProcessGroup reaps its processes.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from typing import Any

from . import catalog
from .control import Control
from .emitter import Emitter
from .params import build


class Run:
    """A handle on one running lesson."""

    def __init__(self, lesson: catalog.Lesson, params: Any, speed: float = 1.0,
                 gate=None):
        self.lesson = lesson
        self.params = params
        self.events: queue.Queue = queue.Queue()
        self.control = Control(speed)
        self.emit = Emitter(self.events, lesson.source_file, gate=gate)
        self.status = "running"
        self._thread = threading.Thread(target=self._main, name="main", daemon=True)

    def begin(self) -> Run:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the lesson to stop. Idempotent, and never blocks."""
        self.control.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def finished(self) -> bool:
        return not self._thread.is_alive() and self.status != "running"

    def set_speed(self, speed: float) -> None:
        self.control.speed = speed

    def _main(self) -> None:
        started = time.monotonic()
        try:
            self.emit(f"{self.lesson.title}: started", kind="state",
                      data={"params": vars(self.params)})
            self.lesson.module.run(self.params, self.emit, self.control)
        except BaseException as exc:  # a lesson bug must never take the app down
            self.status = "error"
            self.emit(f"{type(exc).__name__}: {exc}", kind="error",
                      data={"traceback": traceback.format_exc()})
        else:
            self.status = "stopped" if self.control.is_set() else "ok"
        finally:
            elapsed = time.monotonic() - started
            self.emit.put(time.monotonic() - self.emit.t0, "main", "done",
                          f"{self.status} after {elapsed:.2f} s",
                          {"status": self.status, "elapsed": elapsed}, None, None,
                          gated=False)


def start(lesson_id: str, params: Any = None, *, speed: float = 1.0, gate=None) -> Run:
    """Start a lesson. ``params`` is a Params instance or a dict of raw values.

    Bad values raise ``ParamError`` before anything starts.
    """
    lesson = catalog.get(lesson_id)
    if params is None or isinstance(params, dict):
        params = build(lesson.params_cls, params)
    return Run(lesson, params, speed, gate).begin()
