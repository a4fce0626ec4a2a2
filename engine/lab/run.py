"""The engine's side: start one lab process for a program, read what it reports, stop it.

One watcher thread per run does all the reading (a ``selectors`` loop over the
listening socket, one connection per lab process, and the lab's raw fd 1/2),
turns what it reads into :class:`engine.events.Event` on ``LabRun.events``,
notices the lab process's end, and cleans up. Other threads only send orders
(``stop``, ``speed``) on the connections.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from engine.events import Event
from engine.lab import ahead, wire

#: Time the program gets to end by itself after the KeyboardInterrupt of a Stop.
#: With the kill and the reap, Stop to idle stays within the 300 ms promise.
STOP_GRACE = 0.2
#: After the lab process ends, how long its connections may take to close.
DRAIN_LIMIT = 2.0
POLL = 0.05
#: Probe calls by which the program ends a child process itself (data: child_pid).
ENDING_CALLS = ("terminate", "kill")



class EventQueue(queue.Queue):
    """A Queue that takes a whole batch under one lock: a batch of 500 costs one put."""

    def put_many(self, items: list) -> None:
        with self.not_empty:   # the queue is unbounded, so never full: no wait needed
            self.queue.extend(items)
            self.unfinished_tasks += len(items)
            self.not_empty.notify(len(items))   # as many getters as there are items


class LabError(ValueError):
    """A run that cannot start, said in one line for a person."""


class _Connection:
    """One lab process speaking: its socket and the part of a line not yet read.

    (A plain class: ``dataclasses`` costs ~15 ms to import, on the path of every
    command line run before its lab process can start.)
    """

    __slots__ = ("sock", "pending", "pid", "actor", "ending")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = b""
        self.pid: int | None = None
        self.actor: str | None = None   # its main actor, from its ``process`` event
        self.ending = False             # it said it ends by itself (else, closed = killed)


def _exit_fd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` ends (Linux 5.3+), or None.

    It wakes the watcher at the moment the lab process ends; without it the
    watcher notices within POLL.
    """
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def start_lab(program_path: str, argv: list[str] | None = None, speed: float = 1.0,
              stepping: bool = False, first: tuple | None = None) -> LabRun:
    """Run ``program_path`` (with ``argv``) in a new lab process and watch it.

    ``first``, an ``(actor, kind, text, data)`` tuple, is queued as the run's
    first event (the runner says there what started, with which settings).
    With ``keep_spare(True)``, a lab process started ahead of time takes the
    run, and the next one is started at once.
    """
    if not os.path.isfile(program_path):
        raise LabError(f"no such program: {program_path}")
    argv, speed = list(argv or []), _checked_speed(speed)
    run = _take_spare()
    if run is None:
        return LabRun(program_path, argv, speed, stepping, first)
    run.begin(program_path, argv, speed, stepping, first)
    _refill_spare()
    return run


# --- a lab started ahead of time ---------------------------------------------------
#
# A lab process takes ~60-90 ms to start (the interpreter, the lab's imports) on
# an idle machine, and several times that on a busy one or from the executable.
# The window keeps one started and waiting ("--wait": it has imported what every
# run needs, and reads its program and settings from its stdin when a run takes
# it), so pressing Run costs only the order. The command line, for its one run,
# starts one as it begins (start_ahead) and keeps none. A spare that is not taken
# ends with the app: keep_spare(False), or, if the app dies, when its stdin pipe closes.

_spare_lock = threading.Lock()
_spare: LabRun | None = None
_keeping = False


def keep_spare(on: bool) -> None:
    """Keep one lab process started ahead of time (the window does), or stop keeping it."""
    global _keeping
    with _spare_lock:
        _keeping = on
    if on:
        atexit.register(keep_spare, False)
        _refill_spare()
    else:
        spare = _take_spare()
        if spare is not None:
            spare.discard()


def start_ahead() -> None:
    """Start one lab process now, for the next ``start_lab`` to take, and keep no other.

    The command line calls this first thing, so that the lab process starts up
    (the interpreter, the lab's imports: ~60 ms) while the command line does its
    own (the lesson, its settings, the checks). ``drop_ahead`` ends it if no run
    took it.
    """
    global _spare
    with _spare_lock:
        if _spare is not None:
            return
    try:
        # engine/__main__.py may have started it already (engine.lab.ahead).
        spare = LabRun(None, [], 1.0, adopt=ahead.take())
    except (OSError, RuntimeError):
        return   # no process to be had now: the run starts the slow way, and says why
    with _spare_lock:
        _spare = spare


def drop_ahead() -> None:
    """End the lab ``start_ahead`` started, if no run took it (bad input, --help)."""
    with _spare_lock:
        keeping = _keeping
    if not keeping:
        spare = _take_spare()
        if spare is not None:
            spare.discard()


