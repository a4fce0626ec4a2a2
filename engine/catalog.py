"""The ordered list of lessons. The GUI and the CLI both find lessons here."""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from types import ModuleType

#: Every lesson and its title, in the order they appear in the window and in
#: ``engine list``. The titles live here, not in the lesson modules, so that the
#: window can name its tabs without importing seven modules at start-up.
TITLES = {
    "filescan": "Find source files",
    "mutex": "Threads and a lock",
    "thread_queue": "Producer/consumer with threads",
    "mp_queue": "Producer/consumer with processes",
    "pipes": "Pipes and fork",
    "signals": "Signals",
    "sockets": "Sockets",
}
ORDER = tuple(TITLES)


class Lesson:
    """One lesson: its id, its title and (imported when first needed) its module."""

    def __init__(self, id: str, title: str, module: ModuleType | None = None):
        self.id = id
        self.title = title
        self._module = module

    def __repr__(self) -> str:
        return f"Lesson({self.id!r}, {self.title!r})"

    @property
    def module(self) -> ModuleType:
        if self._module is None:
            self._module = importlib.import_module(f"engine.lessons.{self.id}")
        return self._module

    @property
    def params_cls(self) -> type:
        return self.module.Params

    @property
    def doc(self) -> str:
        return self.module.__doc__ or ""

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.title

    @property
    def source_file(self) -> str:
        return self.module.__file__


@cache
def _load(lesson_id: str) -> Lesson | None:
    if importlib.util.find_spec(f"engine.lessons.{lesson_id}") is None:
        return None
    return Lesson(lesson_id, TITLES[lesson_id])


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
