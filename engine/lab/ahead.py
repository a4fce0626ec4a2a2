"""How a lab process is started, and the command line's one, started before anything else.

``lab_env`` and ``lab_command`` say how any lab process starts (``LabRun`` uses
them). ``spawn()`` starts one that waits for its order (``--wait``), from the
first lines of ``python -m engine run`` (engine/__main__.py), with nothing
imported but ``os``: ``engine.lab.run`` imports json, the event class and the
watcher's modules first, and ``subprocess`` alone takes ~10 ms to import
(selectors, threading, contextlib...), all of it before the lab could start.
So ``spawn()`` starts it with ``os.posix_spawn`` (a ``Spawned``, which does the
little of ``subprocess.Popen`` a lab needs) where the system has it. A waiting lab
connects to the engine only once it has its order, so the engine's listening
socket may be made after the lab has started: ``LabRun`` adopts the process
(``take()``), and binds the socket where its environment says it is.
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


def spawn() -> None:
    """Start one waiting lab process now, for the command line's run to take.

    Only where the engine will listen on a Unix socket in a folder (its path is
    known before the socket exists); elsewhere the run starts its lab as usual."""
    global _started
    if _started is not None or os.name != "posix" or os.environ.get(wire.ENV_WITHOUT):
        return
    try:
        folder = private_folder()
    except OSError:
        return   # the run starts its lab the usual way, and says why if it cannot
    path = os.path.join(folder, SOCKET_NAME)
    if len(path) > 100:   # too long for a Unix socket on some systems
        os.rmdir(folder)
        return
    secret = os.urandom(16).hex()
    try:
        if hasattr(os, "posix_spawn"):
            proc = Spawned(lab_command(["--wait"]),
                           lab_env(f"unix:{path}", secret, None, 1.0, wire.NEVER))
        else:
            proc = start(f"unix:{path}", secret, lab_command(["--wait"]), stepping=wire.NEVER)
    except OSError:
        os.rmdir(folder)
        return
    _started = (proc, folder, secret, path)
    atexit.register(_end_untaken)


class Spawned:
    """A waiting lab process started with ``os.posix_spawn``: what a run uses of a Popen.

    Its stdin is a pipe (the order comes there), its stdout and stderr one pipe
    (the raw fd 1/2 output), and it leads a new session, as ``start`` makes one.
    Only fds 0, 1 and 2 are given: every descriptor Python opens is close-on-exec,
    and the command line has opened nothing else yet.
    """

    def __init__(self, command: list[str], env: dict) -> None:
        order_r, order_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            self.pid = os.posix_spawn(command[0], command, env, setsid=True, file_actions=[
                (os.POSIX_SPAWN_DUP2, order_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, out_w, 2)])
        except BaseException:
            os.close(order_w)
            os.close(out_r)
            raise
        finally:
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
    try:
        os.killpg(proc.pid, 9)
    except OSError:
        pass
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()
    remove_folder(folder)


def remove_folder(folder: str) -> None:
    """A run's socket folder, gone: it holds the engine's socket at most (not shutil,
    which takes ~4 ms to import, on the command line's path)."""
    try:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    except OSError:
        pass   # gone already, or not ours to remove
