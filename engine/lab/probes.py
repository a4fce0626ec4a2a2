"""Probes: thin wrappers around the taught primitives that say what happened, and where.

:func:`install` runs in every lab process (``inside.install``: the root, each
spawned child through ``sitecustomize``; a forked child inherits the patched
modules as they are, so nothing is redone there). After it, when THE PROGRAM
calls a taught primitive, the call is reported with the program's line:

* locks (``_thread.allocate_lock()``, ``threading.Lock()``, ``multiprocessing``
  ``Lock``): lane ``waiting`` before an acquire that will block, ``holding``
  once it got the lock, ``idle`` after ``release``;
* queues (``queue.Queue`` and its subclasses, ``multiprocessing`` ``Queue``):
  ``depth`` after each put/get, with ``queue``, the name the calling line uses;
  lane ``waiting`` while a call blocks, then back to the lane the actor had;
* ``multiprocessing`` processes: ``child_pid`` at ``start()``, ``exitcode`` seen
  by ``join()``, ``child_pid`` before ``terminate()``/``kill()`` (sent at once:
  the engine must know that the program ended that child, not someone outside);
* ``os.pipe``/``fork``/``read``/``write``/``waitpid``: the fds, the child's pid,
  each chunk and its byte count, the decoded exit code; ``os.close`` of a pipe
  end the program made (no other close: the careful walk closes one per folder);
* signals: each delivery to a handler the program set, before the handler
  runs; ``signal.alarm``'s seconds;
* sockets: ``bind``/``listen`` (where), and arrows of the sequence diagram for
  ``connect``/``accept``/``send``/``sendall``/``recv``/``close``;
* folder walks: each ``os.scandir`` (``os.walk`` lists its folders with it too)
  counts one folder listed; see "How far a walk has got" below.

Lane changes are ``state`` events, everything else ``probe`` events; every
``data`` carries ``call`` (the name as the program wrote it) and ``file``.
The keys are those of :mod:`engine.vocabulary`.

How far a walk has got
----------------------
A walk lists thousands of folders a second, and an event per folder (let alone
per file) would cost the walk more than the walk itself (PITFALLS.md: an event
per entry made a scan 4.8 times slower). So the ``os.scandir`` probe only
counts: one counter and two names set per folder listed, no event, no frame
look-up, whoever calls it (the program, or ``os.walk`` for the program). It
returns the real listing untouched, so the entries cost nothing extra. The
lab's sampler, which wakes every 50 ms anyway, sends a ``progress`` event when
the count has moved, at most every ``PROGRESS_EVERY`` seconds (and a last one
when the process ends): ``folders`` listed by this process, the ``folder``
listed last, the ``rate`` in folders a second and the ``elapsed`` seconds
since its first listing. Each process counts its own; a watcher adds up the
latest of each (``pid``). The sampler keeps sending while a thread is inside
one huge folder, so progress shows the walk is there. Entries are not counted:
that would need a wrapper on every entry, which is what costs (measured on the
300k tree: +5-10% of the walk). A listing made from a descriptor
(``os.scandir(fd)``, as the careful walk lists) is named through
``/proc/self/fd``: the folder open on it when the event is sent, or, if it is
closed by then, the first folder listed after the last event (named when it
was listed: one ``readlink`` per event, not per folder).

Not probed (each is a small addition if a lesson needs it): ``threading.RLock``,
``queue.SimpleQueue`` (a C type), ``os.wait``/``waitid``, ``signal.setitimer``,
and the socket calls ``recv_into``, ``sendto``/``recvfrom`` and ``makefile``.

A signal handler runs wherever the main thread was, possibly inside the lab's
``emit`` with its lock held: the delivery report goes through
``inside.emit_in_handler``, which never waits for that lock.

The promise: a probe returns exactly what the real call returns and raises
exactly what it raises (it passes the caller's arguments through untouched,
reports after the real call, and re-raises). What can differ: ``type()`` of a
probed ``threading``/``_thread`` lock is ``ProbedLock``, since the C lock type
cannot be subclassed; its ``repr`` is the real lock's.

Only calls FROM THE PROGRAM are reported: the probe looks at its immediate
caller's frame (``inside._in_program``, cached per file name). The stdlib's
own use of the same primitives (``queue.Queue`` makes three locks, a
``multiprocessing.Queue`` uses a pipe and a lock, the lab itself uses a
socket) costs one frame look-up and passes through. Likewise a lock the stdlib
creates is the real C lock: only ``allocate_lock()`` called from a program line
returns a ``ProbedLock``.

Lanes report what happened, not what might have: an acquire reports
``waiting`` only when the lock is taken at the call (``locked()``), a queue
call only when it is empty (``get``) or full (``put``). An uncontended acquire
is then one event, not two, and a ``waiting`` span on the timeline is a real
wait. (The check and the call are not atomic: a lock freed in between gives a
zero-length wait, never a wrong result.)

Sockets: ``from`` is the acting actor, ``to`` the peer as ``host:port`` (from
``getpeername``), and ``local`` this end's ``host:port``. Naming the actor at
the other end instead would need a table shared by every process (a client in
one process, the server in another), and would race with the peer's own
report. The addresses are exact and free, and each end states both, so the
diagram can join the two ends itself (one side's ``local`` is the other's
``to``), across threads and processes alike.

How and when the modules are patched
------------------------------------
``_thread``, ``threading``, ``os``, ``signal`` and ``socket`` are already
imported by the lab itself, so they are patched at install (measured with
bytecode compiled: this module imports in ~1 ms, ``install`` takes ~0.1 ms).
``queue`` and the parts of ``multiprocessing`` are patched only if and when
something imports them: importing them at install would add ~14 ms to every
run (measured: ``queue`` 1 ms, ``multiprocessing.queues`` 13 ms, as it pulls in
pickle, tempfile, ...), and most lessons use neither. A finder at
the head of ``sys.meta_path`` lets the normal finders find those few names,
and wraps the loader so the module is patched right after its code ran, before
the importer gets it. So ``from queue import Queue`` in the program already
binds the patched class, and a spawned child that unpickles a
``multiprocessing`` lock gets the probed methods: its ``synchronize`` module is
imported, and patched, during the unpickling, after ``sitecustomize`` put the
finder in place.

Compared with the tools DESIGN.md names:

* gevent.monkey replaces whole module attributes (``socket.socket``,
  ``threading.Lock``, ``queue.Queue``...) with its own classes, eagerly, and
  requires ``patch_all()`` to run before anything imports the modules it
  patches (it warns when it is too late). We replace module functions only
  where the primitive is a C function (``os.read``, ``_thread.allocate_lock``),
  and otherwise patch METHODS on the real classes (``queue.Queue.put``,
  ``socket.socket.recv``): the program's objects keep their own type, so
  ``isinstance`` and ``repr`` are unchanged, and an object made before install
  (the lab's own socket) is covered too. Like gevent, we must run first; the
  lab guarantees it (``inside`` before the program, ``sitecustomize`` in a
  child). Unlike gevent, nothing is imported just to be patched.
* VizTracer follows ``multiprocessing`` by patching the spawn machinery (its
  command line and ``_main``) so the child starts its tracer, and follows
  ``subprocess`` by rewriting a ``python ...`` argv. The lab follows children
  with the environment (``sitecustomize``, as coverage.py does); the probes
  then only need the patches to be in place in each process before the
  program's objects are used, which the import finder ensures. The instance
  attributes ``multiprocessing.synchronize.Lock`` sets from its ``_semlock`` are
  replaced in ``_make_methods``, which runs both at creation and at unpickling.
"""

