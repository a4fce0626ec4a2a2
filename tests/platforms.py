"""Marks for tests of an API that only some operating systems have.

The release workflow runs tests/engine on Linux, macOS and Windows. A test whose
subject is ``os.fork``, a POSIX signal or a FIFO cannot run where that API does
not exist: it is skipped there, and the reason names what is missing, so pytest's
summary (``-ra``) says on each OS what was not tested. A test is never skipped
because the code under test fails on an OS: that is a failure, and it shows.

    @needs("os.fork")                      # skipped where os.fork does not exist
    @pytest.mark.parametrize("method", start_methods("spawn", "fork", "forkserver"))

The other way round, ``as_on(monkeypatch, "macos")`` makes Linux act as macOS
or Windows for the lab, so the lab's fallbacks for what those systems lack are
tested here on every run.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import platform

import pytest

from engine.lab import without

OS = platform.system() or os.name


def _exists(api: str) -> bool:
    module, _, name = api.rpartition(".")
    return hasattr(importlib.import_module(module), name)


def needs(*apis: str) -> pytest.MarkDecorator:
    """Skip the test where one of ``apis`` ("os.fork", "signal.SIGALRM") is missing."""
    missing = [api for api in apis if not _exists(api)]
    return pytest.mark.skipif(bool(missing), reason=f"{OS} has no {', '.join(missing)}")


# On Windows os.kill(pid, SIGINT) ends the process at once (TerminateProcess); only
# a POSIX system delivers it as a signal that a handler or KeyboardInterrupt sees.
posix_signal_delivery = pytest.mark.skipif(
    os.name != "posix", reason=f"{OS} does not deliver os.kill's signals to a handler")


def start_methods(*methods: str) -> list:
    """``methods`` as parameters, each skipped where multiprocessing lacks it
    (Windows has spawn only)."""
    available = multiprocessing.get_all_start_methods()
    return [pytest.param(method, marks=pytest.mark.skipif(
        method not in available, reason=f"multiprocessing has no {method!r} on {OS}"))
        for method in methods]


#: What the engine's side of the lab (engine.lab.run, in the test's own process) uses
#: that each system lacks; engine.lab.without lists what the lab processes lack.
#: (Windows has no SIGKILL either, but its os.kill(pid, SIGTERM) is TerminateProcess,
#: which nothing can catch; here SIGTERM could be, so the engine keeps SIGKILL.)
ENGINE_LACKS = {
    "macos": ("os.waitid", "os.pidfd_open"),
    "windows": ("os.waitid", "os.pidfd_open", "os.killpg", "select.poll", "socket.AF_UNIX"),
}


def as_on(monkeypatch, system: str) -> None:
    """Run the lab from this test as on ``system`` ("macos" or "windows"), on Linux.

    The engine's side, which runs in this process, loses what it lacks there
    (until the test ends), and every lab process loses the same and what the
    programs would lack (PYSYSLAB_WITHOUT). Both sides then take the paths
    they take on that system. What cannot be simulated so is listed in
    engine.lab.without's docstring.
    """
    for api in ENGINE_LACKS[system]:
        module, _, name = api.rpartition(".")
        monkeypatch.delattr(importlib.import_module(module), name, raising=False)
    monkeypatch.setenv(without.ENV, system)
