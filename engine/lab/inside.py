"""The lab's side: what runs inside the lab process (and its children) around the program.

``python -m engine.lab.inside PROGRAM [ARGS]`` is started by :mod:`engine.lab.run`.
It connects to the engine, installs the watchers below, and only then runs
PROGRAM as ``__main__``, so every name the program imports is already the
watched one.

- capture: ``sys.stdout``/``sys.stderr`` become writers that report each write
  (``terminal``: the raw text, in order) and each finished line (``output``),
  with the actor and the program line that wrote it;
- sampler: a thread that reads every thread's frame every ``SAMPLE_PERIOD``
  and reports the program line each one is on (``line``) when it changes;
  it also sends the gathered events, so one thread does both;
- speed: ``time.sleep`` scaled by the live speed (``sleep`` events say what
  was asked and what it became);
- control: a thread that obeys ``stop``, ``speed``, ``step on``/``step off``
  and ``next IDENT`` lines from the engine;
- step mode: before each statement of the program a thread waits in
  ``gate_line`` (called by the tracer of :mod:`engine.lab.stepping`) until
  the engine lets it go;
- probes: the taught primitives report each use by the program, with its line
  (``state`` lane changes and ``probe`` events; see :mod:`engine.lab.probes`);
- children: ``os.register_at_fork`` starts all of this afresh in a forked
  child; spawned Python children get it from ``startup/sitecustomize.py``;
- without: the names ``PYSYSLAB_WITHOUT`` lists (``os.fork``, ``signal.alarm``,
  ``os.killpg``...) are removed first, so the lab and the program run as
  where they do not exist (:mod:`engine.lab.without`).

What the lab uses that not every system has, and what it does without:

- ``os.register_at_fork`` (not on Windows, which cannot fork): nothing to follow;
- ``signal.pthread_sigmask`` (not on Windows): the lab's threads cannot leave
  signals to the program's (Windows delivers the few it has to the main
  thread anyway), and a Stop may cut a batch bigger than a socket's buffer;
- ``signal.pthread_kill`` (not on Windows): Stop raises SIGINT with
  ``signal.raise_signal`` from the control thread; Windows then runs the C
  handler there, which wakes the main thread's ``sleep``, not an ``acquire``;
- ``os.killpg``/``os.getpgrp`` (not on Windows): a lab whose engine died
  kills the multiprocessing children it knows, then itself;
- Unix sockets (not on Windows): TCP on 127.0.0.1 (``wire.listen``).
"""

from __future__ import annotations

import _thread
import ast
import atexit
import builtins
import collections
import functools
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
import types
from types import FrameType

from engine.lab import wire

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing and traceback (only for an error) cost ~5 ms of every start
    from typing import Any

SAMPLE_PERIOD = 0.05   # 20 samples a second: a blocked thread shows its line within ~50 ms
SLEEP_SLICE = 0.1      # a scaled sleep wakes this often to follow a speed change
LAB_DIR = os.path.dirname(os.path.abspath(__file__))

_real_sleep = time.sleep
_real_exit = os._exit
_real_start_new_thread = _thread.start_new_thread   # the lab's threads are never traced


class Lab:
    """Everything the lab keeps in one process. A forked child makes a new one."""

    def __init__(self, role: str, folder: str, speed: float, stepping: bool = False) -> None:
        self.role = role                  # "root", "fork" or "spawn"
        self.folder = folder
        self.speed = speed
        self.pid = os.getpid()
        self.stopping = False
        self.pending: list[list[Any]] = []
        # Guards pending. Re-entrant: a program's signal handler runs in the main
        # thread between any two bytecodes, also inside emit(), and may print.
        self.lock = _thread.RLock()
        # One batch on the wire at a time. Re-entrant, as above; ``sending`` tells a
        # handler run inside our own sendall() to leave its events for the next flush.
        self.send_lock = _thread.RLock()
        self.sending = False
        self.deferred: collections.deque = collections.deque()   # see emit_in_handler
        self.own_threads: set[int] = set()         # the lab's threads are not sampled
        self.stepping = stepping                   # step mode: actors wait for Next
        self.gates: dict[int, Any] = {}            # thread ident -> the lock it waits on
        self.gates_lock = _thread.allocate_lock()
        self.at_gate: set[int] = set()             # threads inside gate_line() (see there)
        #: Threads let go from the gate, until they pause again (stepping.LetGo).
        self.let_go: dict[int, Any] = {}
        #: Each thread's last step: (id of its frame, line); see stepping._on_event.
        self.last_step: dict[int, tuple[int, int]] = {}
        #: The program is a script with no ``main()`` for the lab to call: its
        #: module-level code is stepped too (see engine.lab.stepping).
        self.steps_module = False
        #: A multiprocessing child says who it is (its ``process`` event) only once
        #: multiprocessing has named it: until then it would be "child pid N", and
        #: the window would show two lanes for one process. See _announce.
        self.unnamed = False
        self.parent: int | None = None
        #: A helper of multiprocessing (the forkserver), not the learner's process:
        #: watched, so that the children it forks are, but never announced.
        self.quiet = False
        self.sock = _connect()