from __future__ import annotations

import _thread
import ast
import functools
import itertools
import linecache
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType, ModuleType

from engine import vocabulary as v
from engine.lab import inside

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing: ~3 ms of every lab process's start
    from typing import Any

#: Bytes of a socket message shown as its preview.
PREVIEW_BYTES = 48
#: The queue methods probed.
QUEUE_CALLS = ("put", "get", "put_nowait", "get_nowait")

# Bound once: these run for every probed call.
_getframe = sys._getframe
_get_ident = _thread.get_ident
_emit, _actor, _in_program = inside.emit, inside._actor, inside._in_program
_monotonic = time.monotonic
_PROBE, _STATE = v.PROBE, v.STATE
_lanes: dict[int, str] = {}   # each thread's last lane, so a wait can go back to it
_held: dict[int, int] = {}    # how many probed locks each thread holds
_installed = False
#: Seconds between two progress events of one process (a few a second at most).
PROGRESS_EVERY = 0.2


# --- reporting --------------------------------------------------------------------------

def _from_program(frame: FrameType) -> bool:
    return _in_program(frame.f_code.co_filename)


def _probe(caller: FrameType, call: str, text: str, **data: Any) -> None:
    """A ``probe`` event of the calling thread, at the caller's line."""
    _emit(_PROBE, _actor(_get_ident()), text,
          {**data, v.CALL: call, v.FILE: caller.f_code.co_filename}, caller.f_lineno)


def _lane(caller: FrameType, call: str, lane: str, more: dict | None = None) -> None:
    """A lane change of the calling thread (a ``state`` event), with ``more`` data (a
    lock's name). The hot path of a lock: kept to one dict and one emit."""
    ident = _get_ident()
    _lanes[ident] = lane
    data = {v.LANE: lane, v.CALL: call, v.FILE: caller.f_code.co_filename}
    text = f"{call}: {lane}"
    if more:
        data.update(more)
        if v.LOCK in more:   # "acquire lock_b: waiting", "acquire lock_b: gave up"
            said = "gave up" if more.get(v.ACQUIRED) is False else lane
            text = f"{call} {more[v.LOCK]}: {said}"
    _emit(_STATE, _actor(ident), text, data, caller.f_lineno)


def _lane_now() -> str:
    return _lanes.get(_get_ident(), v.IDLE)


