"""Run a program as on a system that lacks some of Python's APIs: Windows, say.

A lesson program takes another path where ``os.fork``, ``signal.alarm`` or
SIGUSR1 do not exist (``hasattr(os, "fork")``...). To run those paths on
Linux, the lab removes the names listed in the environment variable
``PYSYSLAB_WITHOUT`` (a comma list of ``module.name``; ``windows`` stands for
all of ``WINDOWS``) before the program's first line, in the lab process and in
every Python process the program starts::

    PYSYSLAB_WITHOUT=windows .venv/bin/python -m engine run pipes
    PYSYSLAB_WITHOUT=os.fork .venv/bin/python -m engine.lab PROGRAM

and ``python -m engine.lab.without NAMES PROGRAM [ARGS]`` runs a program the
same way by itself, without the lab, as ``python PROGRAM [ARGS]`` would.

Without ``os.fork``, multiprocessing has only its spawn start method, as on
Windows: spawn becomes the default, ``get_all_start_methods()`` lists only it,
and asking for fork or forkserver is the ValueError Windows gives.

Only names the lab itself never needs can be removed (``REMOVABLE``). What is
not simulated: the rest of Windows (paths, ``os.kill`` that terminates, no
Unix sockets...). A program that passes here has a Windows path that runs;
whether Windows runs it the same is for a Windows machine to say.
"""

from __future__ import annotations

import os
import sys

from engine.lab.wire import ENV_WITHOUT as ENV

#: What Windows lacks, of the APIs the lesson programs use.
WINDOWS = ("os.fork", "os.forkpty", "signal.alarm", "signal.setitimer", "signal.pause",
           "signal.SIGALRM", "signal.SIGUSR1", "signal.SIGUSR2")
REMOVABLE = frozenset(WINDOWS)


def names(text: str) -> list[str]:
    """The names a PYSYSLAB_WITHOUT value lists. ValueError, in one line, for one the
    lab cannot remove."""
    found: list[str] = []
    for word in filter(None, (part.strip() for part in text.split(","))):
        for name in WINDOWS if word == "windows" else (word,):
            if name not in REMOVABLE:
                raise ValueError(f"{ENV}: cannot remove {name!r}; it can remove "
                                 f"{', '.join(sorted(REMOVABLE))} (or windows: all of them)")
            if name not in found:
                found.append(name)
    return found


def remove(removed: list[str]) -> None:
    """Delete those names from their modules (os and signal)."""
    for name in removed:
        module_name, attribute = name.split(".")
        module = __import__(module_name)
        if hasattr(module, attribute):
            delattr(module, attribute)
    if "os.fork" in removed:
        _only_spawn()


def _only_spawn() -> None:
    import multiprocessing
    from multiprocessing import context

    for method in ("fork", "forkserver"):
        context._concrete_contexts.pop(method, None)   # get_context(method): ValueError
    default = context._default_context
    default._default_context = context._concrete_contexts["spawn"]

    def get_all_start_methods() -> list[str]:
        return ["spawn"]

    default.get_all_start_methods = get_all_start_methods
    multiprocessing.get_all_start_methods = get_all_start_methods


def from_environment() -> None:
    """Remove what ``PYSYSLAB_WITHOUT`` lists, if anything (the lab calls this)."""
    text = os.environ.get(ENV)
    if text:
        remove(names(text))


def main(argv: list[str]) -> None:
    import runpy  # here: the lab imports this module, and needs no runpy

    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        raise SystemExit("usage: python -m engine.lab.without NAMES PROGRAM [ARGS]  "
                         "(NAMES: os.fork,signal.alarm,... or windows)")
    try:
        removed = names(argv[0])
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    remove(removed)
    program = os.path.abspath(argv[1])
    sys.argv = [program, *argv[2:]]
    sys.path[0] = os.path.dirname(program)   # as `python PROGRAM` would
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