_state: Lab | None = None
#: engine.lab.stepping, imported by install() (it imports us); None in a run that
#: never steps (wire.NEVER: the command line), which loads no step machinery.
_stepping: types.ModuleType | None = None
_in_program_cache: dict[str, bool] = {}
_thread_names: dict[int, str] = {}
_thread_numbers = itertools.count(1)


def _connect() -> socket.socket | None:
    address = os.environ.get(wire.ENV_SOCKET)
    if not address:
        return None
    try:
        sock = wire.connect(address)
    except (OSError, ValueError):
        return None   # the engine is gone; the program still runs, unwatched
    try:
        sock.sendall(wire.hello(os.environ.get(wire.ENV_SECRET, ""), os.getpid()))
    except OSError:
        sock.close()
        return None
    return sock


# --- where: the program's own frames -------------------------------------------------

def _in_program(filename: str) -> bool:
    known = _in_program_cache.get(filename)
    if known is None:
        path = os.path.abspath(filename)
        known = (path.startswith(_state.folder + os.sep)
                 and not path.startswith(LAB_DIR + os.sep))
        _in_program_cache[filename] = known
    return known


def _program_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame, from ``frame`` outwards, that runs a file of the program."""
    while frame is not None and not _in_program(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


# --- who: the actor -------------------------------------------------------------------

def _thread_name(ident: int) -> str:
    known = threading._active.get(ident)   # no lookup that would create a _DummyThread
    if known is not None:
        return known.name
    # A thread started with _thread.start_new_thread has no name: number them as seen.
    name = _thread_names.get(ident)
    if name is None:
        name = _thread_names.setdefault(ident, f"thread-{next(_thread_numbers)}")
    return name


def _process_name() -> str:
    mp = sys.modules.get("multiprocessing")
    name = mp.current_process().name if mp is not None else "MainProcess"
    return "child" if name == "MainProcess" else name


def _actor(ident: int) -> str:
    name = _thread_name(ident)
    if _state.role == "root":
        return name
    process = f"{_process_name()} pid {os.getpid()}"
    return process if name == "MainThread" else f"{name} of {process}"


# --- sending ------------------------------------------------------------------------

def emit(kind: str, actor: str, text: str, data: Any = None, line: int | None = None) -> None:
    lab = _state
    if lab.unnamed:
        _announce_when_named(lab)
    if lab.stepping and _stepping.needs_joining(lab):
        _stepping.join_in()   # a thread running since before step mode came on (3.10, 3.11)
    with lab.lock:
        lab.pending.append([time.monotonic(), actor, kind, text, data, line, lab.pid])
        full = len(lab.pending) >= wire.BATCH
    if full:
        flush()


def emit_lines(actor: str, data: dict, line: int | None, screen: str, lines: list[str]) -> None:
    """One ``terminal`` event for ``screen`` and an ``output`` event per line, in one go."""
    lab = _state
    now = time.monotonic()
    with lab.lock:
        lab.pending.append([now, actor, "terminal", screen, data, line, lab.pid])
        lab.pending.extend([now, actor, "output", one, data, line, lab.pid] for one in lines)
        full = len(lab.pending) >= wire.BATCH
    if full:
        flush()


# --- step mode ------------------------------------------------------------------------

def gate_line(file: str, line: int) -> None:
    """In step mode, the calling program thread waits here, before ``line``, until Next.

    Called by the tracer (``engine.lab.stepping``) before each line of the
    program. The thread says so first (a ``paused`` event with its thread's
    ident), so the engine knows who waits where and can wake one actor of one
    process at a time ("next IDENT"). The lab's own threads never wait. Stop
    and "step off" wake everyone. The wait is a plain lock, so a Stop's SIGINT
    still interrupts a paused main thread (the exception leaves the trace
    function, which Python then removes, and enters the program's line).

    A signal handler runs in the main thread while it waits here (the wait is
    interrupted for it). It runs untraced (Python does not trace inside a
    trace function), so it does not wait again: it runs through, as it would
    between two steps, and the thread keeps its one place in line.
    """
    lab = _state
    ident = _thread.get_ident()
    if ident in lab.own_threads or ident in lab.at_gate:
        return
    lab.at_gate.add(ident)
    try:
        lab.let_go.pop(ident, None)
        wake = _thread.allocate_lock()
        wake.acquire()
        with lab.gates_lock:
            if not lab.stepping:
                return
            lab.gates[ident] = wake
        emit("paused", _actor(ident), f"waits for Next at line {line}",
             {"ident": ident, "file": file}, line)
        flush()
        try:
            wake.acquire()
        finally:
            with lab.gates_lock:
                lab.gates.pop(ident, None)
        if lab.stepping:
            lab.let_go[ident] = _stepping.LetGo(threading.get_native_id())
    finally:
        lab.at_gate.discard(ident)


def _open_gates(lab: Lab, ident: int | None = None) -> None:
    """Wake one waiting thread (``ident``), or every one."""
    with lab.gates_lock:
        waiting = [lab.gates.get(ident)] if ident is not None else list(lab.gates.values())
        for wake in waiting:
            if wake is not None and wake.locked():
                wake.release()


def emit_in_handler(kind: str, actor: str, text: str, data: Any = None,
                    line: int | None = None) -> None:
    """``emit`` for a signal handler, which may run in the middle of an ``emit`` or a
    ``flush`` of its own thread, holding the locks it would wait for: it never waits
    and never sends. If the lock is taken, the event waits in ``deferred`` (a deque:
    appending needs no lock) for the next flush."""
    lab = _state
    event = [time.monotonic(), actor, kind, text, data, line, lab.pid]
    if lab.lock.acquire(False):
        try:
            lab.pending.append(event)
        finally:
            lab.lock.release()
    else:
        lab.deferred.append(event)


def flush() -> None:
    lab = _state
    if lab.lock._is_owned():
        # A signal handler that runs while this thread holds the event lock (in
        # emit): sending now could wait for a sender that waits for that lock.
        # The events stay queued for the next flush.
        return
    # A Stop's SIGINT must not cut a batch in half (the engine would lose it and the
    # next): it waits, blocked in this thread, until the batch is on the wire.
    # (Without pthread_sigmask, Windows: sendall sends a batch that fits the
    # socket's buffer whole before it looks at signals.)
    blocked = _block_sigint()
    try:
        with lab.send_lock:
            if lab.sending:
                return   # a signal handler inside this thread's own sendall()
            lab.sending = True
            try:
                with lab.lock:
                    batch, lab.pending = lab.pending, []
                while lab.deferred:
                    batch.append(lab.deferred.popleft())
                if batch and lab.sock is not None:
                    try:
                        lab.sock.sendall(wire.encode_batch(batch))
                    except OSError:
                        lab.sock = None   # the engine went away; keep running, unwatched
            finally:
                lab.sending = False
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _block_sigint() -> set | None:
    """Block SIGINT in this thread; the mask before, to put back (None: no masks here)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _caller() -> FrameType | None:
    """The frame that called our caller, or None when C code called it with no Python frame
    below (the interpreter writing ``sys.exit("message")``'s text at exit)."""
    try:
        return sys._getframe(2)
    except ValueError:
        return None


def _where(frame: FrameType | None) -> tuple[str | None, int | None]:
    found = _program_frame(frame)
    if found is None:
        return None, None
    return found.f_code.co_filename, found.f_lineno


# --- capture ------------------------------------------------------------------------

class Capture:
    """A text stream that reports what is written instead of writing it.

    It behaves as Python's own stdout does on a terminal (line buffered): the
    pieces every thread writes go into ONE shared buffer, which is sent as one
    ``terminal`` event when a piece holds a newline, on ``flush()`` and at exit.
    So the Terminal view shows exactly what a terminal would, including lines
    garbled by threads that switch in the middle of a ``print()``. Separately,
    each thread's own pieces are joined into its lines, one ``output`` event per
    line, so a log can show whole lines per actor. A ``print()`` costs two events.

    Comparing the two, it counts the *garbled* lines: a line of the screen that
    is not the line its last writer wrote, because another thread's pieces
    came in between (``garbled``; ``writers`` are the threads that ended a line).
    """

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, name: str, real) -> None:
        self.name = name
        self._real = real
        self._screen = ""                    # shared, as a real stream's buffer is
        # Keeps buffer and event order together. Re-entrant: a signal handler that
        # prints runs in the main thread, maybe in the middle of that thread's print().
        self._lock = _thread.RLock()
        self._partial: dict[int, str] = {}   # each thread's unfinished line (its own key)
        self._line = ""                      # the screen's unfinished line, sent or not
        self.garbled = 0
        self.writers: set[int] = set()

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        ident = _thread.get_ident()
        mine = self._partial.get(ident, "") + text
        with self._lock:
            self._screen += text
            if "\n" not in text:
                self._partial[ident] = mine
                return len(text)   # the common piece of a print(): no event yet
            screen, self._screen = self._screen, ""
            *lines, rest = mine.split("\n")
            self._count_garbled(screen, lines, ident)
            if rest:
                self._partial[ident] = rest
            else:
                self._partial.pop(ident, None)
            file, line = _where(_caller())
            emit_lines(_actor(ident), {"stream": self.name, "file": file}, line, screen, lines)
        return len(text)

    def _count_garbled(self, screen: str, lines: list[str], ident: int) -> None:
        # ``screen`` holds as many newlines as this thread's text, so the screen's
        # finished lines pair up with the thread's own lines, one for one.
        shown = (self._line + screen).split("\n")
        self._line = shown.pop()
        self.garbled += sum(seen != meant for seen, meant in zip(shown, lines, strict=False))
        self.writers.add(ident)

    def flush(self) -> None:
        with self._lock:
            screen, self._screen = self._screen, ""
            self._line += screen
            if screen:
                emit_lines(_actor(_thread.get_ident()), {"stream": self.name}, None, screen, [])

    def finish_lines(self) -> None:
        """At exit: send what is still buffered, and the lines left without a newline."""
        self.flush()
        for ident, rest in list(self._partial.items()):
            emit("output", _actor(ident), rest, {"stream": self.name}, None)
        self._partial.clear()

    def after_fork(self) -> None:
        # The buffer stays: a real child inherits its parent's unflushed output too
        # (and prints it again). The lock may have been held by a thread that is gone.
        self._lock = _thread.RLock()
        self._partial.clear()
        self.garbled, self.writers = 0, set()   # the child's lines are its own to count

    @property
    def buffer(self) -> _BytesView:
        return _BytesView(self)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._real.fileno()   # writes there reach the engine as raw "fd" output