def _after_fork_in_child() -> None:
    # Only the forking thread lives on; the others' lanes and locks mean nothing here.
    ident = _get_ident()
    for per_thread in (_lanes, _held):
        mine = per_thread.get(ident)
        per_thread.clear()
        if mine is not None:
            per_thread[ident] = mine
    _walk.__init__()   # a forked walker counts its own folders from 0


def _text(data: bytes) -> str:
    return bytes(data).decode("utf-8", "backslashreplace")


def _preview(data: bytes) -> str:
    shown = repr(bytes(data[:PREVIEW_BYTES]))[2:-1]   # b'...' without the b''
    return shown + ("…" if len(data) > PREVIEW_BYTES else "")


# --- locks ------------------------------------------------------------------------------

_names_given: set[str] = set()     # lock names given in this process: each is one lock
_next_number: dict[str, int] = {}  # the number the next lock of a name would get
_unnamed_locks = itertools.count(1)
_assignments: dict[tuple[str, int], str | None] = {}


def _assigned_name(file: str, line: int) -> str | None:
    """The variable a line assigns its call's result to (``lock_a = threading.Lock()``:
    ``lock_a``), or None when the line is not one plain assignment of one call."""
    key = (file, line)
    if key not in _assignments:
        name = None
        try:
            tree = ast.parse(linecache.getline(file, line).strip())
        except SyntaxError:   # one line of a longer statement
            tree = None
        statement = tree.body[0] if tree is not None and len(tree.body) == 1 else None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
        elif isinstance(statement, ast.AnnAssign):
            target = statement.target
        else:
            target = None
        if (isinstance(target, (ast.Name, ast.Attribute))
                and isinstance(statement.value, ast.Call)):
            name = ast.unparse(target)
        _assignments[key] = name
    return _assignments[key]


def _lock_name(caller: FrameType) -> str:
    """The name a new lock of the program goes by in its events.

    The variable its line assigns it to, as the learner reads it in the code
    (``lock_a``, ``self.fork``); else ``lock-1``, ``lock-2``... in order of
    creation. A name given already in this process (a lock made in a loop, or
    by a function called twice) gets ``-2``, ``-3``...: a name stands for one
    lock, which is what a wait-for cycle needs (``engine/waitfor.py``).
    """
    base = _assigned_name(caller.f_code.co_filename, caller.f_lineno)
    if base is None:
        name = f"lock-{next(_unnamed_locks)}"
        while name in _names_given:
            name = f"lock-{next(_unnamed_locks)}"
    else:
        n = _next_number.get(base, 1)   # a line that makes many locks counts on, not again
        name = base if n == 1 else f"{base}-{n}"
        while name in _names_given:
            n += 1
            name = f"{base}-{n}"
        _next_number[base] = n + 1
    _names_given.add(name)
    return name


def _acquire(acquire: Callable, args: tuple, kwargs: dict, blocking: Any,
             taken: Callable[[], bool], caller: FrameType, call: str, lock: dict) -> Any:
    """Run ``acquire(*args, **kwargs)``, the program's call, with its lanes around it.

    ``lock`` is the lock's own data (its name); the event after the call says
    whether it was ``acquired``, so a watcher tells a lock got from one given up.
    """
    waits = bool(blocking) and taken()
    before = _lane_now()
    if waits:
        _lane(caller, call, v.WAITING, lock)
    try:
        got = acquire(*args, **kwargs)
    except BaseException:
        if waits:   # interrupted (Ctrl-C, a handler raised)
            _lane(caller, call, before, {**lock, v.ACQUIRED: False})
        raise
    if got:
        ident = _get_ident()
        _held[ident] = _held.get(ident, 0) + 1
        _lane(caller, call, v.HOLDING, {**lock, v.ACQUIRED: True})
    elif waits:     # timed out
        _lane(caller, call, before, {**lock, v.ACQUIRED: False})
    return got


def _releasing(caller: FrameType, call: str, lock: dict) -> None:
    """Said BEFORE the real release: once the lock is free another thread may take it
    and say so, and its ``holding`` must never come before this one's release. The
    lane goes back to ``holding`` while the thread still holds another lock."""
    ident = _get_ident()
    still = _held.get(ident, 0) - 1
    if still > 0:
        _held[ident] = still
    else:
        _held.pop(ident, None)
    _lane(caller, call, v.HOLDING if still > 0 else v.IDLE, lock)


