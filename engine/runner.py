"""Runs one lesson and hands back a handle to watch it.

A lesson that is a plain program (``engine/lessons/<id>/program.py``) runs in
its own lab process (``ProgramRun``, over ``engine.lab``); a lesson still
written as a module runs in a worker thread here (``Run``). Both handles have
the same methods, so the window and the CLI do not care which.

``start(lesson_id, params)`` returns one. Its promises:

* every run ends with exactly one ``done`` event; its data lists the actors
  that died (killed from outside, or failed);
* an exception in the lesson, or an actor that died of an error of its own,
  makes the status "error" (the exception becomes an ``error`` event);
* after ``stop()`` and ``join(2)`` nothing of the run is left: the lesson
  joins its own threads, and ProcessGroup reaps its processes.
"""

from __future__ import annotations

import os
import queue
import threading
import time

from . import catalog, programs
from .control import Control
from .emitter import Emitter
from .errors import LessonError, out_of_room
from .params import build

TYPE_CHECKING = False   # (importing typing costs ~3 ms of a command line's start)
if TYPE_CHECKING:
    from typing import Any


class Run:
    """A handle on one running lesson."""

    def __init__(self, lesson: catalog.Lesson, params: Any, speed: float = 1.0,
                 stepping: bool | None = False):
        self.lesson = lesson
        self.params = params
        self.events: queue.Queue = queue.Queue()
        self.control = Control(speed, bool(stepping))
        self.emit = Emitter(self.events, lesson.source_file,
                            gate=self.control.pause_if_stepping)
        self.status = "running"
        self._thread = threading.Thread(target=self._main, name="main", daemon=True)

    def begin(self) -> Run:
        try:
            self._thread.start()
        except RuntimeError as exc:
            refused = out_of_room("the run", exc)
            if refused is None:
                raise
            raise refused from exc
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
        """Applies at once, to the threads and the child processes of the run."""
        self.control.speed = speed

    @property
    def speed(self) -> float:
        return self.control.speed

    def set_stepping(self, on: bool) -> None:
        self.control.set_stepping(on)

    def step(self) -> None:
        self.control.step()

    def paused_actors(self) -> list[str]:
        """In step mode, the actors waiting for Next, first in line first."""
        return self.control.paused_actors()

    def choose(self, actor: str):
        """A lesson module steps by events, in arrival order: no actor can be picked."""
        from .lab.board import Choice
        return Choice(actor, False, "this lesson steps in turn only: press Next")

    def actors(self) -> list[dict]:
        return []

    def _main(self) -> None:
        started = time.monotonic()
        try:
            self.emit.put(time.monotonic() - self.emit.t0, "main", "state",
                          f"{self.lesson.title}: started", {"params": vars(self.params)},
                          None, os.getpid(), gated=False)
            self.lesson.module.run(self.params, self.emit, self.control)
        except LessonError as exc:
            self.status = "error"
            self.emit(str(exc), kind="error", data={"traceback": None, "explained": True})
        except BaseException as exc:  # a lesson bug must never take the app down
            import traceback  # here: ~2 ms of the command line's start otherwise
            self.status = "error"
            self.emit(f"{type(exc).__name__}: {exc}", kind="error",
                      data={"traceback": traceback.format_exc()})
        else:
            self.status = "stopped" if self.control.is_set() else "ok"
            if any(death["how"] == "failed" for death in self.control.deaths):
                self.status = "error"   # an actor died of an error: the run did not work
        finally:
            elapsed = time.monotonic() - started
            self.emit.put(time.monotonic() - self.emit.t0, "main", "done",
                          f"{self.status} after {elapsed:.2f} s",
                          {"status": self.status, "elapsed": elapsed,
                           "died": list(self.control.deaths)}, None, os.getpid(),
                          gated=False)


class ProgramRun:
    """A handle on one run of a lesson program, in its own lab process.

    The lab (``engine.lab``) reports everything: capture, sampler, probes,
    Stop, speed and step mode all live there. This class only starts it with
    the program's command line, and adds the run's first ``state`` event, as
    ``Run`` does, so a watcher sees the same start and end for both.
    """

    def __init__(self, lesson: catalog.Lesson, params: Any, speed: float = 1.0,
                 stepping: bool | None = False):
        from . import challenges
        from .lab import LabError, start_lab  # not imported until a program runs

        self.lesson = lesson
        self.params = params
        self.status = "running"
        first = ("lab", "state", f"{lesson.title}: started", {"params": vars(params)})
        try:
            self._lab = start_lab(lesson.program, programs.argv(params), speed,
                                  stepping, first, challenges.watch(lesson.id, params))
        except LabError as exc:
            raise LessonError(str(exc)) from exc
        except (OSError, RuntimeError) as exc:   # no process or thread to be had
            raise (out_of_room("the run", exc)
                   or LessonError(f"cannot start the run: {exc}")) from exc
        self.events = self._lab.events

    @property
    def pid(self) -> int:
        """The lab process: the program's main process, where signals go."""
        return self._lab.pid

    def note(self, text: str) -> None:
        """Put a line from the window (actor "window") in the run's log, in time order."""
        self._lab.note("window", text)

    def stop(self) -> None:
        self._lab.stop()

    def join(self, timeout: float | None = None) -> bool:
        return self._lab.join(timeout)

    @property
    def finished(self) -> bool:
        return self._lab.join(0)

    def set_speed(self, speed: float) -> None:
        self._lab.set_speed(speed)

    @property
    def speed(self) -> float:
        return self._lab.speed

    def set_stepping(self, on: bool) -> None:
        self._lab.set_stepping(on)

    def step(self) -> str | None:
        """Next: the next ready actor, in turn, runs one line; None if nobody was ready
        (the Next is kept for the first to pause)."""
        return self._lab.step()

    def choose(self, actor: str):
        """The learner picks ``actor`` to run one line: a ``Choice`` (moved, and why not)."""
        return self._lab.choose(actor)

    def paused_actors(self) -> list[str]:
        return self._lab.paused_actors()

    def actors(self) -> list[dict]:
        """The step board now (see ``vocabulary``, ``actors``)."""
        return self._lab.actors()


def start(lesson_id: str, params: Any = None, *, speed: float = 1.0,
          stepping: bool | None = False) -> Run | ProgramRun:
    """Start a lesson. ``params`` is a Params instance or a dict of raw values.

    ``stepping``: True to start in step mode, False to start without it (it can
    be turned on later), None for a run that never steps (the command line).

    Bad values raise ``ParamError`` before anything starts; ``LessonError``
    if the system refuses the run's thread (a low ``ulimit -u``).
    """
    lesson = catalog.get(lesson_id)
    if params is None or isinstance(params, dict):
        params = build(lesson.params_cls, params)
    if lesson.program:
        return ProgramRun(lesson, params, speed, stepping)
    return Run(lesson, params, speed, stepping).begin()
