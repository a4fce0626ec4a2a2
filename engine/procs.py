"""Child processes for lessons: start them, hear them, and always reap them.

A lesson that needs processes writes::

    with ProcessGroup(emit, stop) as group:
        worker = group.start(producer, queue, 1, name="producer-1")
        group.wait([worker])

``producer(emit, stop, queue, 1)`` then runs in a fresh process (spawn start
method: the same on every OS, and safe next to Tk). Its ``emit`` and ``stop``
work as in the parent. Leaving the ``with`` block asks every child to stop,
then terminates, then kills, and always joins, so no zombie remains.

Lessons kill their children on purpose (SIGKILL buttons, ``kill -9`` from a
terminal), and a process killed inside a lock never lets go of it. So the
plumbing here uses no lock that a child could take with it:

* the stop flag is a pipe whose write end the parent closes (every child sees
  end-of-file at once). A ``multiprocessing.Event`` will not do: its
  ``set()`` waits for every process that sleeps in ``wait()`` to wake up, and
  a killed one never does, so Stop would hang forever;
* each child sends its events over a pipe of its own instead of one shared
  queue, whose write lock a dying child could keep. If a child dies in the
  middle of a message, only its own pipe ends, with end-of-file;
* in step mode a child asks for its turn over that same pipe and waits for
  the answer on it (ChildGate). The gate itself lives in the engine process
  (control.StepGate); a killed child's turn is dropped when its pipe ends, so
  Next, Continue and Stop never wait for a dead child.

A child that dies is reported: killed by a signal from outside, or ended by
an error of its own (an exception, or exit code above 0). The latter makes
the run end in error: a run that lost an actor cannot claim "ok".
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from .control import ChildControl, Control, StepGate
from .emitter import ChildEmitter, Emitter
from .errors import out_of_room

#: The only start method we use. See DESIGN.md, rule 2.
CONTEXT = multiprocessing.get_context("spawn")


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def close_queue(q) -> None:
    """Close this process's ends of a ``multiprocessing.Queue`` for good.

    ``close()`` says "no more puts from here" and ``join_thread()`` waits
    until the queue's feeder thread has written everything put so far into the
    pipe. Neither closes the pipe's ends in every case (they stay open until
    the queue is garbage-collected), so this closes them too.
    """
    q.close()
    q.join_thread()
    for end in (q._reader, q._writer):
        end.close()


class _StopLine:
    """A stop flag shared with child processes that no dead child can jam.

    The parent keeps the write end of a pipe and closes it to say "stop".
    Each child waits on its read end, which becomes readable (end-of-file)
    at that moment. Nothing is ever written, and no lock is involved.
    """

    def __init__(self, ctx):
        self.reader, self._writer = ctx.Pipe(duplex=False)
        self._lock = threading.Lock()

    def set(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def is_set(self) -> bool:
        return self._writer is None

    def close(self) -> None:
        self.set()
        self.reader.close()


class _ChildStop:
    """The child's end of a _StopLine, with the interface of an Event."""

    def __init__(self, reader):
        self._reader = reader
        self._local = False            # once seen (or set here), stop stays set

    def set(self) -> None:
        self._local = True

    def is_set(self) -> bool:
        return self.wait(0)

    def wait(self, timeout: float | None = None) -> bool:
        if not self._local:
            try:
                self._local = self._reader.poll(timeout)
            except (OSError, EOFError):  # a broken pipe (Windows) also means "stop"
                self._local = True
        return self._local


