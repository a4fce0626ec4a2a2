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


class HeldListing:
    """A folder's listing, used as ``os.scandir``'s result is, with a pause in it.

    The first time it is iterated it reads the whole real listing, calls
    ``between()``, and only then hands out the entries. A listing that is only
    opened and closed (a check that the folder can be read) does nothing.
    """

    def __init__(self, listing, between):
        self.listing = listing
        self.between = between

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.listing.close()

    def close(self) -> None:
        self.listing.close()

    def __iter__(self):
        with self.listing:
            entries = list(self.listing)
        between, self.between = self.between, None
        if between is not None:
            between()
        return iter(entries)


def install(folder: str, between) -> None:
    """From now on, a walk of ``folder`` reads its listing whole, then calls ``between()``
    (once), then goes on to stat the entries."""
    real_scandir = os.scandir
    pending = [between]

    def scandir(path="."):
        listing = real_scandir(path)
        if os.fspath(path) != folder or not pending:
            return listing
        return HeldListing(listing, lambda: pending and pending.pop()())

    os.scandir = scandir


def source() -> str:
    """This module's code, to run in front of another process's own."""
    with open(__file__, encoding="utf-8") as f:
        return f.read()
