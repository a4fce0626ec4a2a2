"""``python -m tests.engine.imports_as_windows``: import every module of engine/ and gui/
as Windows would, and print one JSON object: {module: "why it failed"}.

Windows lacks POSIX's modules (fcntl, termios, pwd, resource...) and many
names of os, signal, socket and select (os.O_DIRECTORY, os.killpg,
signal.SIGPIPE, socket.AF_UNIX, select.poll...). A module that uses one of
them at import time cannot even be imported there: the window would not
start. This removes them from a fresh interpreter (run it as its own
process: nothing is put back), then imports each module.

What it cannot catch: a name used only when a function runs (those paths
choose by ``hasattr``, and the tests remove the names they need with
``tests.platforms.as_on``), and what Windows does differently with a name
it has.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import select
import signal
import socket
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = ("engine", "gui")
#: Run by Python itself, never imported: sitecustomize of the lab's children.
NOT_MODULES = ("engine.lab.startup",)
POSIX_MODULES = ("fcntl", "termios", "pwd", "grp", "resource", "posix", "tty", "pty",
                 "_posixsubprocess", "syslog", "crypt", "readline", "curses")
POSIX_NAMES = {
    os: "fork forkpty killpg getpgrp getpgid setpgid setsid getsid getuid geteuid getgid "
        "getegid waitid pidfd_open sched_getaffinity sched_setaffinity register_at_fork "
        "O_DIRECTORY O_NONBLOCK O_CLOEXEC O_NOFOLLOW O_NOCTTY WNOHANG WUNTRACED P_PID "
        "WEXITED WNOWAIT wait wait3 wait4 WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG mkfifo "
        "mknod getloadavg sysconf statvfs nice chown lchown fchown sync pipe2 posix_spawn "
        "uname getgroups ttyname openpty",
    signal: "SIGKILL SIGALRM SIGUSR1 SIGUSR2 SIGHUP SIGQUIT SIGCHLD SIGPIPE SIGSTOP SIGCONT "
            "SIGTSTP SIGTTIN SIGTTOU SIGWINCH alarm pause setitimer getitimer siginterrupt "
            "pthread_kill pthread_sigmask sigwait sigpending SIG_BLOCK SIG_SETMASK "
            "SIG_UNBLOCK ITIMER_REAL",
    socket: "AF_UNIX SO_REUSEPORT",
    select: "poll epoll kqueue devpoll",
}


def act_as_windows() -> None:
    for name in POSIX_MODULES:
        sys.modules[name] = None   # import name: ModuleNotFoundError, as on Windows
    for module, names in POSIX_NAMES.items():
        for name in names.split():
            if hasattr(module, name):
                delattr(module, name)


def modules() -> list[str]:
    found = []
    for package in PACKAGES:
        found.append(package)
        for info in pkgutil.walk_packages([os.path.join(ROOT, package)], prefix=f"{package}."):
            if not info.name.startswith(NOT_MODULES):
                found.append(info.name)
    return found


def failures() -> dict[str, str]:
    failed = {}
    for name in modules():
        try:
            importlib.import_module(name)
        except Exception as exc:  # every failure is reported, whatever it is
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failed[name] = (f"{type(exc).__name__}: {exc} "
                            f"({os.path.relpath(where.filename, ROOT)}:{where.lineno})")
    return failed


if __name__ == "__main__":
    # What the checked modules import from the standard library is imported
    # first, with every name: it is the same on Windows, where it takes its own paths.
    import multiprocessing  # noqa: F401
    import selectors  # noqa: F401
    import subprocess  # noqa: F401
    import tempfile  # noqa: F401

    act_as_windows()
    sys.path.insert(0, ROOT)
    print(json.dumps({"checked": len(modules()), "failed": failures()}))