class _BytesView:
    """``sys.stdout.buffer`` for programs that write bytes: decoded, then captured."""

    def __init__(self, text: Capture) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.write(bytes(data).decode("utf-8", "surrogateescape"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


# --- speed --------------------------------------------------------------------------

@functools.wraps(_real_sleep)
def scaled_sleep(seconds):
    if not isinstance(seconds, (int, float)) or seconds < 0:
        return _real_sleep(seconds)   # the real one raises what it raises
    file, line = _where(sys._getframe(1))
    if file is not None:
        speed = _state.speed
        emit("sleep", _actor(_thread.get_ident()), f"sleep({seconds})",
             {"requested": seconds, "scaled": seconds / speed, "speed": speed, "file": file},
             line)
    # Count what is left in the program's seconds, so a speed change applies at once.
    remaining = float(seconds)
    if remaining == 0:
        _real_sleep(0)   # sleep(0) still lets other threads run, as the real one does
    while remaining > 0:
        speed = _state.speed
        began = time.monotonic()
        _real_sleep(min(remaining / speed, SLEEP_SLICE))
        remaining -= (time.monotonic() - began) * speed


# --- the lab's threads ------------------------------------------------------------

def _become_a_lab_thread(lab: Lab) -> None:
    """Mark the calling thread as the lab's, and leave every signal to the program.

    The kernel gives a signal sent to the process to any thread that does not
    block it. Were it one of ours, the program's main thread, asleep in
    ``signal.pause()``, would sleep on (Python runs the handler in the main
    thread, but only once that thread wakes). Blocked here, signals reach a
    thread of the program, as they would without the lab.
    """
    lab.own_threads.add(_thread.get_ident())
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())


def _sample_forever(lab: Lab) -> None:
    _become_a_lab_thread(lab)
    last: dict[int, tuple[str, int]] = {}
    while lab is _state:
        _real_sleep(SAMPLE_PERIOD)
        _sample_once(lab, last)
        flush()


#: What else the sampler does at each look (``on_sample``): a probe's periodic report.
_sample_hooks: list = []


def on_sample(hook) -> None:
    """Have the sampler call ``hook()`` after each look, and ``hook(final=True)`` once
    when the process ends: a probe that counts (a walk's folders) reports from here,
    a few times a second, instead of from the program's thread at every call."""
    _sample_hooks.append(hook)


def _sample_once(lab: Lab, last: dict[int, tuple[str, int]]) -> None:
    """One look at every thread: report those whose program line changed."""
    if lab.quiet or (lab.unnamed and not _announce_when_named(lab)):
        return   # not the learner's process, or not named yet (see _announce)
    for hook in _sample_hooks:
        hook()
    frames = sys._current_frames()
    if lab.let_go:
        _stepping.look_for_blocked(lab, frames)
    for ident, frame in frames.items():
        if ident in lab.own_threads:
            continue
        found = _program_frame(frame)
        if found is None:
            continue
        where = (found.f_code.co_filename, found.f_lineno)
        if last.get(ident) != where:
            last[ident] = where
            emit("line", _actor(ident), found.f_code.co_name,
                 {"file": where[0], "function": found.f_code.co_name}, where[1])
    for ended in set(last) - set(frames):
        del last[ended]


def _obey_forever(lab: Lab) -> None:
    _become_a_lab_thread(lab)
    sock = lab.sock   # flush() may drop lab.sock when the engine goes
    if sock is None:
        return   # not watched (no engine): nobody to obey
    pending = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            order, pending = pending.split(b"\n", 1)
            _obey(lab, order.decode("ascii", "replace").split())
    if lab.role == "root" and lab is _state:
        # The engine closed our connection without a Stop: it was killed or crashed.
        # The lab never outlives it.
        _end_the_run()


def _end_the_run() -> None:
    """Kill the run: the lab's whole process group, or what can be found without one.

    Only as the leader of its own group, as start_lab makes it, is the group
    the run and nothing else. Without process groups (Windows), the lab kills
    the multiprocessing children it knows, then ends itself; a process the
    program started otherwise is not found (the engine's side has the same
    limit: engine.lab.run.LabRun._kill_group).
    """
    if hasattr(os, "killpg") and hasattr(os, "getpgrp"):
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        for child in mp.active_children():
            try:
                child.kill()
            except OSError:
                pass   # it ended meanwhile
    _real_exit(1)


def _obey(lab: Lab, words: list[str]) -> None:
    if words == ["step", "on"]:
        if not lab.stepping and _stepping is not None:
            _stepping.turn_on(lab)
    elif words == ["step", "off"]:
        _step_off(lab)
    elif len(words) == 2 and words[0] == "next" and words[1].isdigit():
        _open_gates(lab, int(words[1]))
    elif words == ["stop"]:
        _step_off(lab)   # a paused thread must be free to end (or to be interrupted)
    if words == ["stop"] and lab.role == "root":
        lab.stopping = True
        _interrupt_main()
    elif len(words) == 2 and words[0] == "speed":
        try:
            lab.speed = max(float(words[1]), 1e-3)
        except ValueError:
            pass


def _step_off(lab: Lab) -> None:
    if _stepping is not None:
        _stepping.turn_off(lab)
        _open_gates(lab)


def _interrupt_main() -> None:
    """SIGINT for the program's main thread, as Ctrl-C in a terminal.

    A real SIGINT to the main thread wakes it when it is blocked in sleep() or
    acquire(). _thread.interrupt_main() only sets a flag, which a blocked main
    thread does not see until its call returns. Without pthread_kill (Windows)
    raise_signal runs the C handler in this thread: it sets that flag and, on
    Windows, the event the main thread's sleep() waits on.
    """
    try:
        if hasattr(signal, "pthread_kill"):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        else:
            signal.raise_signal(signal.SIGINT)
    except OSError:
        pass   # the main thread has ended; the engine's kill after the grace ends the rest


def _start_threads(lab: Lab) -> None:
    _real_start_new_thread(_sample_forever, (lab,))
    _real_start_new_thread(_obey_forever, (lab,))


# --- install ------------------------------------------------------------------------

@functools.wraps(_real_exit)
def _exit_after_flush(status):
    # os._exit skips atexit: a forked child ending with it would lose its last events.
    try:
        _finish()
    finally:
        _real_exit(status)


def _say_ending() -> None:
    """Tell the engine this process ends by itself (a process that never says so was killed)."""
    lab = _state
    if lab is not None and not lab.quiet and not getattr(lab, "said_ending", False):
        lab.said_ending = True
        emit("process", _actor(_thread.get_ident()), "ending",
             {"role": lab.role, "ending": True})
        flush()


def _finish() -> None:
    lab = _state
    if lab is not None and not lab.quiet and not lab.unnamed:
        for hook in _sample_hooks:
            hook(final=True)
    _say_ending()
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, Capture):
            stream.finish_lines()
    flush()


