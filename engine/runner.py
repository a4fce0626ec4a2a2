"""Runs one lesson and hands back a handle to watch it.

Every lesson is a plain program (``engine/lessons/<id>/program.py``): it runs
in its own lab process (``engine.lab``), never in the calling process, and
``ProgramRun`` is the handle on that run.

``start(lesson_id, params)`` returns one. Its promises:

* every run ends with exactly one ``done`` event; its data lists the actors
  that died (killed from outside, or failed);
* an exception in the program, or an actor that died of an error of its own,
  makes the status "error" (the exception becomes an ``error`` event);
* after ``stop()`` and ``join(2)`` nothing of the run is left: the lab asks
  the program to end, then kills its process group and reaps it.
"""

from __future__ import annotations

from . import catalog, programs
from .errors import LessonError, out_of_room
from .params import build

TYPE_CHECKING = False   # (importing typing costs ~3 ms of a command line's start)
if TYPE_CHECKING:
    from typing import Any


class ProgramRun:
    """A handle on one run of a lesson program, in its own lab process.

    The lab (``engine.lab``) reports everything: capture, sampler, probes,
    Stop, speed and step mode all live there. This class only starts it with
    the program's command line, and adds the run's first ``state`` event (the
    lesson's title and its settings), which the lab sends before any other.
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
          stepping: bool | None = False) -> ProgramRun:
    """Start a lesson. ``params`` is a Params instance or a dict of raw values.

    ``stepping``: True to start in step mode, False to start without it (it can
    be turned on later), None for a run that never steps (the command line).

    Bad values raise ``ParamError`` before anything starts; ``LessonError``
    if the system refuses the run's process or thread (a low ``ulimit -u``).
    """
    lesson = catalog.get(lesson_id)
    if params is None or isinstance(params, dict):
        params = build(lesson.params_cls, params)
    return ProgramRun(lesson, params, speed, stepping)
