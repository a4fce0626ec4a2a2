"""What a run may leave behind: threads, child processes, open file descriptors."""

from __future__ import annotations

import gc
import os
import threading
import time
from dataclasses import dataclass

import psutil


def _is_mp_singleton(proc: psutil.Process) -> bool:
    # multiprocessing's resource tracker starts once per program and lives as
    # long as it does; it is not something a run leaves behind.
    try:
        return any("resource_tracker" in part for part in proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _open_fds(me: psutil.Process) -> int:
    # Windows has handles, not file descriptors, and counts far more of them than
    # a program opens (each thread has one): there the check covers threads and
    # child processes only.
    return me.num_fds() if hasattr(me, "num_fds") else 0


def _fd_listing() -> list[str]:
    for folder in ("/proc/self/fd", "/dev/fd"):   # Linux; macOS
        if os.path.isdir(folder):
            return sorted(os.listdir(folder))
    return []


@dataclass
class Snapshot:
    threads: int
    children: set
    fds: int

    @classmethod
    def take(cls) -> Snapshot:
        me = psutil.Process()
        kids = {p.pid for p in me.children(recursive=True) if not _is_mp_singleton(p)}
        return cls(threads=me.num_threads(), children=kids, fds=_open_fds(me))


def leaks_since(before: Snapshot, wait: float = 3.0) -> list[str]:
    """Differences from ``before`` that last longer than ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        gc.collect()
        now = Snapshot.take()
        problems = []
        if now.threads > before.threads:
            names = sorted(t.name for t in threading.enumerate())
            problems.append(f"{now.threads - before.threads} thread(s) left: {names}")
        extra = now.children - before.children
        if extra:
            described = []
            for pid in sorted(extra):
                try:
                    p = psutil.Process(pid)
                    described.append(f"{pid} {p.status()} {' '.join(p.cmdline())[:80]}")
                except psutil.Error:
                    described.append(str(pid))
            problems.append(f"child process(es) left: {described}")
        if now.fds > before.fds:
            problems.append(f"{now.fds - before.fds} file descriptor(s) left open: "
                            f"{_fd_listing()}")
        if not problems or time.monotonic() >= deadline:
            return problems
        time.sleep(0.05)


def warm_multiprocessing() -> None:
    """Start multiprocessing's once-per-program helpers before measuring."""
    import multiprocessing
    from multiprocessing import resource_tracker

    if os.name == "posix":   # Windows has no resource tracker
        resource_tracker.ensure_running()
    # The shared-memory arena lives on once made.
    multiprocessing.get_context("spawn").Value("d", 1.0, lock=False)
