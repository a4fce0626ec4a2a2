"""One folder of half a million files, and a walk of it held at a known entry.

A scan must notice Stop inside one huge folder, not only between folders. A
test shows it without trusting the machine's speed: the listing of the huge
folder is paced (a short pause every ``PACE_EVERY`` entries, so the walk is
inside the folder for a known minimum time and reports progress from there),
and at entry ``hold_at`` it waits until the test has asked for Stop. When it
goes on, Stop has been asked with half the folder still unread, so a walk
that checks only between folders reads it all, and one that checks inside
the folder stops short.

``install`` wraps ``os.scandir`` for that one folder (the careful walk);
``hold_calls`` wraps any function called once per file (the classic walk's
``os.path.getsize``: ``os.walk`` reads a whole listing before it yields it).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time

from tests.vanish import WrappedListing, wrap_listings

PACE_EVERY = 1000   # entries between two pauses
PACE = 0.002        # seconds: 500 entries per ms at most, so 250,000 take >= 0.5 s


def make(files: int) -> str:
    """A new folder holding ``files`` empty files ``f0000000.py`` ..., made fast:
    in /dev/shm (memory) when there is one, one ``mknod`` per file."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="pysyslab-huge-", dir=base)
    here = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(files):
            os.mknod(f"f{i:07d}.py", 0o644 | stat.S_IFREG, dir_fd=here)
    except BaseException:
        shutil.rmtree(folder)
        raise
    finally:
        os.close(here)
    return folder


class Pacer:
    """Counts the items a walk goes through: pauses now and then; holds at one."""

    def __init__(self, hold_at: int, hold):
        self.seen = 0
        self.hold_at = hold_at
        self.hold = hold

    def step(self) -> None:
        self.seen += 1
        if self.seen % PACE_EVERY == 0:
            time.sleep(PACE)
        if self.seen == self.hold_at:
            self.hold()


class PacedListing(WrappedListing):
    """A folder's listing, handed out entry by entry through a Pacer."""

    def __init__(self, listing, pacer: Pacer):
        super().__init__(listing)
        self.pacer = pacer

    def __iter__(self):
        for entry in self.listing:
            self.pacer.step()
            yield entry


def install(folder: str, hold_at: int, hold) -> None:
    """From now on, listings of ``folder`` are paced, and held at entry ``hold_at``
    (``hold()`` is called there, once)."""
    pacer = Pacer(hold_at, hold)
    wrap_listings(folder, lambda listing: PacedListing(listing, pacer))


def hold_calls(function, hold_at: int, hold):
    """``function`` wrapped: its calls are paced, and held at call ``hold_at``."""
    pacer = Pacer(hold_at, hold)

    def wrapper(*args, **kwargs):
        pacer.step()
        return function(*args, **kwargs)

    return wrapper
