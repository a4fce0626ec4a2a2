"""A lesson's own extras, found by the lesson's id.

Most lessons need nothing beyond the plain ``LessonTab`` (explanation, form,
Run/Stop, timeline, log, code). A lesson that shows more (a file table, a
sequence diagram, signal buttons) has a module here named after its id,
``gui/lessons/<id>.py``, that defines one subclass of ``LessonTab``. The
window imports that module by name when it builds the lesson's tab; a lesson
without a module gets the plain ``LessonTab``.

To add a lesson's extras: add ``gui/lessons/<id>.py`` with one ``LessonTab``
subclass that overrides ``create_extra`` and ``on_events``. Nothing else
needs editing (build.spec collects every module of this package, since the
analysis cannot see an import by name).
"""

from __future__ import annotations

import importlib
import inspect

from ..lesson_tab import LessonTab


def extras_module_name(lesson_id: str) -> str:
    return f"{__name__}.{lesson_id}"


def tab_class(lesson_id: str) -> type[LessonTab]:
    """The tab class of ``lesson_id``: its module's LessonTab subclass, else LessonTab."""
    if not lesson_id.isidentifier():
        return LessonTab  # not a module name, so it cannot have extras
    name = extras_module_name(lesson_id)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise  # the module is there but something it imports is missing
        return LessonTab
    found = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, LessonTab) and cls.__module__ == name]
    if len(found) != 1:
        names = ", ".join(cls.__name__ for cls in found) or "none"
        raise TypeError(f"{name} must define exactly one LessonTab subclass (found {names})")
    return found[0]
