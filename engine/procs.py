"""Child processes for lessons: start them, hear them, and always reap them.

A lesson that needs processes writes::

    with ProcessGroup(emit, stop) as group:
        worker = group.start(producer, queue, 1, name="producer-1")
        group.wait([worker])

``producer(emit, stop, queue, 1)`` then runs in a fresh process (spawn start
method: the same on every OS, and safe next to Tk). Its ``emit`` and ``stop``
work as in the parent. Leaving the ``with`` block asks every child to stop,
then terminates, then kills, and always joins, so no zombie remains.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue as queue_mod
import signal
import threading
import time
import traceback
from typing import Any, Callable, Iterable

from .control import ChildControl, Control
from .emitter import ChildEmitter, Emitter

#: The only start method we use. See DESIGN.md, rule 2.
CONTEXT = multiprocessing.get_context("spawn")


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _child_entry(target: Callable, name: str, events, stop_event, speed, t0: float,
                 source_file: str | None, args: tuple) -> None:
    # Ctrl+C in a terminal reaches the whole process group; the parent decides
    # when children end, so they ignore it unless a lesson installs a handler.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    emit = ChildEmitter(events, t0, source_file, actor=f"{name} pid {os.getpid()}")
    stop = ChildControl(stop_event, speed)
    try:
        target(emit, stop, *args)
    except BaseException as exc:
        emit(f"{type(exc).__name__}: {exc}", kind="error",
             data={"traceback": traceback.format_exc()})
    finally:
        emit.close()


class ProcessGroup:
    """The child processes of one run, with one thread that relays their events."""

    GRACE = 0.5       # seconds a child gets to notice Stop before terminate()
    TERM_GRACE = 0.5  # seconds after terminate() before kill()

    def __init__(self, emit: Emitter, stop: Control):
        self.ctx = CONTEXT
        self._emit = emit
        self._stop = stop
        self._events = self.ctx.Queue()
        self._child_stop = self.ctx.Event()
        self._speed = self.ctx.Value("d", stop.speed, lock=False)
        self.processes: list = []
        self._ended_by_us: set[int] = set()
        self._reported: set[int] = set()
        self._closing = threading.Event()
        self._relay = threading.Thread(target=self._relay_loop, name="relay", daemon=True)
        self._relay.start()

    # -- starting and waiting -------------------------------------------------
    def start(self, target: Callable, *args: Any, name: str, daemon: bool = False):
        """Run ``target(emit, stop, *args)`` in a new process called ``name``."""
        process = self.ctx.Process(
            target=_child_entry, name=name, daemon=daemon,
            args=(target, name, self._events, self._child_stop, self._speed,
                  self._emit.t0, self._emit.source_file, args))
        process.start()
        self.processes.append(process)
        return process

    def wait(self, processes: Iterable | None = None, timeout: float | None = None) -> bool:
        """Wait until the given processes (default: all) end, or Stop, or timeout.

        Returns True if they all ended. A child killed from outside is reported.
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
        """Report (once) each child that a signal from outside ended."""
        killed = []
        for p in self.processes:
            code = p.exitcode
            if code is not None and code < 0 and p.pid not in self._ended_by_us \
                    and p.pid not in self._reported:
                self._reported.add(p.pid)
                killed.append(p)
                self._emit(f"{p.name} (pid {p.pid}) was killed by {signal_name(-code)}",
                           kind="error", data={"pid": p.pid, "exitcode": code,
                                               "name": p.name})
        return killed

    def terminate(self, process) -> None:
        """End one child now, as the lesson's own choice (not reported as a kill)."""
        if process.exitcode is None:
            self._ended_by_us.add(process.pid)
            process.terminate()

    # -- ending ---------------------------------------------------------------
    def close(self) -> None:
        """Stop, terminate, kill, and reap every child; then stop the relay."""
        self._child_stop.set()
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
                self._ended_by_us.add(p.pid)
                p.kill()
                p.join()
        self.report_killed()
        self._closing.set()
        self._relay.join()
        for p in self.processes:
            p.close()
        self._events.close()
        self._events.join_thread()
        # The reading end is not closed by Queue.close() in every version.
        self._events._reader.close()

    def __enter__(self) -> "ProcessGroup":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the relay thread -------------------------------------------------------
    def _relay_loop(self) -> None:
        while True:
            if self._stop.is_set() and not self._child_stop.is_set():
                self._child_stop.set()
            if self._speed.value != self._stop.speed:
                self._speed.value = self._stop.speed
            try:
                batch = self._events.get(timeout=0.05)
            except queue_mod.Empty:
                if self._closing.is_set():
                    return
                continue
            except (EOFError, OSError):
                return
            for item in batch:
                self._emit.forward(item)
