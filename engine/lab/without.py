"""Run a program as on a system that lacks some of Python's APIs: Windows or macOS, say.

A lesson program takes another path where ``os.fork``, ``signal.alarm`` or
SIGUSR1 do not exist (``hasattr(os, "fork")``...), and so does the lab itself
where ``os.register_at_fork``, ``os.killpg``, ``signal.pthread_kill`` or Unix
sockets do not. To run those paths on Linux, the lab removes the names listed
in the environment variable ``PYSYSLAB_WITHOUT`` (a comma list of
``module.name``; ``windows`` stands for all of ``WINDOWS``, ``macos`` for all
of ``MACOS``) before anything of the lab is installed, in the lab process and
in every Python process the program starts::

    PYSYSLAB_WITHOUT=windows .venv/bin/python -m engine run pipes
    PYSYSLAB_WITHOUT=macos .venv/bin/python -m engine run mp_queue
    PYSYSLAB_WITHOUT=os.fork .venv/bin/python -m engine.lab PROGRAM

and ``python -m engine.lab.without NAMES PROGRAM [ARGS]`` runs a program the
same way by itself, without the lab, as ``python PROGRAM [ARGS]`` would.

Without ``os.fork``, multiprocessing has only its spawn start method, as on
Windows: spawn becomes the default, ``get_all_start_methods()`` lists only it,
and asking for fork or forkserver is the ValueError Windows gives. Without
``multiprocessing.fork_default`` (a name of ours, in ``macos``), spawn is the
default start method, as on macOS, and fork and forkserver may still be asked
for.

This covers the lab process; the engine's own side (``engine.lab.run``, in
the app's process) takes its fallbacks by the same ``hasattr`` checks, and the
tests remove those names from their own process (``tests/platforms.py``).

Only names the lab can do without can be removed (``REMOVABLE``). What is not
simulated: the rest of Windows (paths, ``os.kill`` that terminates, ``select``
on sockets only...) and of macOS (no ``/proc``: nothing of the lab reads it). A
program that passes here has a path that runs; whether Windows or macOS runs
it the same is for such a machine to say.
"""

from __future__ import annotations

import os
import sys

from engine.lab.wire import ENV_WITHOUT as ENV

#: Not an attribute: multiprocessing's default start method is fork (Linux, up to
#: Python 3.13). Removed, the default is spawn, as on macOS (see _spawn_by_default).
FORK_DEFAULT = "multiprocessing.fork_default"
#: What Linux has and macOS's CPython lacks, of the APIs the lab and the lessons use
#: (os.waitid came to macOS in Python 3.13).
MACOS = ("os.waitid", "os.pidfd_open", "os.sched_getaffinity", "os.sched_setaffinity",
         FORK_DEFAULT)
#: What Windows lacks, of the APIs the lesson programs use...
WINDOWS_PROGRAMS = ("os.fork", "os.forkpty", "signal.alarm", "signal.setitimer",
                    "signal.pause", "signal.SIGALRM", "signal.SIGUSR1", "signal.SIGUSR2")
#: ...and of those the lab process uses, each with a fallback in engine.lab.inside.
WINDOWS_LAB = ("os.register_at_fork", "os.killpg", "os.getpgrp", "signal.pthread_kill",
               "signal.pthread_sigmask", "socket.AF_UNIX", "os.waitid", "os.pidfd_open",
               "os.sched_getaffinity", "os.sched_setaffinity")
WINDOWS = WINDOWS_PROGRAMS + WINDOWS_LAB
SYSTEMS = {"windows": WINDOWS, "macos": MACOS}
REMOVABLE = frozenset(WINDOWS + MACOS)


def names(text: str) -> list[str]:
    """The names a PYSYSLAB_WITHOUT value lists. ValueError, in one line, for one the
    lab cannot remove."""
    found: list[str] = []
    for word in filter(None, (part.strip() for part in text.split(","))):
        for name in SYSTEMS.get(word, (word,)):
            if name not in REMOVABLE:
                raise ValueError(f"{ENV}: cannot remove {name!r}; it can remove "
                                 f"{', '.join(sorted(REMOVABLE))} (or windows, macos: "
                                 "all that system lacks)")
            if name not in found:
                found.append(name)
    return found


def remove(removed: list[str]) -> None:
    """Delete those names from their modules (os, signal, socket)."""
    for name in removed:
        if name == FORK_DEFAULT:
            continue
        module_name, attribute = name.split(".")
        module = __import__(module_name)
        if hasattr(module, attribute):
            delattr(module, attribute)
    if "os.fork" in removed:
        _only_spawn()
    elif FORK_DEFAULT in removed:
        _spawn_by_default()


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


def _spawn_by_default() -> None:
    import multiprocessing
    from multiprocessing import context

    default = context._default_context
    default._default_context = context._concrete_contexts["spawn"]
    methods = ["spawn", *(m for m in default.get_all_start_methods() if m != "spawn")]

    def get_all_start_methods() -> list[str]:
        return list(methods)   # the default first, as on macOS

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
                         "(NAMES: os.fork,signal.alarm,... or windows, macos)")
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