def _after_fork_in_child() -> None:
    global _state
    parent = _state
    if parent.sock is not None:
        parent.sock.close()   # the parent's connection; the child speaks on its own
    _thread_names.clear()
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, Capture):
            stream.after_fork()
    _state = Lab("fork", parent.folder, parent.speed, parent.stepping)
    _state.steps_module = parent.steps_module
    _announce(os.getppid(), _forked_by_multiprocessing())
    _start_threads(_state)


# --- who a child process is -------------------------------------------------------------

#: Helpers multiprocessing starts on its own, found by their command line
#: (``python -c 'from multiprocessing.resource_tracker import main; ...'``).
RESOURCE_TRACKER = "multiprocessing.resource_tracker"
FORKSERVER = "multiprocessing.forkserver"


def _command_line() -> str:
    return " ".join(getattr(sys, "orig_argv", sys.argv))


def _forked_by_multiprocessing() -> bool:
    """Whether this fresh fork is a multiprocessing child, not yet given its Process.

    Read from the forking thread's stack, which the child inherits: multiprocessing's
    fork start method forks in ``popen_fork.Popen._launch``, the forkserver in its
    ``main`` loop. A plain ``os.fork()`` of the program has neither.
    """
    frame = sys._getframe()
    while frame is not None:
        path = frame.f_code.co_filename.replace(os.sep, "/")
        if path.endswith(("multiprocessing/popen_fork.py", "multiprocessing/forkserver.py")):
            return True
        frame = frame.f_back
    return False


