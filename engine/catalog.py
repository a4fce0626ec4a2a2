"""The ordered list of lessons. The GUI and the CLI both find lessons here."""

from __future__ import annotations

import importlib
import importlib.util
import os
from functools import cache
from types import ModuleType

from . import programs

#: Every lesson and its title, in the order they appear in the window and in
#: ``engine list``. The titles live here, not in the lesson modules, so that the
#: window can name its tabs without importing seven modules at start-up.
TITLES = {
    "filescan": "Find source files",
    "mutex": "Threads and a lock",
    "deadlock": "Deadlock",
    "thread_queue": "Producer/consumer with threads",
    "mp_queue": "Producer/consumer with processes",
    "pipes": "Pipes and fork",
    "signals": "Signals",
    "sockets": "Sockets",
}
ORDER = tuple(TITLES)


class Lesson:
    """One lesson: its id, its title and (imported when first needed) its module.

    A lesson is either a plain program run by the lab (``engine/lessons/<id>/
    program.py``, see engine.programs; ``program`` is its path) or, until every
    lesson is moved, a module with a ``run(params, emit, stop)`` function
    (``program`` is None). Nothing outside the lab imports a program.
    """

    def __init__(self, id: str, title: str, module: ModuleType | None = None,
                 program: str | None = None):
        self.id = id
        self.title = title
        self._module = module
        self.program = program
        self._params_cls: type | None = None

    @property
    def files(self) -> list[str]:
        """The code the learner reads: the lesson module, or the program and its modules."""
        return programs.files(self.id) if self.program else [self.source_file]

    @property
    def selftest_params(self) -> dict:
        if self.program:
            return programs.selftest_values(self.program)   # its defaults: its short run
        return getattr(self.module, "SELFTEST_PARAMS", {})

    @property
    def format_result(self):
        """A lesson's fuller text view of its result for the CLI, or None."""
        return None if self.program else getattr(self.module, "format_result", None)

    def __repr__(self) -> str:
        return f"Lesson({self.id!r}, {self.title!r})"

    @property
    def module(self) -> ModuleType:
        if self._module is None:
            self._module = importlib.import_module(f"engine.lessons.{self.id}")
        return self._module

    @property
    def params_cls(self) -> type:
        if self.program is None:
            return self.module.Params
        if self._params_cls is None:
            self._params_cls = programs.params_class(self.id, self.program)
        return self._params_cls

    @property
    def doc(self) -> str:
        if self.program:
            return programs.docstring(self.program)
        return self.module.__doc__ or ""

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.title

    @property
    def source_file(self) -> str:
        return self.program or self.module.__file__


@cache
def _load(lesson_id: str) -> Lesson | None:
    # The old module wins while both exist: a lesson is switched over by deleting it.
    # (A folder without __init__.py would also "find" as a namespace package.)
    spec = importlib.util.find_spec(f"engine.lessons.{lesson_id}")
    if spec is not None and spec.origin and os.path.isfile(spec.origin):
        return Lesson(lesson_id, TITLES[lesson_id])
    if programs.has_program(lesson_id):
        return Lesson(lesson_id, TITLES[lesson_id], program=programs.program_path(lesson_id))
    return None


def lessons() -> tuple[Lesson, ...]:
    """Every lesson whose module is present, in teaching order."""
    return tuple(lesson for lesson in map(_load, ORDER) if lesson is not None)


def get(lesson_id: str) -> Lesson:
    """One lesson (its module is imported when first used)."""
    lesson = _load(lesson_id) if lesson_id in ORDER else None
    if lesson is None:
        known = ", ".join(lesson.id for lesson in lessons())
        raise KeyError(f"no lesson called {lesson_id!r} (known: {known})")
    return lesson