class _EventLine:
    """The child's end of its pipe: ``put(batch)`` sends one list of events.

    The pipe is two-way: in step mode the child also asks for its turn on it
    (an int) and reads the engine's answer (the same int) from it.

    A process that a lesson makes with ``os.fork()`` inside a child (the pipes
    lesson) cannot emit: it would write into its parent's pipe, and two
    writers' messages could interleave. Its events are dropped; it reports to
    its parent in its own way (the pipes lesson uses its exit status).
    """

    def __init__(self, conn):
        self._conn = conn
        self._lock = threading.Lock()  # the caller and the flusher thread both send

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def put(self, batch: list | int) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.send(batch)

    def answer(self, timeout: float) -> int | None:
        """The engine's next answer, None if none came in ``timeout`` seconds.

        Raises EOFError or OSError when the engine is gone."""
        conn = self._conn
        if conn is None:
            raise EOFError
        return conn.recv() if conn.poll(timeout) else None

    def _after_fork(self) -> None:     # called in a forked child (see ChildEmitter)
        self._lock = threading.Lock()
        self._conn = None


class ChildGate:
    """The child's end of the step gate (control.StepGate holds the queue).

    To pass, the child sends its turn number on its pipe and waits for the
    engine to send that number back. It waits a short while at a time, so it
    notices Stop (a closed pipe, never a lock) and the end of step mode.
    Answers come in order; an older one (a turn the child gave up on when
    Stop or Continue came) is skipped.
    """

    def __init__(self, flag, line: _EventLine):
        self._flag = flag              # shared byte: step mode on (read only here)
        self._line = line
        self._turn = 0
        self._one_at_a_time = threading.Lock()  # the threads of this process queue here
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    @property
    def on(self) -> bool:
        return bool(self._flag.value) and self._line.connected

    def wait_turn(self, stop) -> None:
        while not self._one_at_a_time.acquire(timeout=0.1):
            if stop.is_set() or not self.on:
                return
        try:
            if stop.is_set() or not self.on:
                return
            self._turn += 1
            self._line.put(self._turn)
            while self.on and not stop.is_set():
                answer = self._line.answer(0.1)
                if answer is not None and answer >= self._turn:
                    return
        except (EOFError, OSError):    # the engine is gone: nobody to wait for
            return
        finally:
            self._one_at_a_time.release()

    def _after_fork(self) -> None:
        self._one_at_a_time = threading.Lock()


class _ChildLink:
    """The engine's end of one child's pipe: events and turns come in, answers go out."""

    def __init__(self, conn, process):
        self.conn = conn
        self.process = process
        self.gone = False              # set by StepGate.leave: never answer again

    @property
    def actor(self) -> str:
        """The child as its events name it."""
        return f"{self.process.name} pid {self.process.pid}"

    def answer(self, turn: int) -> bool:
        """Tell the child its turn has come. False if the child is gone.

        Python ignores SIGPIPE, so a dead child's pipe raises here instead."""
        try:
            self.conn.send(turn)
            return True
        except OSError:                # also when our end is closed already
            return False


def _child_entry(target: Callable, name: str, link, stop_reader, speed, gate_flag, started,
                 index: int, t0: float, source_file: str | None, args: tuple) -> None:
    # Ctrl+C in a terminal reaches the whole process group; the parent decides
    # when children end, so they ignore it unless a lesson installs a handler.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    line = _EventLine(link)
    gate = ChildGate(gate_flag, line) if gate_flag is not None else None
    stop = ChildControl(_ChildStop(stop_reader), speed, gate)
    emit = ChildEmitter(line, t0, source_file, actor=f"{name} pid {os.getpid()}",
                        control=stop)
    if index < len(started):
        started[index] = 1             # from here on, close() gives us time to end
    failed = False
    try:
        if not stop.is_set():          # after Stop, close() may end us any moment
            target(emit, stop, *args)
    except BaseException as exc:
        failed = True
        emit(f"{type(exc).__name__}: {exc}", kind="error",
             data={"traceback": traceback.format_exc()})
    finally:
        emit.close()
    # By the time atexit handlers run, multiprocessing has flushed this
    # process's queues, joined its threads and flushed stdout. Tearing the
    # interpreter down after that costs 20-30 ms of CPU per child and does
    # nothing a lesson needs; with many children it was most of Stop's time.
    # The exit code tells the parent whether the lesson code failed here.
    atexit.register(os._exit, 1 if failed else 0)