def _announce(parent: int | None, wait_for_name: bool = False) -> None:
    """Say this process began (a ``process`` event), now, or once it has its name.

    A multiprocessing child begins as a copy of its parent (fork) or a bare Python
    (spawn, forkserver), and only becomes "consumer-1" when ``_bootstrap`` runs the
    Process object; before that ``current_process()`` is "MainProcess" and the
    actor would be "child pid N": a second lane for the same process. So such a
    child waits: its first event after the naming (or the sampler's first look
    after it) says it began, under its real name. A child that never gets a name
    (a plain ``os.fork()``) is announced at once, as "child pid N".
    """
    lab = _state
    lab.parent = parent
    if lab.quiet:
        return
    if wait_for_name and not _named():
        lab.unnamed = True
        return
    emit("process", _actor(_thread.get_ident()), f"started ({lab.role})",
         {"role": lab.role, "parent": parent})


def _named() -> bool:
    mp = sys.modules.get("multiprocessing")
    return mp is not None and mp.current_process().name != "MainProcess"


def _announce_when_named(lab: Lab) -> bool:
    """The announcement a nameless multiprocessing child owes; True once it is made."""
    if not _named():
        return False
    lab.unnamed = False
    # Maybe called from the sampler: the process is its main thread's actor.
    emit("process", _actor(threading.main_thread().ident), f"started ({lab.role})",
         {"role": lab.role, "parent": lab.parent})
    return True


