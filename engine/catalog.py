"""The ordered list of lessons. The GUI and the CLI both find lessons here."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from types import ModuleType

#: The order in which lessons appear, in the window and in ``engine list``.
ORDER = ("filescan", "mutex", "thread_queue", "mp_queue", "pipes", "signals", "sockets")


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    module: ModuleType

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
    name = f"engine.lessons.{lesson_id}"
    if importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    return Lesson(lesson_id, getattr(module, "TITLE", lesson_id), module)


def lessons() -> tuple[Lesson, ...]:
    """Every lesson whose module is present, in teaching order."""
    return tuple(lesson for lesson in map(_load, ORDER) if lesson is not None)


def get(lesson_id: str) -> Lesson:
    """One lesson, importing only its own module."""
    lesson = _load(lesson_id) if lesson_id in ORDER else None
    if lesson is None:
        known = ", ".join(lesson.id for lesson in lessons())
        raise KeyError(f"no lesson called {lesson_id!r} (known: {known})")
    return lesson
