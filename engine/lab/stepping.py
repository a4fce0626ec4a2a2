"""Line stepping, inside each lab process: every actor waits before each line of the program.

The engine's side (who may go next, the program's clock) is :mod:`engine.lab.board`;
this module is what runs in the lab process and in every process the program
starts.

The tracer
----------
With step mode on, each program thread runs under a trace function
(``sys.settrace``), as Thonny's and pdb's steppers do. The global function
(``_on_call``) is asked at every Python call and answers with a local one
(``_on_event``) only for the program's own functions; anything else (the
stdlib, the lab, the program's module-level code, comprehensions and lambdas)
gets None and runs freely, with no further trace calls. Before each line of a
program function, ``_on_event`` calls :func:`engine.lab.inside.gate_line`: the
thread says ``paused`` and waits until the engine sends ``next IDENT``.

* A step is a statement: a statement written over several lines is one
  step, before its first line (Python reports each of its lines, and some
  twice), and so is a line that loops on itself (``for x in y: f(x)``, an
  inlined comprehension from 3.12 on). Each statement's first line is read
  from the program file's syntax tree (``statement_start``).
* Where stepping starts: a program that ends with the classic
  ``if __name__ == "__main__": main()`` is stepped from ``main()``'s first
  line; its module-level code before that is its definitions (imports,
  constants, ``def``) and runs freely. A script without that guard is
  stepped from its first line (``Lab.steps_module``). An imported module's
  top level is never stepped (a helper module, or the main module a spawned
  child imports as ``__mp_main__``): that is an import, not something an
  actor does. Comprehensions, generator expressions and lambdas are not
  stepped either: a learner steps the line that holds one, not each of its
  items.
* With step mode off, no trace function is installed at all: turning it off
  clears ``threading.settrace`` for new threads, and a traced thread removes
  its own function at its next trace call. So Step off costs nothing (the
  bench's ``step`` figure measures it).
* Threads: ``threading.settrace`` reaches threads started from then on
  (``threading.Thread`` installs it before ``run``), and ``_thread``'s
  ``start_new_thread`` is wrapped to do the same. Frames already running get
  their local function directly (``frame.f_trace``), as ``pdb.set_trace``
  does. A thread that was already running when step mode came on: Python 3.12
  adds ``threading.settrace_all_threads``; before 3.12 a thread can only set
  its own trace function, so such a thread joins in at its next call the lab
  sees (a print, a sleep, a probed call: ``join_in``, from ``inside.emit``).
* Processes: a forked child keeps its forking thread's trace function (and
  the lab's new ``Lab`` keeps the stepping flag); a spawned child installs the
  tracer in ``inside.install`` when the environment says step mode is on (the
  lab process keeps that variable current, so children started later inherit
  the mode of the moment), and the engine's "step on"/"step off" follows.

What an actor is doing (for the board)
--------------------------------------
* ``paused`` (from ``gate_line``): ready, before ``line`` of ``data["file"]``.
* ``finished``: the thread returned from its outermost program function: it
  has no more lines of the program to run (it may still end inside the
  stdlib, and comes back as ``paused`` if it calls the program again).
* ``blocked`` (from the sampler, :func:`look_for_blocked`): a thread that was
  let go and has not reached its next line, and that the kernel has seen
  asleep on two looks in a row, is waiting inside a call: a barrier, a
  ``join``, a ``recv``, an ``os.read``... The text says in what
  (``waiting in Barrier.wait()``, or the program line of a call into C).
  Calls the probes know (a lock that is held, an empty or full queue, a
  sleep) are reported by their own events, at once and with a better reason;
  the board prefers those. Linux only (``/proc``); elsewhere an actor in such
  a call shows as running.
"""

from __future__ import annotations

import _thread
import ast
import functools
import linecache
import os
import sys
import threading
from types import FrameType

from engine.lab import inside

#: Code objects whose lines are not steps (see the module docstring).
NOT_STEPPED = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>", "<lambda>"})
MODULE = "<module>"
#: Looks of the sampler (SAMPLE_PERIOD apart) that must find a let-go thread asleep
#: before it counts as blocked: one look may catch it waiting for the GIL.
BLOCKED_AFTER = 2
#: Characters of a program line quoted in a reason.
QUOTE = 48