def install(role: str) -> None:
    """Watch this process, once. ``role`` is "root" or "spawn"."""
    global _state
    if _state is not None:
        return
    command = _command_line() if role != "root" else ""
    if RESOURCE_TRACKER in command:
        return   # multiprocessing's own bookkeeper: not the learner's, never watched
    if os.environ.get(wire.ENV_WITHOUT):   # as on Windows or macOS (rarely set)
        from engine.lab import without
        without.from_environment()   # first: the lab itself takes its fallbacks too
    folder = os.path.abspath(os.environ.get(wire.ENV_FOLDER) or os.getcwd())
    _state = Lab(role, folder, float(os.environ.get(wire.ENV_SPEED) or 1.0),
                 os.environ.get(wire.ENV_STEPPING) == "1")
    os.environ[wire.ENV_ROLE] = "child"   # for every process started from here on
    time.sleep = scaled_sleep
    os._exit = _exit_after_flush
    sys.stdout = Capture("stdout", sys.stdout)
    sys.stderr = Capture("stderr", sys.stderr)
    if hasattr(os, "register_at_fork"):   # else nothing forks (Windows)
        os.register_at_fork(after_in_child=_after_fork_in_child)
    global _stepping
    from engine.lab import probes  # here: it imports this module
    probes.install()
    if os.environ.get(wire.ENV_STEPPING) != wire.NEVER:
        from engine.lab import stepping  # (it imports this module too)
        _stepping = stepping
        stepping.install()
    atexit.register(_finish)
    # Before atexit: multiprocessing's own atexit ends daemon children, and those
    # ends must not look like kills from outside.
    threading._register_atexit(_say_ending)
    threading.excepthook = _report_thread_error
    _state.quiet = FORKSERVER in command
    _announce(os.getppid() if role != "root" else None, "--multiprocessing-fork" in command)
    _start_threads(_state)
    if _state.stepping:
        _stepping.turn_on(_state, here=True)   # before the program's first line


