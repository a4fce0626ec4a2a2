"""The ordered list of lessons. The GUI and the CLI both find lessons here."""

from __future__ import annotations

from functools import cache

from . import programs

#: Every lesson and its title, in the order they appear in the window and in
#: ``engine list``. The titles live here, not in the programs, so that the
#: window can name its tabs without reading eight programs at start-up.
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
    """One lesson: its id, its title and its program.

    Every lesson is a plain program run by the lab: ``program`` is the path of
    ``engine/lessons/<id>/program.py`` (see engine.programs). Nothing outside
    the lab imports a program: what the window and the CLI need of it (its
    settings, its docstring) is read from the file.
    """

    def __init__(self, id: str, title: str, program: str):
        self.id = id
        self.title = title
        self.program = program
        self._params_cls: type | None = None

    @property
    def files(self) -> list[str]:
        """The code the learner reads: the program, then the modules beside it."""
        return programs.files(self.id)

    @property
    def selftest_params(self) -> dict:
        return programs.selftest_values(self.program)   # its defaults: its short run

    def __repr__(self) -> str:
        return f"Lesson({self.id!r}, {self.title!r})"

    @property
    def params_cls(self) -> type:
        if self._params_cls is None:
            self._params_cls = programs.params_class(self.id, self.program)
        return self._params_cls

    @property
    def doc(self) -> str:
        return programs.docstring(self.program)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.title

    @property
    def source_file(self) -> str:
        return self.program


@cache
def _load(lesson_id: str) -> Lesson | None:
    if programs.has_program(lesson_id):
        return Lesson(lesson_id, TITLES[lesson_id], program=programs.program_path(lesson_id))
    return None


def lessons() -> tuple[Lesson, ...]:
    """Every lesson whose program is present, in teaching order."""
    return tuple(lesson for lesson in map(_load, ORDER) if lesson is not None)


def get(lesson_id: str) -> Lesson:
    """One lesson, by its id."""
    lesson = _load(lesson_id) if lesson_id in ORDER else None
    if lesson is None:
        known = ", ".join(lesson.id for lesson in lessons())
        raise KeyError(f"no lesson called {lesson_id!r} (known: {known})")
    return lesson
