"""Marks for tests of an API that only some operating systems have.

The release workflow runs tests/engine on Linux, macOS and Windows. A test whose
subject is ``os.fork``, a POSIX signal or a FIFO cannot run where that API does
not exist: it is skipped there, and the reason names what is missing, so pytest's
summary (``-ra``) says on each OS what was not tested. A test is never skipped
because the code under test fails on an OS: that is a failure, and it shows.

    @needs("os.fork")                      # skipped where os.fork does not exist
    @pytest.mark.parametrize("method", start_methods("spawn", "fork", "forkserver"))
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import platform

import pytest

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