# --- the root lab process ---------------------------------------------------------

def _drop_lab_frames(tb) -> None:
    """Unlink the lab's own frames (a probe between the program and the stdlib) from
    the traceback after ``tb``, so it reads as it would without the lab."""
    while tb is not None:
        following = tb.tb_next
        while following is not None and following.tb_frame.f_code.co_filename.startswith(
                LAB_DIR + os.sep):
            following = following.tb_next
        tb.tb_next = following
        tb = following


def report_error(exc: BaseException, print_it: bool = True) -> None:
    """An ``error`` event with the traceback from the program's first frame on."""
    tb = exc.__traceback__
    while tb is not None and not _in_program(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    _drop_lab_frames(tb)
    import traceback
    text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    line = file = None
    while tb is not None:
        if _in_program(tb.tb_frame.f_code.co_filename):
            file, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    if print_it:
        sys.stderr.write(text)   # a terminal would show it too
    emit("error", _actor(_thread.get_ident()), f"{type(exc).__name__}: {exc}",
         {"traceback": text, "file": file}, line)


_print_thread_error = threading.excepthook


def _report_thread_error(args) -> None:
    """An uncaught exception in a thread: printed as Python prints it, and an ``error``."""
    _drop_lab_frames(args.exc_traceback)
    _print_thread_error(args)
    if args.exc_type is not SystemExit and args.exc_value is not None:
        report_error(args.exc_value, print_it=False)


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__": main()``, exactly: the classic last lines of a program."""
    return (isinstance(node, ast.If) and not node.orelse
            and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"
            and isinstance(node.test.comparators[0], ast.Constant)
            and node.test.comparators[0].value == "__main__"
            and len(node.body) == 1 and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Call)
            and isinstance(node.body[0].value.func, ast.Name)
            and node.body[0].value.func.id == "main"
            and not node.body[0].value.args and not node.body[0].value.keywords)


def _compile_program(path: str) -> tuple[types.CodeType, bool]:
    """The program's code, and whether the lab calls its ``main()`` itself.

    A program that ends with the classic guard calling ``main()`` is run
    without those two lines, and the lab makes that very call, so that it
    sees what ``main()`` returns (the run's ``result``). Nothing else changes:
    same file, same line numbers, same ``__main__`` module.
    """
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    calls_main = bool(tree.body) and _is_main_guard(tree.body[-1])
    if calls_main:
        tree.body.pop()
    return compile(tree, path, "exec"), calls_main


def _run_program(path: str) -> None:
    """Run ``path`` as ``__main__``, as ``python PATH`` (and runpy.run_path) would."""
    code, calls_main = _compile_program(path)
    _state.steps_module = not calls_main
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __cached__=None, __loader__=None,
                           __package__=None, __spec__=None, __builtins__=builtins)
    sys.modules["__main__"] = module   # multiprocessing's spawn finds the program here
    exec(code, module.__dict__)
    if calls_main:
        _send_result(module.main())


def _send_result(result: Any) -> None:
    """``main()``'s dict as the ``result`` event. Returned after a Stop (the program
    caught the KeyboardInterrupt), it is what was done so far: said with
    ``complete`` False, unless the program says itself how complete it is."""
    if isinstance(result, dict):
        result = _with_garbled_lines(result)
        if _state.stopping and "complete" not in result:
            result = {**result, "complete": False}
        emit("result", _actor(_thread.get_ident()), _summary(result), result)


def _with_garbled_lines(result: dict) -> dict:
    """The result, plus ``garbled_lines`` when two or more threads printed lines.

    The count is the lab's: lines of the terminal that no one thread wrote
    whole (see Capture). So a program need not keep a copy of its screen to
    count them, and the count is of the real screen, not of a copy.
    """
    streams = [s for s in (sys.stdout, sys.stderr) if isinstance(s, Capture)]
    if "garbled_lines" in result or len(set().union(*(s.writers for s in streams))) < 2:
        return result
    return {**result, "garbled_lines": sum(s.garbled for s in streams)}


def _summary(result: dict) -> str:
    """The figures that are single numbers or words, as ``name=value`` for a log line."""
    shown = [f"{key}={value}" for key, value in result.items()
             if isinstance(value, (int, float, str, bool)) and len(str(value)) <= 40]
    return ", ".join(shown[:8])


