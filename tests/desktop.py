"""Use the real app as a person would: a virtual screen, real keys, real processes.

Shared by tests/gui/test_app_signals.py, scripts/exe_smoke.py and
tests/bench/bench_startup.py. Needs Xvfb and xdotool (``make system-deps``).
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
TITLE = "PySysLab"
#: Lessons whose default run starts child processes, best first. The first one
#: present is the one to run when a check is about processes.
PROCESS_LESSONS = ("mp_queue", "signals", "pipes")


def lesson_with_children() -> str:
    """The first lesson that starts child processes, or ``mutex`` if none exists yet.

    A lesson is an older module (``lessons/<id>.py``) or a plain program run by
    the lab (``lessons/<id>/program.py``), whose own children are then the
    program's (the forked child of pipes)."""
    lessons = ROOT / "engine" / "lessons"
    for lesson_id in PROCESS_LESSONS:
        if (lessons / f"{lesson_id}.py").exists() or \
                (lessons / lesson_id / "program.py").exists():
            return lesson_id
    return "mutex"


class VirtualScreen:
    """An Xvfb server of our own, on a free display number (a context manager)."""

    def __init__(self, geometry: str = "1280x800x24"):
        self.geometry = geometry
        self.display: str | None = None
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> VirtualScreen:
        read_end, write_end = os.pipe()
        number = b""
        try:
            # -displayfd: Xvfb picks a free display and writes its number.
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", self.geometry,
                 "-nolisten", "tcp"],
                pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write_end)
            deadline = time.monotonic() + 15
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([read_end], [], [], 0.5)
                if ready:
                    chunk = os.read(read_end, 64)
                    if not chunk:
                        break
                    number += chunk
        finally:
            os.close(read_end)
        # The number can come before the server accepts clients: wait until it does.
        if not number.strip() or not _accepts_clients(number.strip().decode(), deadline):
            self.__exit__()
            raise RuntimeError("Xvfb did not start within 15 s")
        self.display = f":{number.strip().decode()}"
        return self

    def env(self, base: dict | None = None) -> dict:
        env = dict(os.environ if base is None else base)
        env["DISPLAY"] = self.display
        return env

    def __exit__(self, *exc_info) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _accepts_clients(number: str, deadline: float) -> bool:
    """Whether the X server on display ``number`` accepts a connection (before ``deadline``)."""
    path = f"/tmp/.X11-unix/X{number}"
    # Linux X servers also listen on an abstract socket, which no stale file can fake.
    addresses = [path] if not sys.platform.startswith("linux") else ["\0" + path, path]
    while time.monotonic() < deadline:
        for address in addresses:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(address)
                    return True
                except OSError:
                    pass
        time.sleep(0.02)
    return False


def xdotool(*args: str, display: str | None = None, timeout: float = 30) -> str:
    env = dict(os.environ)
    if display:
        env["DISPLAY"] = display
    done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def find_window(display: str | None = None, title: str = TITLE, timeout: float = 30) -> str:
    """Wait until a window called exactly ``title`` is on screen; return its id."""
    out = xdotool("search", "--sync", "--onlyvisible", "--name", f"^{title}$",
                  display=display, timeout=timeout)
    return out.splitlines()[0]


def press(window: str, *keys: str, display: str | None = None) -> None:
    """Give ``window`` the keyboard focus, then press ``keys`` (X test events)."""
    xdotool("windowfocus", "--sync", window, display=display, timeout=10)
    xdotool("key", *keys, display=display, timeout=10)


