"""A lesson that is a plain program: read what it declares, without running it.

A lesson folder ``engine/lessons/<id>/`` holds ``program.py``, a classic
program a learner can run in a terminal. Its settings are declared once, as a
module-level literal::

    SETTINGS = {
        "threads": (5, 1, 50, "how many threads print at once"),
        "lock": (True, None, None, "guard the screen and the counter with the lock"),
        "shutdown": ("sentinel", ["sentinel", "daemon"], None, "how consumers end"),
    }

Each value is ``(default, lowest, highest, help)``; ``lowest`` and ``highest``
are None where there is no bound, and a list in place of ``lowest`` is the set
of allowed values. The program reads them with argparse (``--threads 8``,
``--no-lock``); this module reads the same literal with ``ast.literal_eval``,
so the window's form and the engine's CLI are built from that declaration
without importing, let alone running, the program (nothing outside the lab
process runs lesson code). Three names carry a meaning beyond their type, as
the old lessons declared with ``param(kind=...)``: ``root`` is a folder that
must exist and be readable, ``port`` a TCP port (0: any free one) and ``ext``
the end of a file name.

``params_class`` turns the declaration into the same dataclass the old
lessons wrote by hand (``engine.params``), so every check, message, form
field and option stays one piece of code. ``argv`` turns checked values back
into the command line the lab gives the program.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from functools import cache
from typing import Any

from .params import param

PROGRAM = "program.py"
LESSONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lessons")

#: Settings whose name gives them a kind (see engine.params.param).
KIND_BY_NAME = {"root": "folder", "port": "port", "ext": "name-ending"}


class DeclarationError(ValueError):
    """A program's SETTINGS cannot be read. A bug in a lesson, said plainly."""


def program_path(lesson_id: str) -> str:
    return os.path.join(LESSONS_DIR, lesson_id, PROGRAM)


def has_program(lesson_id: str) -> bool:
    return os.path.isfile(program_path(lesson_id))


def _parsed(path: str) -> ast.Module:
    stat = os.stat(path)
    return _parse(path, stat.st_mtime_ns, stat.st_size)   # an edited file is read again


@cache
def _parse(path: str, mtime_ns: int, size: int) -> ast.Module:
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read(), path)


def docstring(path: str) -> str:
    return ast.get_docstring(_parsed(path), clean=True) or ""


def settings(path: str) -> dict[str, tuple]:
    """The program's SETTINGS literal, checked for shape."""
    for node in _parsed(path).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "SETTINGS"
                for target in node.targets):
            try:
                found = ast.literal_eval(node.value)
            except ValueError as exc:
                raise DeclarationError(f"{path}: SETTINGS must be a plain literal ({exc})") \
                    from None
            return _checked(path, found)
    return {}


def _checked(path: str, found: Any) -> dict[str, tuple]:
    if not isinstance(found, dict):
        raise DeclarationError(f"{path}: SETTINGS must be a dict")
    for name, value in found.items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise DeclarationError(f"{path}: setting name {name!r} is not a plain name")
        if not (isinstance(value, tuple) and len(value) == 4 and isinstance(value[3], str)):
            raise DeclarationError(
                f"{path}: setting {name!r} must be (default, lowest, highest, help)")
    return found


def params_class(lesson_id: str, path: str) -> type:
    """A Params dataclass (as engine.params expects) built from the program's SETTINGS."""
    fields = []
    for name, (default, low, high, text) in settings(path).items():
        choices = tuple(low) if isinstance(low, list) else None
        bounds = {} if choices else {"low": low, "high": high}
        fields.append((name, type(default),
                       param(default, help=text, choices=choices,
                             kind=KIND_BY_NAME.get(name), **bounds)))
    return dataclasses.make_dataclass(f"{lesson_id}_Params", fields)


def selftest_values(path: str) -> dict[str, Any]:
    """The settings of a program's short run for the self-test: its defaults, but a
    ``root`` folder (the home folder, for a walk) is the program's own folder, which
    every copy of the app has and which takes a moment to walk."""
    return {"root": os.path.dirname(path)} if "root" in settings(path) else {}


def argv(params: Any) -> list[str]:
    """The command line that gives the program these values, as a learner would type it."""
    out = []
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        if isinstance(value, bool):
            out.append(f"--{field.name}" if value else f"--no-{field.name}")
        else:
            out.append(f"--{field.name}={value}")   # "=" keeps a value like "-1" a value
    return out


def files(lesson_id: str) -> list[str]:
    """The code files the learner is shown: program.py first, then the modules beside it."""
    folder = os.path.join(LESSONS_DIR, lesson_id)
    others = sorted(name for name in os.listdir(folder)
                    if name.endswith(".py") and name != PROGRAM)
    return [os.path.join(folder, name) for name in (PROGRAM, *others)]
