"""Files that vanish between a folder's listing and their ``stat``, made to happen.

The careful scan lists a folder, then stats each match. A file deleted in
between is a case it must count and survive. A thread deleting files while the
scan runs hits that moment only by luck (on a fast machine, rarely), so this
module holds the walk at that exact point instead: ``install`` wraps
``os.scandir`` for one folder, so that the real listing is read whole, the test
then really deletes files, and only after that does the walk see the entries
and stat them.

The module runs by itself too: a test that scans in another process (as
another user) puts its source in front of that process's code (``source()``).
"""

import os


class WrappedListing:
    """Stands in for what ``os.scandir`` returns: a listing to use once, in a ``with``."""

    def __init__(self, listing):
        self.listing = listing

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.listing.close()

    def close(self) -> None:
        self.listing.close()


class HeldListing(WrappedListing):
    """A folder's listing with a pause in it.

    The first time it is iterated it reads the whole real listing, calls
    ``between()``, and only then hands out the entries. A listing that is only
    opened and closed (a check that the folder can be read) does nothing.
    """

    def __init__(self, listing, between):
        super().__init__(listing)
        self.between = between

    def __iter__(self):
        with self.listing:
            entries = list(self.listing)
        between, self.between = self.between, None
        if between is not None:
            between()
        return iter(entries)


def listed_folder(path) -> str:
    """The folder an ``os.scandir(path)`` call lists. The careful walk lists an open
    folder's descriptor; the kernel knows which folder that is."""
    if isinstance(path, int):
        return os.readlink(f"/proc/self/fd/{path}")
    return os.fspath(path)


def wrap_listings(folder: str, wrap) -> None:
    """From now on, ``os.scandir`` of ``folder`` returns ``wrap(listing)``."""
    real_scandir = os.scandir

    def scandir(path="."):
        listing = real_scandir(path)
        return wrap(listing) if listed_folder(path) == folder else listing

    os.scandir = scandir


def install(folder: str, between) -> None:
    """From now on, a walk of ``folder`` reads its listing whole, then calls ``between()``
    (once), then goes on to stat the entries."""
    pending = [between]
    wrap_listings(folder, lambda listing: HeldListing(listing, lambda: pending and pending.pop()()))


def source() -> str:
    """This module's code, to run in front of another process's own."""
    with open(__file__, encoding="utf-8") as f:
        return f.read()
