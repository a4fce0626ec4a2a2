"""A lesson that is a plain program: read what it declares, without running it.

A lesson folder ``engine/lessons/<id>/`` holds ``program.py``, a classic
program a learner can run in a terminal. It declares its settings the way a
classic program does, one ``add_argument`` line each, with its default, its
bounds and one line of help::

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=between(1, 50), default=5, help="threads that print")
    parser.add_argument("--lock", action=argparse.BooleanOptionalAction, default=True,
                        help="guard the screen with the lock")
    parser.add_argument("--shutdown", choices=["sentinel", "daemon"], default="sentinel",
                        help="how consumers end")

``between(low, high)`` is the program's own small argparse type: a number
from ``low`` to ``high`` (whole numbers if the bounds are), anything else one
clear error line. The program's ``main()`` calls ``parser.parse_args()``; this
module reads the same lines with ``ast``, so the window's form and the
engine's CLI are built from that one declaration without importing, let alone
running, the program (nothing outside the lab process runs lesson code). Each
``add_argument`` call may only use literals for its values, ``int``, ``float``
or ``str`` (or ``between(low, high)``) as its type, and
``argparse.BooleanOptionalAction`` (``--lock``/``--no-lock``) as its action:
anything else is a DeclarationError that names the line. Three names carry a
meaning beyond their type (``param(kind=...)`` in engine.params): ``root``
is a folder that must exist and be readable, ``port`` a TCP port (0: any
free one) and ``ext`` the end of a file name.

``params_class`` turns the declaration into a Params class with the same
specs the old lessons' dataclasses give (``engine.params``), so every check,
message, form field and option stays one piece of code. ``argv`` turns checked values back
into the command line the lab gives the program.
"""

from __future__ import annotations

import ast
import os
from functools import cache

from .params import ParamSpec, Settings, settings_class, specs

TYPE_CHECKING = False   # (importing typing costs ~3 ms of a command line's start)
if TYPE_CHECKING:
    from typing import Any

PROGRAM = "program.py"
LESSONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lessons")

#: Settings whose name gives them a kind (see engine.params.param).
KIND_BY_NAME = {"root": "folder", "port": "port", "ext": "name-ending"}


