"""How a lab process is started, and the command line's one, started before anything else.

``lab_env`` and ``lab_command`` say how any lab process starts (``LabRun`` uses
them). ``spawn()`` starts one that waits for its order (``--wait``), from the
first lines of ``python -m engine run`` (engine/__main__.py), with nothing
imported but ``os``: ``engine.lab.run`` imports json, the event class and the
watcher's modules first, and ``subprocess`` alone takes ~10 ms to import
(selectors, threading, contextlib...), all of it before the lab could start.

Where the system can fork, that lab is a copy of the command line made then
(``os.fork``): it skips the ~20 ms of CPU a new interpreter takes to start up
(and ``-m``'s runpy) and imports the lab's modules while the command line
imports its own, on the other core. Elsewhere it is started with
``os.posix_spawn`` (a ``Spawned``, which does the little of ``subprocess.Popen``
a lab needs), or ``start()``. A waiting lab connects to the engine only once
it has its order, so the engine's listening socket may be made after the lab
has started: ``LabRun`` adopts the process (``take()``), and binds the socket
where its environment says it is.
"""

from __future__ import annotations

import atexit
import os
import sys

from engine.lab import wire

TYPE_CHECKING = False
if TYPE_CHECKING:   # (typing itself costs an import on the command line's first lines)
    import subprocess

STARTUP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "startup")
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOCKET_NAME = "events"

_started: tuple[subprocess.Popen, str] | None = None