class ProcessGroup:
    """The child processes of one run, with one thread that relays their events."""

    GRACE = 0.5       # seconds a child gets to notice Stop before terminate()
    TERM_GRACE = 0.5  # seconds after terminate() before kill()
    DRAIN = 1.0       # seconds, after the last child is reaped, to read what it sent
    MAX_TRACKED = 256  # children whose start-up close() tracks (later ones get GRACE)

    def __init__(self, emit: Emitter, stop: Control):
        self.ctx = CONTEXT
        self._emit = emit
        self._stop = stop
        gate = stop.gate
        self._gate = gate if isinstance(gate, StepGate) else None  # None in a child
        _start_resource_tracker()
        self._stop_line = _StopLine(self.ctx)
        self._speed = self.ctx.Value("d", stop.speed, lock=False)
        # started[i] = 1 once child i is about to run lesson code (see close).
        self._started = self.ctx.Array("b", self.MAX_TRACKED, lock=False)
        self.processes: list = []
        self._links: list[_ChildLink] = []   # one pipe per child, read by the relay
        self._links_lock = threading.Lock()
        self._sent: dict[int, set[int]] = {}  # pid -> the signals we sent it ourselves
        self._reported: set[int] = set()
        #: One dict (name, pid, exitcode) per child that a signal from outside ended.
        self.killed: list[dict] = []
        #: One dict (name, pid, exitcode) per child that an error of its own ended.
        self.failed: list[dict] = []
        self._closing = threading.Event()
        self._relay = threading.Thread(target=self._relay_loop, name="relay", daemon=True)
        try:
            self._relay.start()
        except RuntimeError as exc:
            self._stop_line.close()
            refused = out_of_room("the relay thread", exc)
            if refused is None:
                raise
            raise refused from exc

    # -- starting and waiting -------------------------------------------------
    def start(self, target: Callable, *args: Any, name: str, daemon: bool = False):
        """Run ``target(emit, stop, *args)`` in a new process called ``name``."""
        ours, theirs = self.ctx.Pipe(duplex=True)
        process = self.ctx.Process(
            target=_child_entry, name=name, daemon=daemon,
            args=(target, name, theirs, self._stop_line.reader, self._speed,
                  self._gate.flag if self._gate else None, self._started,
                  len(self.processes), self._emit.t0, self._emit.source_file, args))
        try:
            process.start()
        except BaseException as exc:
            ours.close()
            refused = out_of_room(f"process {name}", exc)
            if refused is None:
                raise
            raise refused from exc
        finally:
            # The child has its own copy now. Ours would keep the pipe open
            # after the child ends, and the relay would never see end-of-file.
            theirs.close()
        self.processes.append(process)
        with self._links_lock:
            self._links.append(_ChildLink(ours, process))
        return process

    def wait(self, processes: Iterable | None = None, timeout: float | None = None) -> bool:
        """Wait until the given processes (default: all) end, or Stop, or timeout.

        Returns True if they all ended. A child that died is reported.
        """
        pending = list(self.processes if processes is None else processes)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pending = [p for p in pending if p.exitcode is None]
            self.report_killed()
            if not pending:
                return True
            if self._stop.is_set():
                return False
            if deadline is not None and time.monotonic() >= deadline:
                return False
            multiprocessing.connection.wait([p.sentinel for p in pending], timeout=0.1)

    def report_killed(self) -> list:
        """Report (once) each child that died: killed by a signal from outside, or
        ended by an error of its own. Returns the ones killed from outside."""
        killed = []
        for p in self.processes:
            code = p.exitcode
            if code is None or code == 0 or p.pid in self._reported or self._ours(p, code):
                continue
            self._reported.add(p.pid)
            self._leave_gate(p)
            info = {"pid": p.pid, "exitcode": code, "name": p.name}
            if code < 0:
                killed.append(p)
                self.killed.append(info)
                how = f"was killed by {signal_name(-code)}"
            else:
                self.failed.append(info)
                how = f"died of an error (exit code {code})"
            self._stop.actor_died(p.name, p.pid, "killed" if code < 0 else "failed")
            self._emit(f"{p.name} (pid {p.pid}) {how}", kind="error", data=info)
        return killed

    def _ours(self, process, code: int) -> bool:
        """Did our own terminate() or kill() end it? A SIGKILL from outside
        that lands just before our SIGTERM still counts as a kill from outside."""
        sent = self._sent.get(process.pid, set())
        return -code in sent if code < 0 else bool(sent)

    def terminate(self, process) -> None:
        """End one child now, as the lesson's own choice (not reported as a kill)."""
        if process.exitcode is None:
            self._sent.setdefault(process.pid, set()).add(signal.SIGTERM)
            process.terminate()

    # -- ending ---------------------------------------------------------------
    def close(self) -> None:
        """Stop, terminate, kill, and reap every child; then stop the relay."""
        self._stop_line.set()
        # A child still starting up has run no lesson code, and now will not
        # (it looks at Stop first): end it at once instead of waiting for it.
        for i, p in enumerate(self.processes[:self.MAX_TRACKED]):
            if not self._started[i]:
                self.terminate(p)
        deadline = time.monotonic() + self.GRACE
        for p in self.processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.processes:
            if p.exitcode is None:
                self.terminate(p)
        deadline = time.monotonic() + self.TERM_GRACE
        for p in self.processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.processes:
            if p.exitcode is None:
                self._sent.setdefault(p.pid, set()).add(signal.SIGKILL)
                p.kill()
                p.join()
        self.report_killed()
        for p in self.processes:       # every child is reaped: none waits for a turn
            self._leave_gate(p)
        self._closing.set()
        self._relay.join()
        for p in self.processes:
            p.close()
        self._stop_line.close()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _leave_gate(self, process) -> None:
        """A child has ended: its turn in step mode, if it waited, goes to the next."""
        if self._gate is None:
            return
        with self._links_lock:
            links = [link for link in self._links if link.process is process]
        for link in links:
            self._gate.leave(link)

    # -- the relay thread -------------------------------------------------------
    def _relay_loop(self) -> None:
        give_up = None
        while True:
            if self._stop.is_set():
                self._stop_line.set()
            if self._speed.value != self._stop.speed:
                self._speed.value = self._stop.speed
            with self._links_lock:
                links = {link.conn: link for link in self._links}
            if self._closing.is_set():
                # Every child is reaped; read each pipe to its end. Only a
                # grandchild that kept a copy of a pipe can delay that end.
                give_up = give_up or time.monotonic() + self.DRAIN
                if not links or time.monotonic() > give_up:
                    for link in links.values():
                        self._hang_up(link)
                    return
            if not links:
                self._closing.wait(0.05)
                continue
            for conn in multiprocessing.connection.wait(list(links), timeout=0.05):
                link = links[conn]
                try:
                    message = conn.recv()
                except Exception:      # end-of-file: the child is gone (or died mid-send)
                    self._hang_up(link)
                    continue
                if isinstance(message, int):   # step mode: the child asks for a turn
                    if self._gate is not None:
                        self._gate.arrive(link, message)
                    else:
                        link.answer(message)
                    continue
                for item in message:
                    self._emit.forward(item)

    def _hang_up(self, link: _ChildLink) -> None:
        with self._links_lock:
            self._links.remove(link)
        if self._gate is not None:
            self._gate.leave(link)     # first, so that no answer goes to a closed pipe
        link.conn.close()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, before a lesson makes a lock.

    A multiprocessing lock or queue is a named semaphore in /dev/shm that the
    tracker removes once nobody uses it. The tracker starts with the first
    one; if that start fails (too many processes), the semaphore is already
    made and nobody ever removes it. Starting the tracker first means a
    start-up that fails has made nothing yet.
    """
    if os.name != "posix":
        return
    from multiprocessing import resource_tracker
    try:
        resource_tracker.ensure_running()
    except (OSError, RuntimeError) as exc:
        refused = out_of_room("multiprocessing's resource tracker", exc)
        if refused is None:
            raise
        raise refused from exc