class ProbedLock:
    """A ``_thread`` lock made by the program: the real lock, and a report per use."""

    __slots__ = ("_lock", "_data", "__weakref__")

    def __init__(self, lock: Any, name: str) -> None:
        self._lock = lock
        self._data = {v.LOCK: name}

    def acquire(self, *args, **kwargs):
        caller = _getframe(1)
        if not _from_program(caller):
            return self._lock.acquire(*args, **kwargs)
        blocking = args[0] if args else kwargs.get("blocking", True)
        return _acquire(self._lock.acquire, args, kwargs, blocking, self._lock.locked,
                        caller, "acquire", self._data)

    acquire_lock = acquire   # the old _thread spellings

    def __enter__(self):
        caller = _getframe(1)
        if not _from_program(caller):
            return self._lock.__enter__()
        return _acquire(self._lock.__enter__, (), {}, True, self._lock.locked, caller, "with",
                        self._data)

    def release(self):
        caller = _getframe(1)
        # An unlocked lock: the real release raises RuntimeError, and there is no event.
        # (A lock another thread frees between the check and the call is released
        # once, by one of them; the other's report is then one too many.)
        if self._lock.locked() and _from_program(caller):
            _releasing(caller, "release", self._data)
        return self._lock.release()

    release_lock = release

    def __exit__(self, *exc):
        caller = _getframe(1)
        if self._lock.locked() and _from_program(caller):
            _releasing(caller, "with", self._data)
        return self._lock.__exit__(*exc)

    def locked(self):
        return self._lock.locked()

    locked_lock = locked

    def __getattr__(self, name: str):
        return getattr(self._lock, name)   # _at_fork_reinit and whatever a version adds

    def __repr__(self) -> str:
        return repr(self._lock)

    def __reduce_ex__(self, protocol):
        # copy, deepcopy and pickle fail as they do on the real lock, with its message;
        # a shallow copy must not quietly share the lock.
        return self._lock.__reduce_ex__(protocol)


def _patch_thread_locks() -> None:
    real = _thread.allocate_lock

    @functools.wraps(real)
    def allocate_lock():
        lock = real()
        caller = _getframe(1)
        return ProbedLock(lock, _lock_name(caller)) if _from_program(caller) else lock

    _thread.allocate_lock = allocate_lock
    if hasattr(_thread, "allocate"):
        _thread.allocate = allocate_lock
    # threading's own code calls its private _allocate_lock, which stays real.
    threading.Lock = allocate_lock


# --- queues -----------------------------------------------------------------------------

def _queue_call(real: Callable, q: Any, args: tuple, kwargs: dict, call: str,
                waits: bool, caller: FrameType, depth: Callable[[Any], int | None]) -> Any:
    """The program's put/get on ``q``: lanes if it blocks, depth after it."""
    before = _lane_now()
    if waits:
        _lane(caller, call, v.WAITING, {v.QUEUE: _queue_name(q, caller)})
    try:
        result = real(q, *args, **kwargs)
    except BaseException as exc:
        if waits:
            _lane(caller, call, before)
        _probe(caller, call, f"{call}: {type(exc).__name__}",
               **{v.ERROR_TEXT: type(exc).__name__, **_depth_of(q, depth, caller)})
        raise
    if waits:
        _lane(caller, call, before)
    found = _depth_of(q, depth, caller)
    _probe(caller, call, f"{call}: depth {found.get(v.DEPTH, '?')}", **found)
    return result


def _depth_of(q: Any, depth: Callable[[Any], int | None], caller: FrameType) -> dict:
    size, name = depth(q), _queue_name(q, caller)
    return {v.QUEUE: name} if size is None else {v.QUEUE: name, v.DEPTH: size}


def _queue_name(q: Any, caller: FrameType) -> str | None:
    """The name the calling line knows the queue by (``work``, ``q``), or None.

    A program may have two queues (mp_queue: ``work`` and ``handled``); one depth
    line drawn from both would mean nothing, so each depth says whose it is. The
    same queue has the same name in every process that got it as an argument
    of the same name, which is how the classic programs pass it.
    """
    for scope in (caller.f_locals, caller.f_globals):
        for name, value in scope.items():
            if value is q:
                return name
    return None


def _blocks(args: tuple, kwargs: dict, name: str = "block") -> Any:
    return args[0] if args else kwargs.get(name, True)


def _probe_queue_methods(cls: type, depth: Callable[[Any], int | None],
                         empty: Callable[[Any], bool], full: Callable[[Any], bool],
                         names: tuple[str, ...] = QUEUE_CALLS) -> None:
    """Patch put/get (and the _nowait forms) of ``cls`` in place."""
    for name in names:
        if name in cls.__dict__:
            setattr(cls, name, _queue_method(cls.__dict__[name], name, depth, empty, full))


def _queue_method(real: Callable, name: str, depth, empty, full) -> Callable:
    is_get = name.startswith("get")
    nowait = name.endswith("_nowait")

    @functools.wraps(real)
    def method(self, *args, **kwargs):
        caller = _getframe(1)
        if not _from_program(caller):
            return real(self, *args, **kwargs)
        if nowait:
            waits = False
        elif is_get:   # get(block=True, timeout=None)
            waits = bool(_blocks(args, kwargs)) and empty(self)
        else:          # put(item, block=True, timeout=None)
            waits = bool(_blocks(args[1:], kwargs)) and full(self)
        return _queue_call(real, self, args, kwargs, name, waits, caller, depth)

    return method


def _patch_queue(module: ModuleType) -> None:
    _probe_queue_methods(module.Queue, lambda q: q.qsize(), lambda q: q.empty(),
                         lambda q: q.full())


# --- multiprocessing --------------------------------------------------------------------

