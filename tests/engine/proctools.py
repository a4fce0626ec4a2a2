"""Catch a run's processes while they live, and check later that none is left.

``psutil.Process`` remembers each process's start time, so a PID the OS
hands to a new process afterwards is not mistaken for ours. A zombie (ended
but not reaped) still counts as left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil


def processes(pids) -> list[psutil.Process]:
    """psutil handles on ``pids`` (the ones alive now)."""
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    return found


def left_behind(procs, wait: float = 0.0, zombies: bool = True) -> list[str]:
    """Descriptions of the processes in ``procs`` still there (zombies too).

    ``zombies=False`` once the process that started them has exited (a command
    run by ``run_cli``): what it leaves then belongs to init, which reaps
    an ended orphan in its own time, on some machines more than a second later.
    multiprocessing's resource tracker is such an orphan: it ends only when the
    command has gone. Only the processes still running are then left behind.
    """
    deadline = time.monotonic() + wait
    while True:
        left = []
        for p in procs:
            try:
                if not p.is_running():
                    continue
                status = p.status()
                if status == psutil.STATUS_ZOMBIE:
                    if zombies:
                        left.append(f"{p.pid} (zombie)")
                    continue
                left.append(f"{p.pid} ({status}) {' '.join(p.cmdline())[:60]}")
            except psutil.ZombieProcess:
                if zombies:
                    left.append(f"{p.pid} (zombie)")
            except psutil.NoSuchProcess:
                pass                   # gone meanwhile
            except psutil.Error:
                left.append(f"{p.pid} (?)")
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def has_ended(pid: int) -> bool:
    """True once ``pid`` is gone, or a zombie whose every thread has ended, so
    that its parent's waitpid collects it now. Never reaps it.

    A killed process with threads shows as a zombie while its other threads
    still end; until they have, waitpid in its parent does not see it yet."""
    try:
        if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            return False
        return len(os.listdir(f"/proc/{pid}/task")) <= 1
    except (psutil.NoSuchProcess, FileNotFoundError):
        return True


def descendants() -> set:
    """Every process below this one, grandchildren included."""
    return set(psutil.Process().children(recursive=True))


def run_cli(args: list[str], out_path) -> tuple[int, str, set]:
    """Run ``python -m engine ARGS`` and note every process below it while it runs.

    Returns the exit status, the output, and psutil handles on every process
    seen under it (children and grandchildren)."""
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine", *args], stdout=out,
                                stderr=subprocess.STDOUT)
        seen = set()
        try:
            top = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    seen.update(top.children(recursive=True))
                except psutil.NoSuchProcess:
                    break
                time.sleep(0.01)
            status = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with open(out_path) as f:
        return status, f.read(), seen