_get_ident = _thread.get_ident
_settrace = sys.settrace
_gettrace = sys.gettrace


class LetGo:
    """A thread the engine let go from the gate, until it pauses again."""

    __slots__ = ("native_id", "asleep", "said")

    def __init__(self, native_id: int) -> None:
        self.native_id = native_id
        self.asleep = 0      # looks in a row that found it asleep
        self.said = False    # its ``blocked`` event is sent


# --- the trace functions ------------------------------------------------------------

def _stepped(frame: FrameType) -> bool:
    """Whether the lines of ``frame`` are steps (see the module docstring)."""
    # Dict look-ups only (the file's answer is cached by inside._in_program): cheaper
    # than a cache keyed by the code object, whose hash is computed afresh each time.
    code = frame.f_code
    name = code.co_name
    if name in NOT_STEPPED or not inside._in_program(code.co_filename):
        return False
    if name == MODULE:
        return inside._state.steps_module and frame.f_globals.get("__name__") == "__main__"
    # A function the module-level code calls while it is imported (a spawned child
    # importing the program as __mp_main__ builds its parser: between(1, 8)) is part
    # of that import, and runs freely as the import does.
    back = frame.f_back
    return back is None or back.f_code.co_name != MODULE or _stepped(back)


def _on_call(frame: FrameType, event: str, arg) -> object:
    """The global trace function: a local one for the program's functions only."""
    lab = inside._state
    if not lab.stepping or _get_ident() in lab.own_threads:
        _settrace(None)   # step mode is off (or a lab thread): leave this thread for good
        return None
    if event == "call" and _stepped(frame):
        return _on_event
    return None


def _on_event(frame: FrameType, event: str, arg) -> object:
    """The local trace function of a program frame: a gate before each line."""
    lab = inside._state
    if not lab.stepping:
        _settrace(None)
        return None
    if event == "line":
        ident = _get_ident()
        file = frame.f_code.co_filename
        line = statement_start(file, frame.f_lineno)
        here = (id(frame), line)
        if lab.last_step.get(ident) != here:   # still the same statement: the same step
            lab.last_step[ident] = here
            inside.gate_line(file, line)
    elif event == "return" and inside._program_frame(frame.f_back) is None:
        _left_the_program(lab)
    return _on_event


def _left_the_program(lab: inside.Lab) -> None:
    ident = _get_ident()
    lab.last_step.pop(ident, None)
    lab.let_go.pop(ident, None)
    inside.emit("finished", inside._actor(ident), "has no more lines of the program to run",
                {"ident": ident})
    inside.flush()


_statements: dict[str, dict[int, int]] = {}


def statement_start(file: str, line: int) -> int:
    """The first line of the statement that ``line`` of ``file`` belongs to.

    For a compound statement (``for``, ``with``, ``if``...) only its header
    counts: the lines of its body are statements of their own.
    """
    starts = _statements.get(file)
    if starts is None:
        starts = _statements[file] = _statement_lines(file)
    return starts.get(line, line)


def _statement_lines(file: str) -> dict[int, int]:
    try:
        with open(file, "rb") as f:
            tree = ast.parse(f.read(), file)
    except (OSError, SyntaxError, ValueError):
        return {}
    starts: dict[int, int] = {}
    for node in ast.walk(tree):   # outer statements first: inner ones overwrite them
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            last = max(node.lineno, body[0].lineno - 1)   # the header only
        else:
            last = node.end_lineno or node.lineno
        for line in range(node.lineno, last + 1):
            starts[line] = node.lineno
    return starts


def _mark_frames(frame: FrameType | None) -> None:
    """Give the program frames already running their local trace function."""
    while frame is not None:
        if _stepped(frame):
            frame.f_trace = _on_event
        frame = frame.f_back


# --- on and off -----------------------------------------------------------------------