def lab_env(address: str, secret: str, program: str | None, speed: float,
            stepping: str) -> dict:
    """The environment of a lab process whose engine listens at ``address``
    (``wire.listen``); ``stepping`` is "1", "0" or ``wire.NEVER``."""
    env = dict(os.environ)
    env[wire.ENV_SOCKET] = address
    env[wire.ENV_SECRET] = secret
    if program:   # else the waiting lab learns it with its order
        env[wire.ENV_FOLDER] = os.path.dirname(program)
    env[wire.ENV_SPEED] = repr(speed)
    env[wire.ENV_ROLE] = "root"
    env[wire.ENV_STEPPING] = stepping
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (STARTUP_DIR, PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"   # raw fd output arrives when written
    return env


def lab_command(tail: list[str]) -> list[str]:
    """The lab's command line; ``tail`` is PROGRAM ARGS, or --wait."""
    if getattr(sys, "frozen", False):
        # The executable is its own Python: its entry script (gui/__main__.py)
        # turns "--lab-inside" into engine.lab.inside.main(), and installs the lab
        # in spawned children (no sitecustomize there: there is no PYTHONPATH).
        return [sys.executable, "--lab-inside", *tail]
    return [sys.executable, "-m", "engine.lab.inside", *tail]


def start(address: str, secret: str, command: list[str], program: str | None = None,
          speed: float = 1.0, stepping: str = "0") -> subprocess.Popen:
    """Start a lab process (its own process group: one killpg ends all it starts)."""
    import subprocess
    return subprocess.Popen(
        command, stdin=subprocess.PIPE if not program else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=lab_env(address, secret, program, speed, stepping), start_new_session=True)


def private_folder() -> str:
    """A new folder only this user may enter, for the engine's socket (as mkdtemp makes,
    without importing tempfile and what it imports)."""
    base = os.environ.get("TMPDIR") or "/tmp"
    while True:
        folder = os.path.join(base, f"pysyslab-lab-{os.urandom(6).hex()}")
        try:
            os.mkdir(folder, 0o700)
            return folder
        except FileExistsError:
            continue


def spawn() -> bool:
    """Start one waiting lab process now, for the command line's run to take.

    Only where the engine will listen on a Unix socket in a folder (its path is
    known before the socket exists); elsewhere the run starts its lab as usual.
    True in the lab process itself when it is a fork of the caller: the caller
    then runs ``engine.lab.inside.main()`` and nothing else (engine/__main__.py).
    The command line must not have started a thread yet."""
    global _started
    if _started is not None or os.name != "posix" or os.environ.get(wire.ENV_WITHOUT):
        return False
    try:
        folder = private_folder()
    except OSError:
        return False   # the run starts its lab the usual way, and says why if it cannot
    path = os.path.join(folder, SOCKET_NAME)
    if len(path) > 100:   # too long for a Unix socket on some systems
        os.rmdir(folder)
        return False
    secret = os.urandom(16).hex()
    env = lab_env(f"unix:{path}", secret, None, 1.0, wire.NEVER)
    try:
        if hasattr(os, "fork"):
            proc = Spawned(None, env)
            if proc.pid == 0:
                return True   # the lab: it runs no more of the command line
        elif hasattr(os, "posix_spawn"):
            proc = Spawned(lab_command(["--wait"]), env)
        else:
            proc = start(f"unix:{path}", secret, lab_command(["--wait"]), stepping=wire.NEVER)
    except OSError:
        os.rmdir(folder)
        return False
    _started = (proc, folder, secret, path)
    atexit.register(_end_untaken)
    return False


class Spawned:
    """A waiting lab process started with ``os.posix_spawn`` (``command``), or forked
    (``command`` None): what a run uses of a Popen.

    Its stdin is a pipe (the order comes there), its stdout and stderr one pipe
    (the raw fd 1/2 output), and it leads a new session, as ``start`` makes one.
    Only fds 0, 1 and 2 are given: every descriptor Python opens is close-on-exec,
    and the command line has opened nothing else yet.

    In a forked lab, ``pid`` is 0 and the process has been made what a lab started
    with ``env`` would be (``_become_the_lab``); nothing else of it is used.
    """

    def __init__(self, command: list[str] | None, env: dict) -> None:
        order_r, order_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            if command is None:
                self.pid = os.fork()
            else:
                self.pid = os.posix_spawn(command[0], command, env, setsid=True,
                                          file_actions=[(os.POSIX_SPAWN_DUP2, order_r, 0),
                                                        (os.POSIX_SPAWN_DUP2, out_w, 1),
                                                        (os.POSIX_SPAWN_DUP2, out_w, 2)])
        except BaseException:
            for fd in (order_r, order_w, out_r, out_w):
                os.close(fd)
            raise
        if self.pid == 0:
            try:
                os.close(order_w)
                os.close(out_r)
                _become_the_lab(order_r, out_w, env)
            except BaseException:
                os._exit(1)   # never on into the command line's code: the run starts
            return            # another lab, as for one that died waiting
        os.close(order_r)
        os.close(out_w)
        self.stdin = open(order_w, "wb")   # buffered, as Popen's: close() writes it all
        self.stdout = open(out_r, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0   # reaped elsewhere: its status is lost
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Reap it (``timeout`` is not used: a lab is only waited for once it is ended)."""
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = 0
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, number)


def _become_the_lab(order_r: int, out_w: int, env: dict) -> None:
    """In a fork of the command line: become what ``lab_command(["--wait"])`` started
    with ``env`` would be, up to its first line.

    Its own session; the order pipe as stdin, the output pipe as stdout and stderr,
    written through (``PYTHONUNBUFFERED``); the environment, ``sys.path`` and
    ``sys.argv`` of ``python -m engine.lab.inside --wait``. The interpreter's state
    is the command line's first lines': nothing but os, sys and atexit imported, no
    thread, no signal handler of ours.
    """
    import fcntl
    import io
    os.setsid()
    # A pipe end may have been given a standard fd the command line was started
    # without (2>&-): moved above 2 first, each dup2 below puts the right one there.
    order_r, out_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 3) if fd <= 2 else fd
                      for fd in (order_r, out_w))
    for fd, to in ((order_r, 0), (out_w, 1), (out_w, 2)):
        os.dup2(fd, to)
    os.close(order_r)
    os.close(out_w)
    for name, value in env.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
    # The encoding and error handlers Python chose for this environment, read from a
    # stream the command line was started with (stdin and stdout have the same).
    known = next((s for s in (sys.__stdout__, sys.__stdin__, sys.__stderr__) if s), None)
    encoding = getattr(known, "encoding", None)
    errors = getattr(known, "errors", None) if known is not sys.__stderr__ else None
    streams = []
    for fd, mode, handler in ((0, "r", errors), (1, "w", errors), (2, "w", "backslashreplace")):
        raw = io.FileIO(fd, mode, closefd=False)
        streams.append(io.TextIOWrapper(raw if mode == "w" else io.BufferedReader(raw),
                                        encoding, handler, newline="\n", write_through=True))
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams
    sys.path[1:1] = [STARTUP_DIR, PROJECT_ROOT]   # PYTHONPATH's, as they would come
    sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "inside.py"),
                "--wait"]


def take() -> tuple[subprocess.Popen, str, str, str] | None:
    """The lab process spawn() started, its folder, secret and socket path, once;
    None if there is none."""
    global _started
    started, _started = _started, None
    return started


def _end_untaken() -> None:
    """At exit, a lab nobody took: ended (it has no program), reaped, its folder gone."""
    started = take()
    if started is not None:
        end(started[0], started[1])


def end(proc: subprocess.Popen, folder: str) -> None:
    """End a waiting lab process that no run will use: killed, reaped, its folder gone."""
    kill_group(proc, 9)
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()
    remove_folder(folder)


def kill_group(proc: subprocess.Popen, number: int) -> None:
    """Send ``number`` to a lab's whole process group (a lab leads its own).

    A lab forked by ``spawn()`` that has not made its session yet has no group,
    and has started nothing: it gets the signal alone (not if it is known to have
    ended, as its pid may be another's by then)."""
    try:
        os.killpg(proc.pid, number)
    except ProcessLookupError:
        proc.send_signal(number)   # or nobody is left in the group: nothing to do
    except PermissionError:
        pass   # macOS: EPERM when only zombies are left in the group


def remove_folder(folder: str) -> None:
    """A run's socket folder, gone: it holds the engine's socket at most (not shutil,
    which takes ~4 ms to import, on the command line's path)."""
    try:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    except OSError:
        pass   # gone already, or not ours to remove