def _mp_depth(q: Any) -> int | None:
    try:
        return q.qsize()
    except (NotImplementedError, OSError):
        return None   # macOS has no sem_getvalue; a closed queue has no size


def _patch_mp_queues(module: ModuleType) -> None:
    _probe_queue_methods(module.Queue, _mp_depth, lambda q: q.empty(), lambda q: q.full())
    _probe_queue_methods(module.JoinableQueue, _mp_depth, lambda q: q.empty(),
                         lambda q: q.full(), names=("put",))


def _semlock_taken(semlock: Any) -> bool:
    try:
        return semlock._get_value() == 0
    except NotImplementedError:
        return True   # macOS cannot tell: say "waiting" for every blocking acquire


#: Marks the pickled state of a probed multiprocessing lock that carries its name.
_NAMED_STATE = "pysyslab-named-lock"


def _patch_mp_synchronize(module: ModuleType) -> None:
    lock_class = module.Lock
    make_methods = lock_class._make_methods
    real_init = lock_class.__init__
    real_getstate, real_setstate = lock_class.__getstate__, lock_class.__setstate__

    def lock_of(self) -> dict:
        # One lock seen from several processes: named where the program made it,
        # and "shared", so a watcher knows that name means the same lock everywhere.
        name = getattr(self, "_probe_name", None)
        return {v.LOCK: name, v.SHARED: True} if name else {v.SHARED: True}

    @functools.wraps(real_init)
    def __init__(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made_by = inside._program_frame(_getframe(1))   # through multiprocessing.Lock()
        if made_by is not None:
            self._probe_name = _lock_name(made_by)

    # A spawned child gets the lock pickled: its name travels with it.
    @functools.wraps(real_getstate)
    def __getstate__(self):
        return (_NAMED_STATE, real_getstate(self), getattr(self, "_probe_name", None))

    @functools.wraps(real_setstate)
    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 3 and state[0] == _NAMED_STATE:
            _, state, name = state
            if name:
                self._probe_name = name
        real_setstate(self, state)

    def _make_methods(self) -> None:
        # SemLock puts its C acquire/release on the instance, at creation and at
        # unpickling in a child: replace them there, by probed ones.
        make_methods(self)
        semlock = self._semlock
        real_acquire, real_release = semlock.acquire, semlock.release

        def acquire(*args, **kwargs):
            caller = _getframe(1)
            if not _from_program(caller):
                return real_acquire(*args, **kwargs)
            return _acquire(real_acquire, args, kwargs, _blocks(args, kwargs),
                            lambda: _semlock_taken(semlock), caller, "acquire", lock_of(self))

        def release(*args, **kwargs):
            caller = _getframe(1)
            if _from_program(caller) and _semlock_taken(semlock):
                _releasing(caller, "release", lock_of(self))   # before: see _releasing
            return real_release(*args, **kwargs)

        self.acquire, self.release = acquire, release

    def __enter__(self):
        caller = _getframe(1)
        if not _from_program(caller):
            return self._semlock.__enter__()
        return _acquire(self._semlock.__enter__, (), {}, True,
                        lambda: _semlock_taken(self._semlock), caller, "with", lock_of(self))

    def __exit__(self, *exc):
        caller = _getframe(1)
        if _from_program(caller) and _semlock_taken(self._semlock):
            _releasing(caller, "with", lock_of(self))
        return self._semlock.__exit__(*exc)

    lock_class.__init__ = __init__
    lock_class.__getstate__, lock_class.__setstate__ = __getstate__, __setstate__
    lock_class._make_methods = _make_methods
    lock_class.__enter__ = __enter__
    lock_class.__exit__ = __exit__


def _patch_mp_process(module: ModuleType) -> None:
    base = module.BaseProcess
    real_start, real_join = base.start, base.join

    @functools.wraps(real_start)
    def start(self):
        caller = _getframe(1)
        result = real_start(self)
        if _from_program(caller):
            _probe(caller, "start", f"start: {self.name} pid {self.pid}",
                   **{v.CHILD_PID: self.pid})
        return result

    @functools.wraps(real_join)
    def join(self, *args, **kwargs):
        caller = _getframe(1)
        result = real_join(self, *args, **kwargs)
        code = self.exitcode
        if code is not None and _from_program(caller):
            _probe(caller, "join", f"join: {self.name} ended with {code}",
                   **{v.CHILD_PID: self.pid, v.EXITCODE: code})
        return result

    real_run = base.run

    @functools.wraps(real_run)
    def run(self):
        # An exception in the child's target: multiprocessing prints it and exits 1;
        # the lab also sends it as an error event, with the program's own frames.
        # (A Process subclass with its own run() is not followed: its run is its own.)
        try:
            return real_run(self)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            inside.report_error(exc, print_it=False)
            raise

    base.start, base.join, base.run = start, join, run
    for name in ("terminate", "kill"):
        setattr(base, name, _ending_method(name, getattr(base, name)))


def _ending_method(name: str, real: Callable) -> Callable:
    """terminate()/kill() of a child: said, and sent, BEFORE the signal goes, so the
    engine knows the program ended that child itself (it is no kill from outside)."""
    @functools.wraps(real)
    def method(self):
        caller = _getframe(1)
        if _from_program(caller) and self.pid is not None and self.exitcode is None:
            _probe(caller, name, f"{name}: {self.name} pid {self.pid}",
                   **{v.CHILD_PID: self.pid})
            inside.flush()
        return real(self)

    return method


# --- os ---------------------------------------------------------------------------------

def _os_probe(name: str, describe: Callable[..., tuple[str, dict]]) -> None:
    """Replace ``os.<name>`` by a wrapper that reports ``describe(result, *args)``."""
    real = getattr(os, name)
    call = f"os.{name}"

    @functools.wraps(real)
    def probed(*args, **kwargs):
        result = real(*args, **kwargs)
        caller = _getframe(1)
        if _from_program(caller):
            text, data = describe(result, *args, **kwargs)
            if text is not None:
                _probe(caller, call, f"{call}: {text}", **data)
        return result

    setattr(os, name, probed)


#: The descriptors os.pipe gave the program. Only their close is reported: a program
#: closes many other descriptors (the careful walk one per folder it lists), and a
#: report of each would cost it dearly and say nothing about pipes.
_pipe_ends: set[int] = set()


def _described_pipe(fds, *_, **__):
    _pipe_ends.update(fds)
    return f"read end {fds[0]}, write end {fds[1]}", {v.FDS: list(fds)}


def _described_fork(pid, *_, **__):
    if pid == 0:
        return None, {}   # the child's own copy of the call: the parent reports it
    return f"child {pid}", {v.CHILD_PID: pid}


def _described_read(chunk, fd=None, *_, **__):
    return f"{len(chunk)} bytes from fd {fd}", {v.FD: fd, v.BYTES: len(chunk),
                                                v.CHUNK: _text(chunk)}


def _described_write(written, fd=None, data=b"", *_, **__):
    return f"{written} bytes to fd {fd}", {v.FD: fd, v.BYTES: written,
                                           v.CHUNK: _text(memoryview(data).tobytes()[:written])}


def _described_waitpid(result, *_, **__):
    pid, status = result
    if pid == 0:
        return "no child has ended yet", {v.CHILD_PID: None}
    try:
        code = os.waitstatus_to_exitcode(status)
    except ValueError:
        return f"child {pid} changed state ({status})", {v.CHILD_PID: pid}
    return f"child {pid} ended with {code}", {v.CHILD_PID: pid, v.EXITCODE: code}


def _patch_close() -> None:
    """os.close of a pipe end the program made; any other close costs one set look-up."""
    real = os.close

    @functools.wraps(real)
    def close(*args, **kwargs):
        result = real(*args, **kwargs)
        fd = args[0] if args else kwargs.get("fd")
        if fd in _pipe_ends:
            _pipe_ends.discard(fd)   # its number may now be given to another file
            caller = _getframe(1)
            if _from_program(caller):
                _probe(caller, "os.close", f"os.close: fd {fd}", **{v.FD: fd})
        return result

    os.close = close


def _patch_os() -> None:
    _os_probe("pipe", _described_pipe)
    _os_probe("read", _described_read)
    _os_probe("write", _described_write)
    _patch_close()
    if hasattr(os, "fork"):
        _os_probe("fork", _described_fork)
        _os_probe("waitpid", _described_waitpid)
    _patch_scandir()


# --- folder walks -----------------------------------------------------------------------

class _Walk:
    """What ``os.scandir`` has listed in this process (see "How far a walk has got")."""

    __slots__ = ("counter", "folders", "last", "ident", "first_at", "reported", "next_at",
                 "named", "want_name")

    def __init__(self) -> None:
        self.counter = itertools.count(1)   # next() is one C call: no count lost to a thread
        self.folders = 0                    # folders listed so far
        self.last: Any = None               # what the last one was listed by (path or fd)
        self.ident = 0                      # the thread that listed it
        self.first_at: float | None = None
        self.reported = 0                   # ``folders`` in the last progress event
        self.next_at = 0.0
        # A listing made from a descriptor has no path; the descriptor may be closed by
        # the time of the report. So the first one listed after each report is named at
        # once (one readlink per report, not per folder).
        self.named: str | None = None
        self.want_name = True


_walk = _Walk()


def _patch_scandir() -> None:
    real = os.scandir
    walk = _walk

    @functools.wraps(real)
    def scandir(*args, **kwargs):
        listing = real(*args, **kwargs)   # raises what it raises: nothing was listed then
        walk.folders = next(walk.counter)
        walk.last = listed = args[0] if args else kwargs.get("path", ".")
        walk.ident = _get_ident()
        if walk.first_at is None:
            walk.first_at = _monotonic()
        if walk.want_name and isinstance(listed, int):
            walk.want_name = False
            walk.named = _folder_name(listed)
        return listing

    os.scandir = scandir


def _folder_name(listed: Any) -> str | None:
    """The folder a listing was made of, as text (surrogates kept, as os gives them)."""
    if isinstance(listed, int):
        try:
            return os.readlink(f"/proc/self/fd/{listed}")   # the folder open there now
        except OSError:
            return None
    try:
        return os.fsdecode(listed)
    except TypeError:
        return None


def report_walk(final: bool = False) -> None:
    """A ``progress`` event if this process listed folders since the last one, and it is
    time (``final``: it ends now). Called by the lab's sampler thread, never the program's."""
    walk = _walk
    folders = walk.folders
    if folders == walk.reported:
        return
    now = _monotonic()
    if not final and now < walk.next_at:
        return
    walk.reported, walk.next_at = folders, now + PROGRESS_EVERY
    elapsed = max(now - (walk.first_at or now), 1e-9)
    folder = _folder_name(walk.last) or walk.named   # open still, or listed since the last
    walk.want_name = True
    _emit(v.PROGRESS, _actor(walk.ident or _get_ident()),
          f"{folders:,} folders listed" + (f", now {folder}" if folder else ""),
          {v.FOLDERS: folders, v.FOLDER: folder, v.RATE: folders / elapsed,
           v.ELAPSED: elapsed, v.CALL: "os.scandir"}, None)


# --- signals ----------------------------------------------------------------------------

class _Delivery:
    """What the OS calls instead of the program's handler: a report, then the handler."""

    __slots__ = ("handler",)

    def __init__(self, handler: Callable) -> None:
        self.handler = handler

    def __call__(self, signum, frame):
        name = _signal_name(signum)
        handler_name = getattr(self.handler, "__name__", repr(self.handler))
        text = f"{name} delivered to {handler_name}"
        found = inside._program_frame(frame)   # the line the signal interrupted
        data = {v.SIGNAL: name, v.CALL: handler_name}
        if found is not None:
            data[v.FILE] = found.f_code.co_filename
        # This runs wherever the main thread was, maybe inside emit() with the lab's
        # lock held: so the report must not wait for that lock.
        inside.emit_in_handler(v.PROBE, _actor(_get_ident()), text, data,
                               found.f_lineno if found is not None else None)
        return self.handler(signum, frame)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _as_the_program_set_it(handler: Any) -> Any:
    return handler.handler if isinstance(handler, _Delivery) else handler


def _patch_signal() -> None:
    real_signal, real_getsignal = signal.signal, signal.getsignal

    @functools.wraps(real_signal)
    def probed_signal(signalnum, handler):
        caller = _getframe(1)
        mine = _from_program(caller)
        installed = _Delivery(handler) if mine and callable(handler) else handler
        previous = _as_the_program_set_it(real_signal(signalnum, installed))
        if mine:
            name = _signal_name(signalnum)
            shown = getattr(handler, "__name__", repr(handler))
            _probe(caller, "signal.signal", f"signal.signal: {name} -> {shown}",
                   **{v.SIGNAL: name, v.HANDLER: shown})
        return previous

    @functools.wraps(real_getsignal)
    def probed_getsignal(signalnum):
        return _as_the_program_set_it(real_getsignal(signalnum))

    signal.signal, signal.getsignal = probed_signal, probed_getsignal
    if hasattr(signal, "alarm"):
        real_alarm = signal.alarm

        @functools.wraps(real_alarm)
        def probed_alarm(seconds):
            result = real_alarm(seconds)
            caller = _getframe(1)
            if _from_program(caller):
                _probe(caller, "signal.alarm", f"signal.alarm({seconds})",
                       **{v.SECONDS: seconds})
            return result

        signal.alarm = probed_alarm


# --- sockets ----------------------------------------------------------------------------

def _address(address: Any) -> str | None:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    if isinstance(address, bytes):
        address = _text(address)
    return address or None   # an unnamed Unix socket has "" for an address


def _ends(sock: socket.socket) -> tuple[str | None, str | None]:
    """(this end, the peer) as "host:port"; None where there is none (yet)."""
    try:
        local = _address(sock.getsockname())
    except OSError:
        local = None
    try:
        peer = _address(sock.getpeername())
    except OSError:
        peer = None
    return local, peer


def _arrow(caller: FrameType, sock: socket.socket, seq: str, call: str, text: str,
           ends: tuple[str | None, str | None] | None = None, **data: Any) -> None:
    local, peer = ends or _ends(sock)
    actor = inside._actor(_get_ident())
    data.update({v.SEQ: seq, v.FROM: actor, v.TO: data.pop(v.TO, peer), v.LOCAL: local})
    _probe(caller, call, text, **data)


def _arrow_error(caller: FrameType, sock: socket.socket, call: str, exc: BaseException,
                 to: str | None = None) -> None:
    local, peer = _ends(sock)
    _arrow(caller, sock, v.ARROW_ERROR, call, f"{call}: {exc}", (local, to or peer),
           **{v.ERROR_TEXT: str(exc)})


def _socket_method(name: str, real: Callable, after: Callable) -> Callable:
    """A method of socket.socket: the real call, then ``after(...)`` for a program call."""
    @functools.wraps(real)
    def method(self, *args, **kwargs):
        caller = _getframe(1)
        if not _from_program(caller):
            return real(self, *args, **kwargs)
        try:
            result = real(self, *args, **kwargs)
        except OSError as exc:
            if name in ("connect", "accept", "send", "sendall", "recv"):
                to = _address(args[0]) if name == "connect" and args else None
                _arrow_error(caller, self, name, exc, to)
            raise
        after(caller, self, result, *args, **kwargs)
        return result

    return method


def _after_bind(caller, sock, _result, *_, **__):
    local, _peer = _ends(sock)
    where = sock.getsockname()
    shown = list(where[:2]) if isinstance(where, tuple) else local
    _probe(caller, "bind", f"bind: {local}", **{v.ADDRESS: shown})


def _after_listen(caller, sock, _result, *_, **__):
    local, _peer = _ends(sock)
    _probe(caller, "listen", f"listen on {local}", **{v.LISTENING: True, v.LOCAL: local})


def _after_connect(caller, sock, _result, *_, **__):
    local, peer = _ends(sock)
    _arrow(caller, sock, v.CONNECT, "connect", f"connect {local} -> {peer}", (local, peer))


def _after_accept(caller, _listener, result, *_, **__):
    conn, _ = result
    local, peer = _ends(conn)
    _arrow(caller, conn, v.ACCEPT, "accept", f"accept {peer} on {local}", (local, peer))


def _after_send(call: str) -> Callable:
    def after(caller, sock, result, data=b"", *_, **__):
        raw = memoryview(data).tobytes()
        sent = len(raw) if result is None else result   # sendall sends it all, or raises
        _arrow(caller, sock, v.SEND, call, f"{call} {sent} bytes",
               **{v.BYTES: sent, v.PREVIEW: _preview(raw[:sent])})
    return after


def _after_recv(caller, sock, data, bufsize=None, *_, **__):
    _arrow(caller, sock, v.RECV, "recv", f"recv {len(data)} of {bufsize} bytes",
           **{v.BYTES: len(data), v.PREVIEW: _preview(data), v.ASKED: bufsize})


def _closing(call: str, real: Callable) -> Callable:
    """close() and the ``with`` exit: the ends are read before they are gone."""
    @functools.wraps(real)
    def method(self, *args):
        caller = _getframe(1)
        if not _from_program(caller) or self._closed:
            return real(self, *args)
        ends = _ends(self)
        result = real(self, *args)
        _arrow(caller, self, v.CLOSE, call, f"{call}: closed {ends[0]}", ends)
        return result

    return method


def _patch_socket(module: ModuleType) -> None:
    cls = module.socket
    afters = {"bind": _after_bind, "listen": _after_listen, "connect": _after_connect,
              "accept": _after_accept, "send": _after_send("send"),
              "sendall": _after_send("sendall"), "recv": _after_recv}
    for name, after in afters.items():
        setattr(cls, name, _socket_method(name, getattr(cls, name), after))
    cls.close = _closing("close", cls.close)
    cls.__exit__ = _closing("with", cls.__exit__)


# --- install ----------------------------------------------------------------------------

class _PatchOnImport:
    """A meta-path finder: the named modules are patched right after they first run."""

    def __init__(self, patches: dict[str, Callable[[ModuleType], None]]) -> None:
        self.patches = patches

    def find_spec(self, name, path, target=None):
        patch = self.patches.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _PatchingLoader(spec.loader, patch)
        return spec


class _PatchingLoader:
    """The module's own loader, and the patch after its code has run."""

    def __init__(self, loader: Any, patch: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch_quietly(self._patch, module)

    def __getattr__(self, name: str):
        return getattr(self._loader, name)   # get_source, is_package, ...


def _patch_quietly(patch: Callable[[ModuleType], None], module: ModuleType) -> None:
    try:
        patch(module)
    except Exception as exc:   # a broken probe must not break the learner's program
        print(f"pysyslab lab: no probes on {module.__name__} ({exc})", file=sys.__stderr__)


#: Modules patched when imported (or at install if already there).
_LATER = {
    "queue": _patch_queue,
    "socket": _patch_socket,
    "multiprocessing.queues": _patch_mp_queues,
    "multiprocessing.synchronize": _patch_mp_synchronize,
    "multiprocessing.process": _patch_mp_process,
}


def install() -> None:
    """Put the probes in place in this process, once (a forked child inherits them)."""
    global _installed
    if _installed:
        return
    _installed = True
    _patch_thread_locks()
    _patch_os()
    _patch_signal()
    waiting = {}
    for name, patch in _LATER.items():
        module = sys.modules.get(name)
        if module is None:
            waiting[name] = patch
        else:
            _patch_quietly(patch, module)
    if waiting:
        sys.meta_path.insert(0, _PatchOnImport(waiting))
    if hasattr(os, "register_at_fork"):   # else nothing forks (Windows)
        os.register_at_fork(after_in_child=_after_fork_in_child)
    inside.on_sample(report_walk)
