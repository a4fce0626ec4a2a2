"""What crosses between the engine and a lab process: names of the settings and the line format.

Both sides import this module, so the format is written down once.

Each lab process connects to the engine's listening socket (``listen``,
``connect``): a Unix socket in a folder only this user can enter where the
system has them, else TCP on 127.0.0.1 (Windows: CPython has no AF_UNIX
there). Its first line is ``hello``: the run's secret and its pid. A
connection that does not start with the secret (another local user's on the
TCP port) is closed unread; the pid lets the engine end the process even
where there are no process groups.

Events travel in batches: one line of JSON per batch, a list of events, each a
list ``[t, actor, kind, text, data, line, pid]``. ``t`` is ``time.monotonic()``
in the lab process; that clock is one for every process of the machine (Linux
CLOCK_MONOTONIC, macOS mach_absolute_time, Windows GetTickCount64 before
Python 3.13, in steps of about 16 ms, then QueryPerformanceCounter), so the
engine turns it into "seconds since the run started" by subtracting its own
start time. JSON rather than pickle because the data comes from a
learner's program: the engine must never unpickle what a program could shape.

Control goes the other way on the same connection, one short line per order:
``stop``, ``speed <x>``, ``step on``, ``step off`` or ``next <thread ident>``.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket

#: Environment variables the engine sets for the lab process and its children.
ENV_SOCKET = "PYSYSLAB_LAB_SOCKET"    # the engine's address: "unix:PATH" or "tcp:HOST:PORT"
ENV_SECRET = "PYSYSLAB_LAB_SECRET"    # what a lab process says first, to be heard
ENV_FOLDER = "PYSYSLAB_LAB_FOLDER"    # the program's folder: frames there are "the program"
ENV_SPEED = "PYSYSLAB_LAB_SPEED"      # the speed at start; later changes come as control lines
ENV_ROLE = "PYSYSLAB_LAB_ROLE"        # "root" for the lab process, "child" for the rest
ENV_STEPPING = "PYSYSLAB_LAB_STEPPING"  # "1": the run starts in step mode; "0": not yet
#: ENV_STEPPING for a run that never steps (the command line): the lab loads no step
#: machinery at all, and ignores "step on".
NEVER = "never"
#: Set by a person, not the engine: names to remove, as on Windows (engine.lab.without).
ENV_WITHOUT = "PYSYSLAB_WITHOUT"

#: How many events a process gathers before it sends without waiting for the next tick.
BATCH = 500


# json, socket (and typing) are not imported at the top: this module is imported by
# the command line's first lines (engine/lab/ahead.py), before the lab process is
# started, and those imports would delay it (socket imports selectors and enum).

def encode_batch(events: list[list]) -> bytes:
    import json
    return (json.dumps(events, ensure_ascii=True, default=repr) + "\n").encode("ascii")


def decode_batch(line: bytes) -> list[list]:
    import json
    return json.loads(line)


def listen(folder: str, unix: bool = True) -> tuple[socket.socket, str]:
    """A listening socket for one run's lab processes, and its address for ENV_SOCKET.

    A Unix socket in ``folder`` where the system has them (and ``unix``); TCP
    on 127.0.0.1, on a port the OS picks, where it has not, or where the path
    is too long for one (macOS allows 104 bytes, and its temporary folders are
    long). ``unix=False``: the lab processes will run without AF_UNIX
    (``engine.lab.without``).
    """
    import socket
    if unix and hasattr(socket, "AF_UNIX"):
        path = os.path.join(folder, "events")
        try:
            return listen_unix(path), f"unix:{path}"
        except OSError:
            pass
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    host, port = sock.getsockname()[:2]
    return sock, f"tcp:{host}:{port}"


def listen_unix(path: str) -> socket.socket:
    """A listening Unix socket at ``path``. OSError if it cannot be made."""
    import socket
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def connect(address: str) -> socket.socket:
    """A connection to the engine at ``address`` (from ENV_SOCKET). OSError if none."""
    import socket
    kind, _, where = address.partition(":")
    if kind == "unix" and hasattr(socket, "AF_UNIX"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: object = where
    elif kind == "tcp":
        host, _, port = where.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    else:
        raise OSError(f"no way to reach the engine at {address!r}")
    try:
        sock.connect(target)
    except OSError:
        sock.close()
        raise
    return sock


def hello(secret: str, pid: int) -> bytes:
    """The first line a lab process sends on its connection."""
    return f"hello {secret} {pid}\n".encode("ascii")


def read_hello(line: bytes, secret: str) -> int | None:
    """The pid a ``hello`` line gives, or None if it does not carry ``secret``."""
    words = line.split()
    if len(words) != 3 or words[0] != b"hello" or not words[2].isdigit():
        return None
    if not _same_secret(words[1], secret.encode("ascii")):
        return None
    return int(words[2])


def _same_secret(given: bytes, secret: bytes) -> bool:
    """``given == secret``, in a time that does not tell how much of it matched.

    That is ``hmac.compare_digest``, and where Python has no OpenSSL, hmac takes
    it from ``_operator`` (built into the interpreter): importing hmac imports
    hashlib and OpenSSL (~5 ms on the command line's path) for this one call.
    """
    try:
        from _operator import _compare_digest
    except ImportError:   # another Python than CPython
        from hmac import compare_digest as _compare_digest
    return _compare_digest(given, secret)