def _take_spare() -> LabRun | None:
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare._proc.poll() is not None:
        spare.discard()   # it died while waiting: start a run afresh
        return None
    return spare


def _refill_spare() -> None:
    global _spare
    with _spare_lock:
        if not _keeping or _spare is not None:
            return
        try:
            _spare = LabRun(None, [], 1.0)
        except (OSError, RuntimeError):
            _spare = None   # no process to spare now: runs start the slow way


def _checked_speed(speed: float) -> float:
    if not isinstance(speed, (int, float)) or not speed > 0:
        raise LabError(f"speed must be a number above 0, not {speed!r}")
    return float(speed)


class LabRun:
    """One run of one program in its own process group. See the package docstring."""

    def __init__(self, program_path: str | None, argv: list[str], speed: float,
                 stepping: bool = False, first: tuple | None = None,
                 adopt: tuple[subprocess.Popen, str] | None = None) -> None:
        """Start the lab process; with ``program_path`` None it waits for begin().

        ``adopt``: a waiting lab process already started by ``ahead.spawn``, and the
        folder its environment names for the socket (it connects once it has its
        order, so the socket is made here, after it started).
        """
        self.events: EventQueue = EventQueue()
        self.program = os.path.abspath(program_path) if program_path else None
        self._speed = speed
        self._stepping = stepping
        #: In step mode, who waits for Next, first in line first: (pid, ident, actor).
        self._paused: list[tuple[int, int, str]] = []
        #: Nexts pressed while nobody waited: each lets the next actor to arrive go on.
        self._credits = 0
        #: Lab processes that ended without saying so (killed from outside).
        self.died: list[dict] = []
        #: Pids the program itself ended (``terminate()``/``kill()``): not deaths.
        self._ended_by_program: set[int] = set()
        #: Connections closed in the current round of reading, judged after it.
        self._closed: list[_Connection] = []
        self._root_ending = False
        self._seq = itertools.count(1)
        self._lock = threading.Lock()             # guards _connections, _root and _stop_at
        self._connections: dict[socket.socket, _Connection] = {}
        self._root: _Connection | None = None
        self._stop_at: float | None = None
        self._saw_error = False   # an error event from any process makes the run an error
        self._folder = adopt[1] if adopt else tempfile.mkdtemp(prefix="pysyslab-lab-")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(os.path.join(self._folder, ahead.SOCKET_NAME))
            self._listener.listen(64)
            self._t0 = time.monotonic()
            if first is not None:
                self._put(self._t0, first[0], first[1], first[2], first[3], None, os.getpid())
            self._proc = adopt[0] if adopt else ahead.start(
                self._folder, self._command([self.program, *argv] if self.program else ["--wait"]),
                self.program, self._speed, self._stepping)
        except BaseException:
            if adopt:
                os.killpg(adopt[0].pid, signal.SIGKILL)
                adopt[0].wait()
            self._listener.close()
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self._watcher = threading.Thread(target=self._watch, name="lab-watch", daemon=True)
        try:
            self._watcher.start()
        except RuntimeError:   # no thread to be had (a low ulimit -u): leave nothing
            self._kill_group()
            self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    pipe.close()
            self._listener.close()
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    # --- what a caller uses -------------------------------------------------------

    def begin(self, program_path: str, argv: list[str], speed: float,
              stepping: bool = False, first: tuple | None = None) -> None:
        """Give a waiting lab (started with no program) its program: the run starts now."""
        order = {"program": os.path.abspath(program_path), "argv": argv,
                 "speed": speed, "stepping": stepping}
        with self._lock:
            self.program = order["program"]
            self._speed, self._stepping = speed, stepping
            self._t0 = time.monotonic()
        if first is not None:
            self._put(self._t0, first[0], first[1], first[2], first[3], None, os.getpid())
        try:
            self._proc.stdin.write((json.dumps(order) + "\n").encode("utf-8"))
            self._proc.stdin.close()
        except (OSError, ValueError):   # a broken pipe, or one the watcher already closed
            pass   # it died while waiting: the watcher reports the run's end

    def discard(self) -> None:
        """End a lab that never got a program (or any run): nothing of it is left."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()   # a waiting lab reads the end and leaves
            except OSError:
                pass
        if self.program is None:
            self._kill_group()   # no program to ask: it need not finish starting first
        self.stop()
        self.join(DRAIN_LIMIT + STOP_GRACE + 1)

    def stop(self) -> None:
        """Ask the program to end (KeyboardInterrupt); kill the group after STOP_GRACE."""
        with self._lock:
            if self._stop_at is not None:
                return
            self._stop_at = time.monotonic()
            self._paused.clear()   # the lab frees every paused thread on "stop"
            self._credits = 0
            if self._root is not None:
                self._send(self._root, "stop")

    def set_speed(self, speed: float) -> None:
        """Scale every lab process's ``time.sleep`` by 1/speed from now on."""
        speed = _checked_speed(speed)
        with self._lock:
            self._speed = speed
            for conn in self._connections.values():
                self._send(conn, f"speed {speed!r}")

    @property
    def speed(self) -> float:
        return self._speed

    def set_stepping(self, on: bool) -> None:
        """Step mode on (every actor waits before each event until Next) or off."""
        with self._lock:
            self._stepping = on
            if not on:
                self._paused.clear()
                self._credits = 0
            for conn in self._connections.values():
                self._send(conn, "step on" if on else "step off")

    def step(self) -> str | None:
        """Let the actor first in line take one step; the name of that actor.

        When nobody waits (yet), the Next is kept for the first actor to arrive,
        as it was before the lab: None is returned then.
        """
        with self._lock:
            while self._paused:
                pid, ident, actor = self._paused.pop(0)
                conn = self._connection_of(pid)
                if conn is not None:   # else that process is gone: try the next in line
                    self._send(conn, f"next {ident}")
                    return actor
            if self._stepping:
                self._credits += 1
        return None

    def paused_actors(self) -> list[str]:
        """In step mode, the actors waiting for Next, first in line first."""
        with self._lock:
            return [actor for _, _, actor in self._paused]

    def _connection_of(self, pid: int) -> _Connection | None:
        for conn in self._connections.values():
            if conn.pid == pid:
                return conn
        return None

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run's end (``done`` queued, everything closed). True if it ended."""
        self._watcher.join(timeout)
        return not self._watcher.is_alive()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def note(self, actor: str, text: str) -> None:
        """A ``log`` line from outside the program (the window saying what it did),
        queued now, so it comes before anything the program does in answer."""
        self._put(time.monotonic(), actor, "log", text, None, None, os.getpid())

    # --- starting ----------------------------------------------------------------

    def _command(self, tail: list[str]) -> list[str]:
        """The lab's command line; ``tail`` is PROGRAM ARGS, or --wait."""
        return ahead.lab_command(tail)

    # --- the watcher thread -----------------------------------------------------

    def _watch(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, "accept")
        selector.register(self._proc.stdout, selectors.EVENT_READ, "fd")
        exit_fd = _exit_fd(self._proc.pid)
        if exit_fd is not None:
            selector.register(exit_fd, selectors.EVENT_READ, "exit")
        exited, killed, drain_until = False, False, 0.0
        try:
            # Until the lab process ends, then until every connection has closed.
            while not exited or (len(selector.get_map()) > 1 and time.monotonic() < drain_until):
                for key, _ in selector.select(self._wait_time(exited or killed)):
                    self._read(selector, key)
                self._judge_closed()
                if not exited and not killed and self._grace_is_over():
                    killed = True
                    self._kill_group()   # it did not end when asked
                if not exited and self._has_exited():
                    exited = True
                    self._kill_group()   # whatever the program left running ends with it
                    drain_until = time.monotonic() + DRAIN_LIMIT
        finally:
            self._judge_closed()
            self._close(selector)
            if exit_fd is not None:
                os.close(exit_fd)
            self._put_done()

    def _wait_time(self, nothing_to_time: bool) -> float:
        """How long one select may wait: up to the end of a Stop's grace, if one runs."""
        if self._stop_at is None or nothing_to_time:
            return POLL
        return max(0.0, min(POLL, self._stop_at + STOP_GRACE - time.monotonic()))

    def _grace_is_over(self) -> bool:
        return self._stop_at is not None and time.monotonic() >= self._stop_at + STOP_GRACE

    def _read(self, selector: selectors.BaseSelector, key: selectors.SelectorKey) -> None:
        if key.data == "accept":
            sock, _ = self._listener.accept()
            with self._lock:
                self._connections[sock] = _Connection(sock)
                self._send(self._connections[sock], f"speed {self._speed!r}")
                self._send(self._connections[sock], "step on" if self._stepping else "step off")
            selector.register(sock, selectors.EVENT_READ, "conn")
        elif key.data == "exit":
            selector.unregister(key.fileobj)   # the lab process ended: _has_exited says so
        elif key.data == "fd":
            chunk = os.read(self._proc.stdout.fileno(), 65536)
            if chunk:
                self._put(time.monotonic(), "fd", "terminal",
                          chunk.decode("utf-8", "backslashreplace"), {"stream": "fd"}, None, None)
            else:
                selector.unregister(self._proc.stdout)
        else:
            self._read_connection(selector, key.fileobj)

    def _read_connection(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        conn = self._connections[sock]
        try:
            chunk = sock.recv(1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            selector.unregister(sock)
            with self._lock:
                del self._connections[sock]
                self._paused = [p for p in self._paused if p[0] != conn.pid]
            sock.close()
            self._note_end(conn)
            return
        *lines, conn.pending = (conn.pending + chunk).split(b"\n")
        for line in lines:
            try:
                batch = wire.decode_batch(line)
            except ValueError:
                continue   # a batch cut by a signal mid-send; the rest still reads
            if batch and conn.pid is None:
                self._identify(conn, batch[0][6])
            self._saw_error = self._saw_error or any(raw[2] == "error" for raw in batch)
            for raw in batch:
                if raw[2] in ("process", "paused") or (
                        raw[2] == "probe" and isinstance(raw[4], dict)
                        and raw[4].get("call") in ENDING_CALLS):
                    self._note(conn, raw)
            t0, seq = self._t0, self._seq
            self.events.put_many([Event(t - t0, actor, kind, text, data, line, pid, next(seq))
                                  for t, actor, kind, text, data, line, pid in batch])

    def _note(self, conn: _Connection, raw: list) -> None:
        """What the engine itself keeps from an event: who waits, who is who, who ends."""
        _, actor, kind, _, data, _, pid = raw
        data = data if isinstance(data, dict) else {}
        if kind == "probe":   # the program ends a child itself: not a death
            if isinstance(data.get("child_pid"), int):
                self._ended_by_program.add(data["child_pid"])
        elif kind == "paused" and isinstance(data.get("ident"), int):
            with self._lock:
                if self._credits:
                    self._credits -= 1
                    self._send(conn, f"next {data['ident']}")
                elif self._stepping:
                    self._paused.append((pid, data["ident"], actor))
        elif data.get("ending"):
            conn.ending = True
            if pid == self._proc.pid:
                self._root_ending = True
        elif conn.actor is None:
            conn.actor = actor

    def _judge_closed(self) -> None:
        """The deaths of this round, unless the program itself ended that child."""
        closed, self._closed = self._closed, []
        for conn in closed:
            if conn.pid not in self._ended_by_program:
                self._note_death(conn)

    def _note_end(self, conn: _Connection) -> None:
        """A lab process closed its connection. If it never said it ends, it was killed.

        Not counted once the run is stopping or its main process is ending: then
        the program's own ends (multiprocessing ending daemon children) and the
        engine's kill look the same from here. A candidate is judged at the end of
        the round (``_judge_closed``): a parent's report that it ended this child
        itself (terminate) was sent before the kill, so it is read in the same round
        at the latest, whichever connection the selector listed first.
        """
        if conn.ending or conn.pid is None or conn.pid == self._proc.pid:
            return
        if self._stop_at is not None or self._root_ending:
            return
        self._closed.append(conn)

    def _note_death(self, conn: _Connection) -> None:
        actor = conn.actor or f"pid {conn.pid}"
        self.died.append({"actor": actor, "pid": conn.pid, "how": "killed"})
        self._put(time.monotonic(), actor, "error",
                  f"{actor} ended without finishing: killed from outside?",
                  {"traceback": None, "explained": True, "exitcode": None}, None, conn.pid)

    def _identify(self, conn: _Connection, pid: int) -> None:
        conn.pid = pid
        if pid == self._proc.pid:
            with self._lock:
                self._root = conn
                if self._stop_at is not None:
                    self._send(conn, "stop")   # Stop came before the lab could hear it

    def _put(self, t, actor, kind, text, data, line, pid) -> None:
        self.events.put(Event(t - self._t0, actor, kind, text, data, line, pid, next(self._seq)))

    def _send(self, conn: _Connection, order: str) -> None:
        try:
            conn.sock.sendall(order.encode("ascii") + b"\n")
        except OSError:
            pass   # that process has ended; its connection closes soon

    def _has_exited(self) -> bool:
        # WNOWAIT leaves the lab process a zombie, so its process group id cannot be
        # reused before _kill_group below; _close reaps it.
        try:
            found = os.waitid(os.P_PID, self._proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return found is not None

    def _kill_group(self) -> None:
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass   # nobody left in the group

    def _close(self, selector: selectors.BaseSelector) -> None:
        for key in list(selector.get_map().values()):
            selector.unregister(key.fileobj)
        selector.close()
        with self._lock:
            for sock in self._connections:
                sock.close()
            self._connections.clear()
            self._root = None
        self._listener.close()
        self._proc.stdout.close()
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        self._kill_group()
        self._proc.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _put_done(self) -> None:
        code = self._proc.returncode
        if self._stop_at is not None:
            status = "stopped"
        elif code == 0 and not self._saw_error and not self.died:
            status = "ok"
        else:
            status = "error"
        if code is not None and code < 0:
            text = f"{status}: killed by {signal.Signals(-code).name}"
        else:
            text = f"{status}: exit code {code}"
        self._put(time.monotonic(), "lab", "done", text,
                  {"status": status, "exit_code": code, "died": list(self.died),
                   "elapsed": time.monotonic() - self._t0}, None, self._proc.pid)