class DeclarationError(ValueError):
    """A program's settings cannot be read. A bug in a lesson, said plainly."""


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
    """What the program takes: ``{name: (default, lowest, highest, help)}``, in order.

    ``lowest`` and ``highest`` are None where there is no bound; a list in place
    of ``lowest`` is the set of allowed values.
    """
    calls = sorted((node for node in ast.walk(_parsed(path)) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add_argument"),
                   key=lambda node: (node.lineno, node.col_offset))
    found: dict[str, tuple] = {}
    for call in calls:
        name, declared = _argument(f"{path}:{call.lineno}", call)
        if name in found:
            raise DeclarationError(f"{path}:{call.lineno}: --{name} is declared twice")
        found[name] = declared
    return found


#: What an ``add_argument`` line may say, and the types it may name.
ARGUMENT_OPTIONS = frozenset({"type", "default", "help", "choices", "action", "metavar"})
PLAIN_TYPES = frozenset({"int", "float", "str"})
CHECKER = "between"   # the program's own argparse type: between(low, high)
SWITCH = "argparse.BooleanOptionalAction"


def _argument(where: str, call: ast.Call) -> tuple[str, tuple]:
    """One ``parser.add_argument("--name", ...)`` line as (name, (default, low, high, help))."""
    option = call.args[0] if len(call.args) == 1 else None
    if not (isinstance(option, ast.Constant) and isinstance(option.value, str)
            and option.value.startswith("--") and option.value[2:].isidentifier()):
        raise DeclarationError(f'{where}: add_argument takes one option, such as "--threads"')
    name = option.value[2:]
    options = {keyword.arg: keyword.value for keyword in call.keywords}
    unknown = sorted(str(key) for key in set(options) - ARGUMENT_OPTIONS)
    if unknown:
        raise DeclarationError(f"{where}: --{name} cannot be read with {', '.join(unknown)}")
    if "default" not in options or "help" not in options:
        raise DeclarationError(f"{where}: --{name} needs a default and a help text")
    default, text = _literal(where, options["default"]), _literal(where, options["help"])
    if not isinstance(text, str):
        raise DeclarationError(f"{where}: the help of --{name} must be a string")
    low, high = _bounds(where, name, options.get("type"))
    if "choices" in options:
        low = _literal(where, options["choices"])
        if not isinstance(low, (list, tuple)):
            raise DeclarationError(f"{where}: the choices of --{name} must be a list")
        low = list(low)
    if "action" in options and not (ast.unparse(options["action"]) == SWITCH
                                     and isinstance(default, bool)):
        raise DeclarationError(f"{where}: --{name}: the one action read is {SWITCH}, "
                               "with a default of True or False")
    if isinstance(default, bool) != ("action" in options):
        raise DeclarationError(f"{where}: --{name}: a True/False setting is a switch, "
                               f"action={SWITCH}")
    if high is not None and not all(type(value) is type(default) for value in (low, high)):
        raise DeclarationError(f"{where}: --{name}: the default and both bounds must be "
                               "whole numbers, or all three decimal numbers")
    return name, (default, low, high, text)


def _bounds(where: str, name: str, kind: ast.expr | None) -> tuple[Any, Any]:
    """(low, high) of ``type=between(low, high)``; (None, None) for a plain type."""
    if kind is None or isinstance(kind, ast.Name) and kind.id in PLAIN_TYPES:
        return None, None
    if (isinstance(kind, ast.Call) and isinstance(kind.func, ast.Name)
            and kind.func.id == CHECKER and len(kind.args) == 2 and not kind.keywords):
        return _literal(where, kind.args[0]), _literal(where, kind.args[1])
    raise DeclarationError(f"{where}: --{name}: type must be int, float, str or "
                           f"{CHECKER}(low, high)")


def _literal(where: str, node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError):   # not a literal; or an unhashable key in a dict
        raise DeclarationError(f"{where}: {ast.unparse(node)} is not a plain value") from None


def params_class(lesson_id: str, path: str) -> type[Settings]:
    """The program's Params class (``engine.params.Settings``), from its settings."""
    declared = []
    for name, (default, low, high, text) in settings(path).items():
        choices = tuple(low) if isinstance(low, list) else None
        if choices:
            low = high = None
        declared.append(ParamSpec(name=name, type=type(default), default=default, low=low,
                                  high=high, help=text, choices=choices,
                                  kind=KIND_BY_NAME.get(name),
                                  label=name.replace("_", " ").capitalize()))
    return settings_class(f"{lesson_id}_Params", declared)


def selftest_values(path: str) -> dict[str, Any]:
    """The settings of a program's short run for the self-test: its defaults, but a
    ``root`` folder (the home folder, for a walk) is the program's own folder, which
    every copy of the app has and which takes a moment to walk."""
    return {"root": os.path.dirname(path)} if "root" in settings(path) else {}


def argv(params: Any) -> list[str]:
    """The command line that gives the program these values, as a learner would type it."""
    out = []
    for spec in specs(type(params)):
        value = getattr(params, spec.name)
        if isinstance(value, bool):
            out.append(f"--{spec.name}" if value else f"--no-{spec.name}")
        else:
            out.append(f"--{spec.name}={value}")   # "=" keeps a value like "-1" a value
    return out


def files(lesson_id: str) -> list[str]:
    """The code files the learner is shown: program.py first, then the modules beside it."""
    folder = os.path.join(LESSONS_DIR, lesson_id)
    others = sorted(name for name in os.listdir(folder)
                    if name.endswith(".py") and name != PROGRAM)
    return [os.path.join(folder, name) for name in (PROGRAM, *others)]