def _wait_for_order() -> list[str]:
    """A lab started ahead of time: get ready, then read PROGRAM and ARGS from stdin.

    The engine writes one JSON line (program, argv, speed, stepping) when a run
    takes this lab, then closes the pipe; no line (the app ended) means: leave.
    """
    # What every lesson program imports, ready for it; and what argparse imports only
    # once it runs: shutil (for the width of the terminal) and locale (gettext looks
    # for a translation), ~5 ms of a run's start after the order otherwise.
    import argparse  # noqa: F401
    import locale  # noqa: F401
    import shutil  # noqa: F401

    from engine.lab import probes  # noqa: F401
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(0, 4096)
        if not chunk:
            raise SystemExit(0)
        line += chunk
    order = json.loads(line)
    os.environ[wire.ENV_FOLDER] = os.path.dirname(order["program"])
    os.environ[wire.ENV_SPEED] = repr(float(order["speed"]))
    stepping = order["stepping"]
    os.environ[wire.ENV_STEPPING] = wire.NEVER if stepping is None else "1" if stepping else "0"
    devnull = os.open(os.devnull, os.O_RDONLY)   # the program's stdin, as for any run
    os.dup2(devnull, 0)
    os.close(devnull)
    return [order["program"], *order["argv"]]


def _refused(exc: BaseException) -> None:
    """The lab could not start its threads: one line for a person, then exit 1."""
    message = (f"cannot start the run: the system refused ({exc}). Too many processes "
               "or threads for this user? See 'ulimit -u'.")
    if _state is not None:
        emit("error", "lab", message, {"traceback": None, "explained": True})
        flush()
    raise SystemExit(1)


#: [pid, exit status] of the root lab once main() has ended (_leave_without_teardown).
_ended: list[int] = []


def _leave_without_teardown() -> None:
    """The root lab's last exit function: leave with main()'s status, now.

    Python runs it after waiting for the program's threads and after every other
    exit function (multiprocessing's, the program's, the lab's last report). What
    Python would do next, free every module and object one by one, took ~10 ms
    between the program's end and the run's ``done``. Of that teardown, what the
    program can tell is kept: its own modules' names are let go (a file it never
    closed is flushed and closed, a ``__del__`` runs), then the streams are
    flushed. Not in a process the program started (their role is not "root"), and
    not while a daemon thread of the program still runs: it could meet its names
    gone (the teardown stops such threads first).
    """
    if not _ended or _ended[0] != os.getpid() or _state is None or _state.role != "root":
        return
    if any(thread.daemon and not isinstance(thread, threading._DummyThread)
           for thread in threading.enumerate()):
        return
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__   # as the teardown does first
    program = [module for name, module in list(sys.modules.items())
               if name == "__main__" or isinstance(getattr(module, "__file__", None), str)
               and _in_program(module.__file__)]
    for module in program:
        module.__dict__.clear()
    del program
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):   # closed by the program, or its reader gone
            pass
    _real_exit(_ended[1])


def _exit_status(code: object) -> int:
    """The status Python exits with for ``SystemExit(code)`` (it prints any text)."""
    if code is None:
        return 0
    return code & 0xFF if isinstance(code, int) else 1


def main() -> None:
    atexit.register(_leave_without_teardown)   # registered first, so it runs last
    try:
        _run_root()
    except SystemExit as exc:
        _ended[:] = [os.getpid(), _exit_status(exc.code)]
        raise
    _ended[:] = [os.getpid(), 0]


def _run_root() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m engine.lab.inside PROGRAM [ARGS] | --wait")
    if sys.argv[1] == "--wait":
        sys.argv[1:] = _wait_for_order()
    program = os.path.abspath(sys.argv[1])
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started from a background job (which ignores Ctrl-C): Stop asks the program
        # with a SIGINT, which must raise KeyboardInterrupt as in a terminal.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        install("root")
    except RuntimeError as exc:   # no thread for the lab's own (a low ulimit -u)
        _refused(exc)
    sys.argv = [program, *sys.argv[2:]]
    if getattr(sys, "frozen", False):
        # The executable's sys.path[0] is its own library archive: keep it.
        sys.path.insert(0, os.path.dirname(program))
    else:
        sys.path[0] = os.path.dirname(program)   # as `python PROGRAM` would
    try:
        _run_program(program)
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        if not _state.stopping:
            report_error(exc)
        raise SystemExit(130) from None   # 128 + SIGINT, as a shell reports Ctrl-C
    except BaseException as exc:
        report_error(exc)
        raise SystemExit(1) from None


if __name__ == "__main__":
    # Run as engine.lab.inside, not as __main__: the program becomes __main__, and
    # spawned children import the lab by its real name.
    from engine.lab.inside import main as lab_main
    lab_main()