@dataclass
class ProcessFamily:
    """A process and every descendant ever seen while watching it."""

    root: psutil.Process
    seen: dict = field(default_factory=dict)  # pid -> (create_time, cmdline)
    parents: dict = field(default_factory=dict)  # pid -> its parent's pid when first seen

    @classmethod
    def of(cls, pid: int) -> ProcessFamily:
        family = cls(psutil.Process(pid))
        family.look()
        return family

    def look(self) -> list[psutil.Process]:
        """Note the family as it is now; return its living members (root first)."""
        members = [self.root]
        try:
            members += self.root.children(recursive=True)
        except psutil.Error:
            pass
        alive = []
        for proc in members:
            try:
                self.parents.setdefault(proc.pid, proc.ppid())   # a zombie's too
                key = (proc.create_time(), " ".join(proc.cmdline())[:120])
            except psutil.Error:
                continue
            self.seen.setdefault(proc.pid, key)
            alive.append(proc)
        return alive

    def descendants_now(self) -> list[psutil.Process]:
        return [p for p in self.look()[1:] if not is_zombie(p)]

    def threads_now(self) -> int:
        try:
            return self.root.num_threads()
        except psutil.Error:
            return 0

    def left_over(self) -> list[str]:
        """Members still running (a zombie has ended; reaping it is its parent's job)."""
        left = []
        for pid, (created, cmdline) in self.seen.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() != created or is_zombie(proc):
                    continue
            except psutil.Error:
                continue
            left.append(f"{pid} {cmdline}")
        return left

    def kill_all(self) -> None:
        """Clean-up after a failed check: end whatever of the family still runs."""
        for pid, (created, _) in self.seen.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created:
                    proc.kill()
            except psutil.Error:
                pass


def is_zombie(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def wait_for(predicate, timeout: float, step: float = 0.02, every=None) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` passes; call ``every()`` each time."""
    deadline = time.monotonic() + timeout
    while True:
        if every is not None:
            every()
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def is_lesson_child(proc: psutil.Process) -> bool:
    """A process a lesson started (not multiprocessing's resource tracker)."""
    try:
        return not any("resource_tracker" in part for part in proc.cmdline())
    except psutil.Error:
        return False


class RunningApp:
    """The app started as a program, on a display, watched from outside."""

    def __init__(self, command: list[str], display: str | None, log_path: Path,
                 env: dict | None = None):
        self.command = command
        self.display = display
        self.log_path = log_path
        self.env = dict(os.environ if env is None else env)
        if display:
            self.env["DISPLAY"] = display
        self.proc: subprocess.Popen | None = None
        self.family: ProcessFamily | None = None
        self.window: str | None = None

    def start(self) -> RunningApp:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=ROOT)
        self.family = ProcessFamily.of(self.proc.pid)
        return self

    def wait_window(self, timeout: float = 30) -> str:
        self.window = find_window(self.display, timeout=timeout)
        return self.window

    def run_current_lesson(self, want_children: bool, timeout: float = 15) -> str:
        """Press F5 (the app's Run shortcut) and wait until the run is visibly going.

        Returns what was seen. A lesson with processes counts as running once one
        of its children exists; any other once the app has more threads than before.
        """
        threads_before = self.family.threads_now()
        # A onefile build's launcher already has the app as its child: count new ones only.
        before = {p.pid for p in self.family.descendants_now()}
        press(self.window, "F5", display=self.display)

        def children():
            return [p for p in self.family.descendants_now()
                    if p.pid not in before and is_lesson_child(p)]

        if want_children:
            ok = wait_for(lambda: children(), timeout)
            what = f"{len(children())} child process(es) of the lesson"
        else:
            ok = wait_for(lambda: self.family.threads_now() > threads_before, timeout,
                          every=self.family.look)
            what = f"{self.family.threads_now() - threads_before} more thread(s)"
        if not ok:
            raise RuntimeError(f"F5 did not start a run within {timeout:.0f} s\n{self.log()}")
        return what

    def wait_exit(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.family.look()  # note any last child, so a leftover is caught
            time.sleep(0.02)
        if self.proc.poll() is None:
            raise RuntimeError(f"the app did not exit within {timeout:.0f} s\n{self.log()}")
        return self.proc.returncode

    def left_over(self, grace: float = 3.0) -> list[str]:
        """Members of the app's family still running after ``grace`` seconds."""
        wait_for(lambda: not self.family.left_over(), grace, step=0.05)
        return self.family.left_over()

    def log(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "--- app output ---\n" + text[-4000:]

    def kill(self) -> None:
        if self.family is not None:
            self.family.kill_all()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
