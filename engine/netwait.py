"""Socket plumbing for the sockets lesson, so Stop and time-outs work.

A plain ``connect``, ``sendall`` or ``recv`` can block for ever, and then
Stop would hang. Here every socket has a short timeout (``TICK``): each call
returns at least that often, checks Stop and its deadline, and tries
again. It tries the socket *before* it checks, so a peer that has just hung
up is reported as a hang-up, not as Stop.

The lesson itself (``engine/lessons/sockets.py``) keeps the story: who binds,
connects, sends and reads, and how a reader finds the end of a message.
Nothing here emits events, so the highlighted line stays in the lesson.
"""

import errno
import os
import select
import socket
import time

from engine.errors import LessonError

TICK = 0.1        # no socket call waits longer than this, so Stop is quick
PREVIEW = 48      # bytes shown when you hover an arrow of the diagram


class PortInUse(LessonError):
    """The port the learner chose is taken by another socket."""


class PeerClosed(ConnectionError):
    """The other side closed the connection before the message was complete."""


class Stopped(Exception):
    """Stop was pressed while this socket was waiting."""


def bind(listener, host, port):
    """Take the address, with a clear message if it cannot be had."""
    if os.name == "posix":
        # Lets a fixed port be used again at once after the last run, while its
        # old connections linger in TIME_WAIT. A port another socket listens on
        # is still refused. (On Windows the option lets two servers share one
        # port, so it stays off there.)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} is already in use on {host}: another program "
                            f"is listening there. Choose another port, or 0 to let the "
                            f"OS pick a free one.") from None
        if exc.errno == errno.EACCES:
            raise LessonError(f"port {port} needs administrator rights (ports below 1024 "
                              f"are reserved). Choose 1024 to 65535, or 0.") from None
        raise


# -- waiting on a socket without blocking Stop ------------------------------------

def connect(sock, address, stop, deadline):
    """``sock.connect(address)``, giving up on Stop or when the deadline passes."""
    error = sock.connect_ex(address)
    while error in (errno.EAGAIN, errno.EALREADY, errno.EINPROGRESS, errno.EWOULDBLOCK):
        _, ready, failed = select.select([], [sock], [sock], TICK)
        if ready or failed:
            error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        else:
            check(stop, deadline, "connecting")
    if error not in (0, errno.EISCONN):
        raise OSError(error, errno.errorcode.get(error, str(error)))


def send_all(sock, data, stop, deadline):
    """Send every byte of ``data``; returns how many send() calls it took."""
    view, calls = memoryview(data), 0
    while view:
        try:
            sent = sock.send(view)      # may take only part of what we offer
        except TimeoutError:
            check(stop, deadline, "sending")
            continue
        view, calls = view[sent:], calls + 1
    return calls


def recv_some(sock, limit, stop, deadline):
    """One ``sock.recv(limit)``: whatever has arrived, at least one byte."""
    while True:
        try:
            piece = sock.recv(limit)
        except TimeoutError:
            check(stop, deadline, "waiting for data")
            continue
        if not piece:                   # b"" means the other side closed
            raise PeerClosed("the other side closed the connection")
        return piece


def check(stop, deadline, doing):
    if stop.is_set():
        raise Stopped
    if deadline.passed():
        raise TimeoutError(doing)


class Deadline:
    """A time limit, scaled by the speed. It stands still while the run is
    paused in step mode, so a learner who takes their time causes no time-out."""

    def __init__(self, seconds, control):
        self.control = control
        self.left = seconds / control.speed
        self.last = time.monotonic()

    def passed(self):
        now = time.monotonic()
        if not self.control.stepping:
            self.left -= now - self.last
        self.last = now
        return self.left < 0


def join_clients(clients, server, stop, hang_up):
    """Wait for every client thread, a TICK at a time, so Stop is seen.

    On Stop the server hangs up first, so the clients meet a real closed
    connection; only once the server is gone are they told to stop waiting."""
    for client in clients:
        while client.is_alive():
            client.join(TICK / 2)
            if stop.is_set() and not (server and server.is_alive()):
                hang_up.set()


# -- words and pictures for people ------------------------------------------------

def explain(exc, peer, timeout, port=None):
    """A sentence a learner can act on, for each way a connection fails."""
    if exc.errno == errno.ECONNREFUSED:
        return f"connection refused: nothing is listening on port {port}"
    if isinstance(exc, TimeoutError):
        return (f"timed out {exc}: {peer} did not answer within the Timeout "
                f"({timeout:g} s)")
    if isinstance(exc, PeerClosed):
        return f"{peer} closed the connection before the message was complete"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return f"the connection was reset by {peer}"
    return f"{type(exc).__name__}: {exc}"


def arrow(kind, sender, receiver, payload=b"", **extra):
    """What the sequence diagram draws for one event."""
    shown = repr(payload[:PREVIEW])[2:-1]         # b'...' without the b''
    return {"seq": kind, "from": sender, "to": receiver, "bytes": len(payload),
            "preview": shown + ("…" if len(payload) > PREVIEW else ""), **extra}