def turn_on(lab: inside.Lab, here: bool = False) -> None:
    """Step mode on in this process; ``here``: the calling thread is the program's."""
    lab.stepping = True
    os.environ[inside.wire.ENV_STEPPING] = "1"   # children started from now on step too
    threading.settrace(_on_call)
    if hasattr(threading, "settrace_all_threads"):   # 3.12+: threads already running too
        threading.settrace_all_threads(_on_call)
    for ident, frame in sys._current_frames().items():
        if ident in lab.own_threads:
            continue
        _mark_frames(frame)
        # A thread already waiting inside a call (a lock another holds) will not
        # reach a line for a while: the sampler looks at it as at one let go.
        thread = threading._active.get(ident)   # (no look-up that makes a dummy thread)
        native = getattr(thread, "native_id", None)
        if native is not None and not here and inside._program_frame(frame) is not None:
            lab.let_go.setdefault(ident, LetGo(native))
    if here:
        _settrace(_on_call)


def turn_off(lab: inside.Lab) -> None:
    """Step mode off: new threads are not traced; traced ones drop their tracer at
    their next trace call. The caller opens the gates."""
    lab.stepping = False
    os.environ[inside.wire.ENV_STEPPING] = "0"
    threading.settrace(None)


def join_in() -> None:
    """The calling program thread, running since before step mode came on, steps too."""
    _settrace(_on_call)
    _mark_frames(sys._getframe(1))


def needs_joining(lab: inside.Lab) -> bool:
    """Whether the calling thread is a program thread that step mode has not reached."""
    return _gettrace() is None and _get_ident() not in lab.own_threads


def install() -> None:
    """Threads started with ``_thread.start_new_thread`` are traced like the others."""
    real = _thread.start_new_thread

    @functools.wraps(real)
    def start_new_thread(function, args, kwargs=None):
        def traced(*a, **k):
            if inside._state is not None and inside._state.stepping:
                _settrace(_on_call)
            return function(*a, **k)
        return real(traced, args, kwargs or {})

    _thread.start_new_thread = start_new_thread
    if hasattr(_thread, "start_new"):
        _thread.start_new = start_new_thread


# --- blocked: let go, and asleep in a call ---------------------------------------------

def look_for_blocked(lab: inside.Lab, frames: dict[int, FrameType]) -> None:
    """One look of the sampler at the threads let go: say which wait inside a call."""
    for ident, seen in list(lab.let_go.items()):
        frame = frames.get(ident)
        if frame is None or seen.said:
            continue
        if _asleep(seen.native_id):
            seen.asleep += 1
        else:
            seen.asleep = 0
        if seen.asleep >= BLOCKED_AFTER:
            seen.said = True
            where, reason, call = waiting_call(frame)
            if where is not None:
                inside.emit("blocked", inside._actor(ident), reason,
                            {"ident": ident, "file": where.f_code.co_filename, "call": call},
                            where.f_lineno)


def _asleep(native_id: int) -> bool:
    """The kernel's word: the thread sleeps in a wait (S) or uninterruptibly (D)."""
    try:
        with open(f"/proc/self/task/{native_id}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False   # not Linux, or the thread has just ended
    return stat[stat.rfind(b")") + 2:][:1] in (b"S", b"D")


def waiting_call(frame: FrameType) -> tuple[FrameType | None, str, str | None]:
    """(the program frame, the reason, the call's name) for a thread waiting in a call.

    The call is the first frame inside the program's that is not the lab's
    (``Barrier.wait``); a call straight into C (``os.read``) has no frame of
    its own, so the reason quotes the program line instead.
    """
    inner: list[FrameType] = []
    while frame is not None and not inside._in_program(frame.f_code.co_filename):
        inner.append(frame)
        frame = frame.f_back
    if frame is None:
        return None, "", None
    for callee in reversed(inner):
        if not callee.f_code.co_filename.startswith(inside.LAB_DIR + os.sep):
            name = getattr(callee.f_code, "co_qualname", callee.f_code.co_name)
            return frame, f"waiting in {name}()", name
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    code = code.split("  #")[0].strip()   # without its comment (PEP 8 puts two spaces first)
    if len(code) > QUOTE:
        code = code[:QUOTE - 1] + "…"
    return frame, f"waiting in `{code}`", None
