"""The engine's side: start one lab process for a program, read what it reports, stop it.

One watcher thread per run does all the reading (a ``selectors`` loop over the
listening socket, one connection per lab process, and the lab's raw fd 1/2),
turns what it reads into :class:`engine.events.Event` on ``LabRun.events``,
notices the lab process's end, and cleans up. Other threads only send orders
(``stop``, ``speed``) on the connections.

What it uses that not every system has, and what it does without (each
chosen by ``hasattr`` when it is needed, so a test can remove the name):

- ``os.pidfd_open`` (Linux 5.3+): without it, the lab process's end is seen
  within POLL instead of at once;
- ``os.waitid`` with WNOWAIT (Linux; macOS only from Python 3.13): it sees the
  end and leaves the lab process a zombie until its group is killed, so the
  group's id cannot be reused meanwhile. Without it, ``Popen.poll`` reaps it
  first; the group keeps its id while any member lives, so the kill can only
  miss (a group already empty), never hit another;
- ``os.killpg`` (not on Windows, which has no process groups): the engine
  kills the lab process and every lab process still connected, by pid (each
  says its pid first), and any that connects later. A process that is not
  Python, or did not connect, is not found: on Windows that needs a job object;
- ``select.poll`` (not on Windows, whose select() takes sockets only): the
  lab's fd 1/2 pipe is then read by a thread of its own;
- Unix sockets: TCP on 127.0.0.1 (``wire.listen``).
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import queue
import select
import selectors
import signal
import threading
import time

from engine import vocabulary as v
from engine.events import Event
from engine.lab import ahead, wire, without
from engine.lab.board import Choice, ProgramClock, StepBoard
from engine.waitfor import WaitFor

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    import subprocess

# Not imported here: tempfile, secrets and subprocess (a lab started the usual way,
# not adopted), traceback (an observer's bug), shutil (ahead.remove_folder does the
# little needed). Together ~10 ms of the command line's start, before its lab
# process can have its order.

#: Time the program gets to end by itself after the KeyboardInterrupt of a Stop.
#: With the kill and the reap, Stop to idle stays within the 300 ms promise.
STOP_GRACE = 0.2
#: After the lab process ends, how long its connections may take to close.
DRAIN_LIMIT = 2.0
POLL = 0.05
#: Probe calls by which the program ends a child process itself (data: child_pid).
ENDING_CALLS = ("terminate", "kill")
#: The actor of the events the engine adds from what it watched (deadlock, challenge);
#: their pid is the lab process's, as for the run's ``done``.
ENGINE_ACTOR = "lab"

#: Kinds of event the engine itself reads (the step board, who is who, who ends),
#: besides ``state``, which goes straight to the step board.
NOTED = frozenset({v.PROCESS, v.PAUSED, v.BLOCKED, v.FINISHED, v.SLEEP, v.PROBE})
_STATE = v.STATE



class EventQueue(queue.Queue):
    """A Queue that takes a whole batch under one lock: a batch of 500 costs one put."""

    def put_many(self, items: list) -> None:
        with self.not_empty:   # the queue is unbounded, so never full: no wait needed
            self.queue.extend(items)
            self.unfinished_tasks += len(items)
            self.not_empty.notify(len(items))   # as many getters as there are items


class LabError(ValueError):
    """A run that cannot start, said in one line for a person."""


class Observer:
    """Something that follows a run's events and has more to say (``engine.challenges``).

    (The shape an observer has, as a typing.Protocol would say; a plain class, as
    typing costs ~3 ms of a command line's start.)

    Called on the run's watcher thread only: with each batch of events as it
    arrives, and once before ``done``. Each returns (kind, text, data) of the
    events to add, which the run puts after the batch, as actor "lab".
    """

    def feed(self, events: list[Event]) -> list[tuple[str, str, dict]]: ...

    def finish(self) -> list[tuple[str, str, dict]]: ...


class _Connection:
    """One lab process speaking: its socket and the part of a line not yet read.

    (A plain class: ``dataclasses`` costs ~15 ms to import, on the path of every
    command line run before its lab process can start.)
    """

    __slots__ = ("sock", "pending", "pid", "spoke", "actor", "ending")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = b""
        self.pid: int | None = None     # from its hello: until then nothing it says is read
        self.spoke = False              # it sent a batch (one killed before that is not judged)
        self.actor: str | None = None   # its main actor, from its ``process`` event
        self.ending = False             # it said it ends by itself (else, closed = killed)


def _exit_fd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` ends (Linux 5.3+), or None.

    It wakes the watcher at the moment the lab process ends; without it the
    watcher notices within POLL.
    """
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _pipes_can_be_selected() -> bool:
    """Whether select() takes a pipe, as POSIX's does; Windows' takes sockets only.

    poll() is the POSIX call that takes any descriptor, and Windows is the one
    system whose select module lacks it.
    """
    return hasattr(select, "poll")


def _removed_in_the_lab() -> list[str]:
    """What PYSYSLAB_WITHOUT removes in the lab processes (start_lab checked it)."""
    try:
        return without.names(os.environ.get(without.ENV, ""))
    except ValueError:
        return []


def _kill_signal() -> int:
    # Windows has no SIGKILL: there os.kill with SIGTERM is TerminateProcess.
    return getattr(signal, "SIGKILL", signal.SIGTERM)


def start_lab(program_path: str, argv: list[str] | None = None, speed: float = 1.0,
              stepping: bool | None = False, first: tuple | None = None,
              observer: Observer | None = None) -> LabRun:
    """Run ``program_path`` (with ``argv``) in a new lab process and watch it.

    ``stepping``: True to start in step mode; None for a run that never steps
    (the command line): no step machinery is loaded, and set_stepping does
    nothing.

    ``first``, an ``(actor, kind, text, data)`` tuple, is queued as the run's
    first event (the runner says there what started, with which settings).
    ``observer`` follows the events and adds its own (the lesson's challenges).
    With ``keep_spare(True)``, a lab process started ahead of time takes the
    run, and the next one is started at once.
    """
    if not os.path.isfile(program_path):
        raise LabError(f"no such program: {program_path}")
    try:
        without.names(os.environ.get(without.ENV, ""))
    except ValueError as exc:
        raise LabError(str(exc)) from None
    argv, speed = list(argv or []), _checked_speed(speed)
    run = _take_spare()
    if run is None:
        return LabRun(program_path, argv, speed, stepping, first, observer)
    run.begin(program_path, argv, speed, stepping, first, observer)
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
                 stepping: bool | None = False, first: tuple | None = None,
                 observer: Observer | None = None,
                 adopt: tuple[subprocess.Popen, str, str, str] | None = None) -> None:
        """Start the lab process; with ``program_path`` None it waits for begin().

        ``adopt``: a waiting lab process already started by ``ahead.spawn``, with
        its folder, secret and the Unix socket path its environment names (it
        connects once it has its order, so the socket is made here, after it
        started). If that socket cannot be made, the process is ended and a lab
        is started the usual way.
        """
        self.events: EventQueue = EventQueue()
        #: Who holds and waits for which lock: deadlocks become events (engine.waitfor).
        self._waitfor = WaitFor()
        self._observer = observer
        self.program = os.path.abspath(program_path) if program_path else None
        self._speed = speed
        self._stepping = bool(stepping)
        self._steppable = stepping is not None   # see start_lab
        #: In step mode, what every actor does, and who may go (engine/lab/board.py).
        self._board = StepBoard()
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
        adopted = None
        if adopt is not None:
            proc, folder, secret, path = adopt
            try:
                self._listener, self._address = wire.listen_unix(path), f"unix:{path}"
                self._folder, self._secret, adopted = folder, secret, proc
            except OSError:
                ahead.end(proc, folder)
        if adopted is None:
            import secrets
            import tempfile
            self._folder = tempfile.mkdtemp(prefix="pysyslab-lab-")
            try:
                self._listener, self._address = wire.listen(
                    self._folder, unix="socket.AF_UNIX" not in _removed_in_the_lab())
            except BaseException:
                ahead.remove_folder(self._folder)
                raise
            self._secret = secrets.token_hex(16)
        #: Without process groups: the group was killed, so kill every late-comer too.
        self._killing = False
        #: Without select on pipes: the thread that reads the lab's fd 1/2.
        self._fd_reader: threading.Thread | None = None
        self._over = False   # done is queued: nothing may come after it
        self._t0 = time.monotonic()
        self._clock = ProgramClock(self._t0)
        if first is not None:
            self._put(self._t0, first[0], first[1], first[2], first[3], None, os.getpid())
        try:
            self._proc = adopted if adopted is not None else self._spawn(
                [self.program, *argv] if self.program else ["--wait"])
        except BaseException:
            self._listener.close()
            ahead.remove_folder(self._folder)
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
            ahead.remove_folder(self._folder)
            raise

    # --- what a caller uses -------------------------------------------------------

    def begin(self, program_path: str, argv: list[str], speed: float,
              stepping: bool | None = False, first: tuple | None = None,
              observer: Observer | None = None) -> None:
        """Give a waiting lab (started with no program) its program: the run starts now."""
        order = {"program": os.path.abspath(program_path), "argv": argv,
                 "speed": speed, "stepping": stepping}
        with self._lock:
            self._observer = observer   # set before the program can say anything
            self.program = order["program"]
            self._speed, self._stepping = speed, bool(stepping)
            self._steppable = stepping is not None
            self._t0 = time.monotonic()
            self._clock = ProgramClock(self._t0)
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
            self._let_all_go()   # the lab frees every paused thread on "stop"
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
        """Step mode on (every actor waits before each line of the program) or off.
        Nothing for a run started to never step."""
        if not self._steppable:
            return
        with self._lock:
            was, self._stepping = self._stepping, on
            if not on:
                self._let_all_go()
            for conn in self._connections.values():
                self._send(conn, "step on" if on else "step off")
            if was != on:
                self._put_actors(time.monotonic())

    def step(self) -> str | None:
        """Next (F10): the next ready actor, in turn, runs one line; its name.

        When nobody is ready (yet), the Next is kept for the first actor to
        pause, as it was before the lab: None is returned then.
        """
        with self._lock:
            actor = self._board.next_in_turn()
            if actor is not None:
                self._let_go(actor)
                return actor.name
            if self._stepping:
                self._credits += 1
        return None

    def choose(self, actor: str) -> Choice:
        """The learner picks ``actor``: it runs one line if it is ready; else the
        choice is refused, and ``text`` says why ("thread-1 cannot go: waiting for
        the lock held by thread-0")."""
        with self._lock:
            if not self._stepping:
                return Choice(actor, False, "step mode is off")
            choice = self._board.choose(actor)
            if choice.moved:
                self._let_go(self._board.actors[actor], chosen=True)
        return choice

    def paused_actors(self) -> list[str]:
        """In step mode, the actors ready for Next, the one Next moves first."""
        with self._lock:
            return [actor.name for actor in self._board.ready()]

    def actors(self) -> list[dict]:
        """The step board now: one dict per actor (keys: see ``vocabulary``, ``actors``)."""
        with self._lock:
            return self._board.snapshot()

    def _let_go(self, actor, chosen: bool = False) -> None:
        """Send ``next`` to ``actor``'s process (the lock is held)."""
        if not chosen:
            self._board.go(actor)
        conn = self._connection_of(actor.pid)
        if conn is not None:
            self._send(conn, f"next {actor.ident}")
        now = time.monotonic()
        self._clock.release(now)
        self._put_actors(now)

    def _let_all_go(self) -> None:
        """Step mode ends (off, or Stop): nobody waits for Next any more (lock held)."""
        self._credits = 0
        self._board.let_all_go()
        self._clock.release(time.monotonic())

    def _put_actors(self, t: float) -> None:
        """The step board as an ``actors`` event (the lock is held, so boards go out
        in the order they were made)."""
        board = self._board
        board.changed = False
        self._put(t, "lab", v.ACTORS, board.summary() if self._stepping else "step mode off",
                  {v.ACTORS: board.snapshot(), v.STEPPING: self._stepping}, None, os.getpid())

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

    def _spawn(self, tail: list[str]) -> subprocess.Popen:
        stepping = ("1" if self._stepping else "0") if self._steppable else wire.NEVER
        return ahead.start(self._address, self._secret, self._command(tail), self.program,
                           self._speed, stepping)

    def _command(self, tail: list[str]) -> list[str]:
        """The lab's command line; ``tail`` is PROGRAM ARGS, or --wait."""
        return ahead.lab_command(tail)

    # --- the watcher thread -----------------------------------------------------

    def _watch(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, "accept")
        if _pipes_can_be_selected():
            selector.register(self._proc.stdout, selectors.EVENT_READ, "fd")
        else:
            self._fd_reader = threading.Thread(target=self._read_fd_forever, name="lab-fd",
                                               daemon=True)
            self._fd_reader.start()
        exit_fd = _exit_fd(self._proc.pid)
        if exit_fd is not None:
            selector.register(exit_fd, selectors.EVENT_READ, "exit")
        exited, killed, drain_until = False, False, 0.0
        try:
            # Until the lab process ends, then until every connection has closed.
            while not exited or (self._still_open(selector)
                                 and time.monotonic() < drain_until):
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

    def _still_open(self, selector: selectors.BaseSelector) -> bool:
        """Whether a connection or the fd 1/2 pipe is still open (beside the listener)."""
        reading = self._fd_reader is not None and self._fd_reader.is_alive()
        return len(selector.get_map()) > 1 or reading

    def _read_fd_forever(self) -> None:
        """The lab's raw fd 1/2, where select() cannot wait on a pipe: read until its end."""
        fd = self._proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:   # never after done (see _put_done)
                if not self._over:
                    self._put_fd(chunk)

    def _put_fd(self, chunk: bytes) -> None:
        self._put(time.monotonic(), "fd", "terminal",
                  chunk.decode("utf-8", "backslashreplace"), {"stream": "fd"}, None, None)

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
                self._put_fd(chunk)
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
                self._board.process_ended(conn.pid)
                self._after_board_change(time.monotonic())
            sock.close()
            self._note_end(conn)
            return
        *lines, conn.pending = (conn.pending + chunk).split(b"\n")
        for line in lines:
            if conn.pid is None:
                if not self._heard(selector, conn, line):
                    return
                continue
            try:
                batch = wire.decode_batch(line)
            except ValueError:
                continue   # a batch cut by a signal mid-send; the rest still reads
            conn.spoke = True
            self._saw_error = self._saw_error or any(raw[2] == "error" for raw in batch)
            found = []   # what the engine itself sees in the batch: deadlocks
            with self._lock:
                see_lane = self._board.see_lane if self._steppable else None
                for raw in batch:
                    kind, data = raw[2], raw[4]
                    if kind == _STATE:
                        if see_lane is not None:
                            see_lane(raw[1], data, self._stepping, raw[6])
                        if isinstance(data, dict) and v.LOCK in data:
                            found += [(raw[0], v.DEADLOCK, text, more) for text, more
                                      in self._waitfor.feed(raw[1], raw[6], data)]
                    elif kind in NOTED:
                        self._note(conn, raw)
                program_time, seq = self._clock.program_time, self._seq
                events = [Event(program_time(t), actor, kind, text, data, line, pid, next(seq))
                          for t, actor, kind, text, data, line, pid in batch]
                events += [Event(program_time(t), ENGINE_ACTOR, kind, text, data, None,
                                 self._proc.pid, next(seq)) for t, kind, text, data in found]
                self.events.put_many(events + self._watched(events))
                self._after_board_change(batch[-1][0] if batch else time.monotonic())

    def _heard(self, selector: selectors.BaseSelector, conn: _Connection, line: bytes) -> bool:
        """A connection's first line: a lab process of this run says who it is.

        Anything else (another user's connection to a TCP port) is closed unread.
        """
        pid = wire.read_hello(line, self._secret)
        if pid is None:
            selector.unregister(conn.sock)
            with self._lock:
                del self._connections[conn.sock]
            conn.sock.close()
            return False
        self._identify(conn, pid)
        if self._killing:
            self._kill_pid(pid)   # it started as its run was being ended
        return True

    def _note(self, conn: _Connection, raw: list) -> None:
        """What the engine itself keeps from an event: the step board, who is who, who
        ends (the lock is held)."""
        _, actor, kind, text, data, line, pid = raw
        data = data if isinstance(data, dict) else {}
        if self._steppable:
            self._board.see(actor, kind, text, data, line, pid, self._stepping)
        if kind == v.PROBE:   # the program ends a child itself: not a death
            if data.get(v.CALL) in ENDING_CALLS and isinstance(data.get(v.CHILD_PID), int):
                self._ended_by_program.add(data[v.CHILD_PID])
        elif kind == v.PAUSED and self._stepping and self._credits:
            self._credits -= 1   # a Next pressed while nobody waited: this one goes
            self._let_go(self._board.actors[actor])
        elif kind != v.PROCESS:
            return
        elif data.get("ending"):
            conn.ending = True
            if pid == self._proc.pid:
                self._root_ending = True
        elif conn.actor is None:
            conn.actor = actor

    def _after_board_change(self, t: float) -> None:
        """After a round of events: the program's clock, and the board if it changed
        (the lock is held). ``t``: when the last event happened."""
        board = self._board
        if not board.changed or not self._stepping:
            return
        if board.holds_program():
            self._clock.hold(t)
        else:
            self._clock.release(t)
        self._put_actors(t)

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
        if conn.ending or not conn.spoke or conn.pid == self._proc.pid:
            return
        if self._stop_at is not None or self._root_ending:
            return
        self._closed.append(conn)

    def _note_death(self, conn: _Connection) -> None:
        actor = conn.actor or f"pid {conn.pid}"
        self.died.append({"actor": actor, "pid": conn.pid, "how": "killed"})
        with self._lock:
            self._board.process_ended(conn.pid, "was killed")
            self._after_board_change(time.monotonic())
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

    def _watched(self, events: list[Event]) -> list[Event]:
        """The events the run's observer adds after ``events`` (at the time of the last)."""
        if self._observer is None or not events:
            return []
        t = events[-1].t
        return [Event(t, ENGINE_ACTOR, kind, text, data, None, self._proc.pid, next(self._seq))
                for kind, text, data in self._observing("feed", events)]

    def _observing(self, method: str, *args) -> list[tuple[str, str, dict]]:
        """What the observer says; a bug in it costs its events, never the run's end."""
        try:
            return list(getattr(self._observer, method)(*args))
        except Exception:   # noqa: BLE001 (the watcher thread must go on to ``done``)
            import traceback
            traceback.print_exc()
            self._observer = None
            return []

    def _put(self, t, actor, kind, text, data, line, pid) -> None:
        self.events.put(Event(self._clock.program_time(t), actor, kind, text, data, line, pid,
                              next(self._seq)))

    def _send(self, conn: _Connection, order: str) -> None:
        try:
            conn.sock.sendall(order.encode("ascii") + b"\n")
        except OSError:
            pass   # that process has ended; its connection closes soon

    def _has_exited(self) -> bool:
        if not hasattr(os, "waitid"):   # macOS before 3.13, Windows: see the docstring
            return self._proc.poll() is not None
        # WNOWAIT leaves the lab process a zombie, so its process group id cannot be
        # reused before _kill_group below; _close reaps it.
        try:
            found = os.waitid(os.P_PID, self._proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return found is not None

    def _kill_group(self) -> None:
        if not hasattr(os, "killpg"):
            self._kill_known()
            return
        ahead.kill_group(self._proc, _kill_signal())

    def _kill_known(self) -> None:
        """Without process groups: the lab process, and every lab process still
        connected (a closed connection is a process that has ended, whose pid the
        OS may give to another)."""
        with self._lock:
            self._killing = True
            pids = {conn.pid for conn in self._connections.values()}
        try:
            self._proc.send_signal(_kill_signal())   # not if it is known to have ended
        except OSError:
            pass   # it ended meanwhile
        for pid in pids - {None, self._proc.pid}:
            self._kill_pid(pid)

    @staticmethod
    def _kill_pid(pid: int) -> None:
        try:
            os.kill(pid, _kill_signal())
        except OSError:
            pass   # it ended meanwhile

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
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        self._kill_group()
        reader = self._fd_reader
        if reader is not None:
            reader.join(DRAIN_LIMIT)   # the pipe ends with the last process holding it
        if reader is None or not reader.is_alive():
            self._proc.stdout.close()
        # else a process outside the run holds the pipe; it is closed with the Popen
        self._proc.wait()
        ahead.remove_folder(self._folder)

    def _put_done(self) -> None:
        if self._observer is not None:
            for kind, text, data in self._observing("finish"):
                self._put(time.monotonic(), ENGINE_ACTOR, kind, text, data, None,
                          self._proc.pid)
        code = self._proc.returncode
        if self._stop_at is not None:
            status = "stopped"
        elif code == 0 and not self._saw_error and not self.died:
            status = "ok"
        else:
            status = "error"
        if code is not None and code < 0:
            text = f"{status}: killed by {_signal_name(-code)}"
        else:
            text = f"{status}: exit code {code}"
        with self._lock:
            self._over = True
            now = time.monotonic()
            self._put(now, "lab", "done", text,
                      {"status": status, "exit_code": code, "died": list(self.died),
                       "elapsed": self._clock.program_time(now), v.HELD: self._clock.held(now)},
                      None, self._proc.pid)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
