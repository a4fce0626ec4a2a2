"""The fast, careful directory walk behind the filescan lesson.

Each helper here is small and says why it is fast. In short:

- ``os.scandir`` hands back each folder's entries with their type already
  known (the ``d_type`` the kernel returns with the names), so telling
  files from folders costs no system call. Only a matching file is
  ``stat``-ed, once, for its size.
- An explicit stack instead of recursion: no recursion limit on deep trees,
  and no generator frames to resume for every folder.
- ``TopN`` keeps the N smallest and N largest with ``heapq``, not every
  file: memory stays O(N), and most files cost one integer comparison.
- The clock is read once per folder, and once per CHECK_EVERY entries inside
  a big one, so progress is reported every ~50 ms and Stop is noticed within
  ~20 ms even in a folder of a million files, without a clock read per file.
- Each folder is opened once, as a descriptor, and listed and ``stat``-ed
  through it: the kernel looks up a name in one folder instead of walking the
  whole path again, and the folder listed is the folder that was found in its
  parent, even if the tree changes meanwhile (see ``open_listed``).
- A big tree is split across worker processes (2 cores are 2x the work),
  but only after a quick first pass in this process: starting a Python
  process costs ~0.1 s, more than a small tree takes to walk.
- Errors never stop the walk: an unreadable folder, a file that vanished
  between the listing and the ``stat``, a symlink loop are counted and
  listed instead.

Semantics match ``find ROOT -type f -name '*EXT'``: regular files only,
case-sensitive suffix, hidden folders included, symlinks not followed
unless asked (then each folder is walked once, by (device, inode)). Without
following, no file outside the root is ever reported: a folder replaced by a
symlink (or by another folder) between its listing and its walk is skipped
and listed as changed.
"""

from __future__ import annotations

import errno
import heapq
import math
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable

from .errors import LessonError

TICK = 0.01            # seconds between checks of Stop (and work requests) in a walk
CHECK_EVERY = 4096     # entries of one folder between two looks at the clock
PROGRESS_EVERY = 0.05  # seconds between progress reports
FIRST_PASS = 0.015     # seconds walked in this process before starting workers
# Seconds to pause after each folder. Always 0 for learners; tests set it (here,
# before a scan starts; workers get it inside the ScanSpec) to hold a walk open for a
# known time, so "Stop lands mid-walk" and "progress is reported" happen on a machine
# of any speed instead of only on a slow one.
FOLDER_DELAY = 0.0
# Worker processes for a big tree, besides this one (which walks too).
WORKERS = max(1, min(3, (os.cpu_count() or 2) - 1))
MAX_LISTED_ERRORS = 1000
# How a folder is opened for its listing (see open_listed). O_NONBLOCK as opendir
# has it: a FIFO put where a folder was must not block the open.
OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK | os.O_CLOEXEC
OPEN_FOLDER_NOT_A_LINK = OPEN_FOLDER | os.O_NOFOLLOW
HISTOGRAM_BUCKETS = 64  # bucket k holds sizes with k binary digits: [2**(k-1), 2**k)


class ScanSpec:
    """What to look for; small and picklable, so workers get the same spec."""

    __slots__ = ("ext", "top", "hidden", "follow_links", "folder_delay")

    def __init__(self, ext: str = ".py", top: int = 10, hidden: bool = True,
                 follow_links: bool = False, folder_delay: float | None = None):
        self.ext = ext
        self.top = top
        self.hidden = hidden
        self.follow_links = follow_links
        self.folder_delay = FOLDER_DELAY if folder_delay is None else folder_delay

    def __getstate__(self):
        return (self.ext, self.top, self.hidden, self.follow_links, self.folder_delay)

    def __setstate__(self, state):
        self.ext, self.top, self.hidden, self.follow_links, self.folder_delay = state


class TopN:
    """The ``n`` smallest and ``n`` largest ``(size, path, mtime)`` seen.

    Why it is fast and small: a candidate is kept only if its size can still
    be among the smallest (``<= low_bar``) or the largest (``>= high_bar``).
    Candidates gather in a short list; when it fills, ``heapq.nsmallest`` /
    ``heapq.nlargest`` cut it back to ``n`` and raise the bar. Memory stays
    O(n) and most files cost one integer comparison. Ties are broken on
    (size, path), so the result does not depend on the walk order.
    """

    def __init__(self, n: int):
        self.n = n
        self.low: list = []
        self.high: list = []
        self.low_bar: float = math.inf
        self.high_bar: float = -1
        self._limit = max(2 * n, 256)

    def offer(self, size: int, path: str, mtime: float) -> None:
        item = (size, path, mtime)
        if size <= self.low_bar:
            self.low.append(item)
            if len(self.low) >= self._limit:
                self._trim_low()
        if size >= self.high_bar:
            self.high.append(item)
            if len(self.high) >= self._limit:
                self._trim_high()

    def _trim_low(self) -> None:
        self.low = heapq.nsmallest(self.n, self.low)
        if len(self.low) == self.n:
            self.low_bar = self.low[-1][0]

    def _trim_high(self) -> None:
        self.high = heapq.nlargest(self.n, self.high)
        if len(self.high) == self.n:
            self.high_bar = self.high[-1][0]

    def merge(self, other: TopN) -> None:
        self.low.extend(other.low)
        self.high.extend(other.high)
        self._trim_low()
        self._trim_high()

    def smallest(self) -> list:
        """The n smallest, smallest first."""
        return heapq.nsmallest(self.n, self.low)

    def largest(self) -> list:
        """The n largest, largest first."""
        return heapq.nlargest(self.n, self.high)


def describe(exc: OSError) -> str:
    """A reason a person understands, without the path (listed beside it)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "vanished during the scan"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "path too long"
    return exc.strerror or str(exc)


class Found:
    """What one walker found: counts, the top N, a size histogram, errors."""

    def __init__(self, spec: ScanSpec):
        self.count = 0
        self.bytes = 0
        self.folders = 0
        self.histogram = [0] * HISTOGRAM_BUCKETS
        self.top = TopN(spec.top)
        self.errors: list = []      # [path, reason], at most MAX_LISTED_ERRORS
        self.error_count = 0
        self.unreadable_folders = 0
        self.vanished = 0
        self.loops = 0

    def add_error(self, path: str, exc: OSError, folder: bool = False) -> None:
        """Count and list one failure; the walk goes on."""
        reason = describe(exc)
        if exc.errno == errno.ENOENT:
            self.vanished += 1
        elif exc.errno == errno.ELOOP:
            self.loops += 1
        elif folder:
            self.unreadable_folders += 1
            reason = f"cannot read folder: {reason}"
        self._list(path, reason)

    def add_changed(self, path: str) -> None:
        """A folder is no longer the folder its parent's listing showed: skipped."""
        self.vanished += 1
        self._list(path, "changed during the scan (now a link or another folder); skipped")

    def add_loop(self, path: str) -> None:
        """A followed link leads to a folder already walked."""
        self.loops += 1
        self._list(path, "symlink to a folder already scanned (a loop or a second link)")

    def _list(self, path: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append([path, reason])

    def merge(self, other: Found) -> None:
        self.count += other.count
        self.bytes += other.bytes
        self.folders += other.folders
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]
        self.top.merge(other.top)
        room = MAX_LISTED_ERRORS - len(self.errors)
        self.errors.extend(other.errors[:max(0, room)])
        self.error_count += other.error_count
        self.unreadable_folders += other.unreadable_folders
        self.vanished += other.vanished
        self.loops += other.loops

    def add_counts(self, count: int, size: int, folders: int) -> None:
        """What a walk counted since it last said so."""
        self.count += count
        self.bytes += size
        self.folders += folders

    def counters(self) -> tuple:
        return (self.folders, self.count, self.bytes)

    def result(self) -> dict:
        """The lesson's result data (see the CLI's --json)."""
        smallest = self.top.smallest()
        largest = self.top.largest()
        last = max((i for i, n in enumerate(self.histogram) if n), default=0)
        return {
            "count": self.count,
            "bytes": self.bytes,
            "smallest": [[size, path] for size, path, _ in smallest],
            "largest": [[size, path] for size, path, _ in largest],
            "errors": sorted(self.errors),
            "modified": {"smallest": [m for _, _, m in smallest],
                         "largest": [m for _, _, m in largest]},
            "histogram": self.histogram[:last + 1],
            "folders": self.folders,
            "error_count": self.error_count,
            "unreadable_folders": self.unreadable_folders,
            "vanished": self.vanished,
            "loops": self.loops,
        }


def root_item(root: str) -> tuple:
    """The stack entry of a scan's root: a folder with nothing to compare it with."""
    return (root, None, None, None)


def walk(stack: list, found: Found, spec: ScanSpec, tick: Callable[[list, str, bool], bool],
         seen: set | None = None, every: float = TICK) -> bool:
    """Walk every folder on ``stack`` (and below) into ``found``.

    ``stack`` holds ``(path, dev, ino, parent)`` tuples: a folder, the
    (device, inode) it had when its parent was listed and the parent's own
    (see ``open_listed``); ``root_item`` makes the first one.

    ``tick(stack, folder, mid_folder)`` is called about ``every`` seconds,
    between folders and, every CHECK_EVERY entries, inside a big one
    (``mid_folder``); it may take folders off ``stack`` (to give them to
    another worker) and returns False to pause the walk. The rest of a
    listing cannot be handed on, so inside a folder False means Stop: the
    rest of the folder is dropped. Returns True when the stack is empty.

    Why it is fast: the loop is one function with its names bound to locals;
    ``DirEntry.is_dir``/``is_file`` with ``follow_symlinks=False`` read the
    type the kernel returned with the name (no system call); only a match is
    ``stat``-ed, relative to the open folder; the clock is read once per
    folder and once per CHECK_EVERY entries, never per file.
    """
    scandir, monotonic, close = os.scandir, time.monotonic, os.close
    ext, skip_hidden, follow = spec.ext, not spec.hidden, spec.follow_links
    delay = spec.folder_delay
    push, pop = stack.append, stack.pop
    top, histogram = found.top, found.histogram
    count = size_sum = folders = 0
    linked: list = []        # follow-links mode: folders reached through a link
    next_tick = monotonic() + every
    try:
        while stack or linked:
            if not stack:
                take_linked(linked, seen, push, found)
                continue
            item = pop()
            opened = open_listed(item, follow, found)
            if opened is None:
                continue
            fd, here = opened
            folder, dev = item[0], here[0]
            prefix = folder if folder.endswith(os.sep) else folder + os.sep
            folders += 1
            budget = CHECK_EVERY
            ticking = False
            try:
                with scandir(fd) as entries:
                    for entry in entries:
                        budget -= 1
                        if not budget:           # a big folder: a look at the clock
                            budget = CHECK_EVERY
                            if monotonic() >= next_tick:
                                found.add_counts(count, size_sum, folders)
                                count = size_sum = folders = 0
                                ticking = True      # its errors are not the listing's
                                if not tick(stack, folder, True):
                                    return False
                                ticking = False
                                next_tick = monotonic() + every
                        if follow:
                            st = follow_entry(entry, prefix, here, ext, skip_hidden, push,
                                              seen, linked, found)
                            if st is None:
                                continue
                        elif entry.is_dir(follow_symlinks=False):
                            if not (skip_hidden and entry.name[0] == "."):
                                push((prefix + entry.name, dev, entry.inode(), here))
                            continue
                        elif not entry.name.endswith(ext) \
                                or not entry.is_file(follow_symlinks=False) \
                                or (skip_hidden and entry.name[0] == "."):
                            continue
                        else:
                            try:
                                st = entry.stat(follow_symlinks=False)
                            except OSError as exc:   # deleted since it was listed
                                found.add_error(prefix + entry.name, exc)
                                continue
                        size = st.st_size
                        count += 1
                        size_sum += size
                        histogram[size.bit_length()] += 1
                        if size <= top.low_bar or size >= top.high_bar:
                            top.offer(size, prefix + entry.name, st.st_mtime)
            except OSError as exc:  # the listing itself failed part way
                if ticking:
                    raise
                found.add_error(folder, exc, folder=True)
            finally:
                close(fd)
            if delay:
                time.sleep(delay)
            if monotonic() >= next_tick:
                found.add_counts(count, size_sum, folders)
                count = size_sum = folders = 0
                if not tick(stack, folder, False):
                    return not stack
                next_tick = monotonic() + every
        return True
    finally:
        found.add_counts(count, size_sum, folders)


def open_listed(item: tuple, follow: bool, found: Found) -> tuple | None:
    """Open a folder of the stack, if it is still the folder its parent listed.

    Returns ``(descriptor, (dev, ino))``, or None when the folder is gone,
    unreadable or changed (each counted and listed in ``found``).

    Why: a folder is listed, its subfolders go on the stack as paths, and
    they are opened later, by path. Meanwhile the tree may change: a
    subfolder, or a folder above it, replaced by a symlink to somewhere
    outside the root would make the path lead there, and the scan would
    report files that are not under the root. So a folder is opened without
    following a link at its last step (unless links are followed), and the
    folder opened must be the one listed: the same (device, inode) as the
    parent's listing gave (``DirEntry.inode()``, no system call), or, where
    that number differs for a real subfolder (a mount point shows the folder
    under it; some file systems, such as overlayfs, give other numbers), a
    folder whose ``..`` is that parent. The listing and every ``stat`` then
    go through the descriptor, never through the path again.
    """
    path, dev, ino, parent = item
    try:
        fd = os.open(path, OPEN_FOLDER if ino is None or follow else OPEN_FOLDER_NOT_A_LINK)
    except OSError as exc:
        # ENOTDIR: a file now, or (with O_NOFOLLOW) a link; ELOOP: a link.
        if ino is not None and (exc.errno == errno.ENOTDIR
                                or exc.errno == errno.ELOOP and not follow):
            found.add_changed(path)
        else:
            found.add_error(path, exc, folder=True)
        return None
    try:
        st = os.fstat(fd)
        here = (st.st_dev, st.st_ino)
        if ino is None or here == (dev, ino) or is_child_of(fd, parent):
            return fd, here
    except OSError as exc:
        os.close(fd)
        found.add_error(path, exc, folder=True)
        return None
    os.close(fd)
    found.add_changed(path)
    return None


def is_child_of(fd: int, parent: tuple | None) -> bool:
    """Is the folder open on ``fd`` right now a subfolder of ``parent`` (dev, ino)?"""
    if parent is None:          # reached through a link: its '..' is elsewhere
        return False
    try:
        up = os.stat("..", dir_fd=fd, follow_symlinks=False)
    except OSError:
        return False
    return (up.st_dev, up.st_ino) == parent


def follow_entry(entry, prefix: str, here: tuple, ext: str, skip_hidden: bool, push,
                 seen: set, linked: list, found: Found):
    """Follow-links mode: push a real folder, set a linked one aside; stat a match.

    Every folder walked is remembered by (device, inode), so a link back up
    the tree (a loop) or a second link to the same folder is walked once.
    """
    if skip_hidden and entry.name[0] == ".":
        return None
    try:
        if entry.is_dir():
            st = entry.stat()
            key = (st.st_dev, st.st_ino)
            if entry.is_symlink():
                linked.append((prefix + entry.name, key))
            elif key not in seen:
                seen.add(key)
                push((prefix + entry.name, *key, here))
            return None
        if entry.name.endswith(ext) and entry.is_file():
            return entry.stat()
    except OSError as exc:   # a link that loops onto itself, or vanished
        found.add_error(prefix + entry.name, exc)
    return None


def take_linked(linked: list, seen: set, push, found: Found) -> None:
    """Walk folders reached through symlinks last.

    So a folder that has a real path in the tree is listed under it, and a
    link to a folder already walked (a loop, or a second link) is reported
    once instead of walked again.
    """
    for path, key in linked:
        if key in seen:
            found.add_loop(path)
        else:
            seen.add(key)
            push((path, *key, None))
    linked.clear()


# -- the whole scan: first pass here, then worker processes ----------------------

class Progress:
    """Calls ``report(data)`` at most every PROGRESS_EVERY seconds."""

    def __init__(self, report: Callable[[dict], None] | None, started: float):
        self.report = report
        self.started = started
        self.next_at = started + PROGRESS_EVERY

    def maybe(self, folders: int, matches: int, size: int, folder: str,
              workers: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.report is None or (now < self.next_at and not force):
            return
        self.next_at = now + PROGRESS_EVERY
        elapsed = now - self.started
        self.report({"folders": folders, "matches": matches, "bytes": size,
                     "folder": folder, "elapsed": elapsed, "workers": workers,
                     "rate": folders / elapsed if elapsed > 0 else 0.0})


def scan_tree(root: str, spec: ScanSpec, stop, progress: Callable[[dict], None] | None = None,
              workers: int | None = None, first_pass: float = FIRST_PASS,
              walk_here: bool = True) -> dict:
    """Scan ``root``; returns the result dict of ``Found.result`` plus timing.

    Walks in this process for ``first_pass`` seconds. A tree that is not
    done by then is big, so ``workers`` processes are started and the rest
    of the walk is shared with them (the walk goes on here while they start).
    Follow-links mode stays in one process: its "walk each folder once" set
    must be one set. ``walk_here=False`` leaves every folder to the workers
    (the tests use it to send small trees through them). ``workers=None``
    means ``WORKERS``, looked up now, so a test may set it for a whole run.
    """
    if workers is None:
        workers = WORKERS
    started = time.monotonic()
    found = Found(spec)
    stack = [root_item(root)]
    seen = None
    if spec.follow_links:
        seen = set()
        try:
            st = os.stat(root)
            seen.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    meter = Progress(progress, started)
    deadline = started + first_pass

    def first_tick(stack, folder, mid_folder):
        meter.maybe(found.folders, found.count, found.bytes, folder, 1)
        if stop.is_set():
            return False
        # Workers take over between folders: the rest of a listing cannot be shared.
        return mid_folder or spec.follow_links or workers < 1 or time.monotonic() < deadline

    if walk_here or spec.follow_links or workers < 1:
        walk(stack, found, spec, first_tick, seen)
    used = 1
    if stack and not stop.is_set():
        with WorkerPool(spec, workers) as pool:
            pool.share_walk(stack, found, stop, meter, walk_here)
            used += len(pool.started)
    result = found.result()
    result["elapsed"] = time.monotonic() - started
    result["processes"] = used
    result["complete"] = not stop.is_set()
    return result


def _worker_main(spec: ScanSpec, conn, stop_flag, wanted) -> None:
    """A worker process: walk the folder lists the parent sends, until "end".

    It says "hungry" whenever it has nothing to do. While walking it looks
    at ``wanted`` (how many walkers are hungry) at each tick and, if
    someone is, sends the shallower half of its stack to the parent, which
    hands it on. Progress goes to the parent every ~50 ms; the findings go
    once, at the end.
    """
    # Ctrl+C in a terminal reaches every process of the group; the parent
    # decides when workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    found = Found(spec)
    last_sent = 0.0

    def tick(stack, folder, mid_folder):
        nonlocal last_sent
        if stop_flag.value:
            return False
        if wanted.value > 0 and len(stack) > 1:
            conn.send(("share", split_off(stack)))
        now = time.monotonic()
        if now - last_sent >= PROGRESS_EVERY:
            last_sent = now
            conn.send(("progress", found.counters(), folder))
        return True

    try:
        while not stop_flag.value:
            conn.send(("hungry", found.counters()))
            while not conn.poll(TICK):
                if stop_flag.value:
                    break
            else:
                message = conn.recv()
                if message[0] == "walk":
                    walk(message[1], found, spec, tick)
                    continue
            break
        conn.send(("final", found))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
    # Everything this worker had to say is in the pipe, and it holds nothing
    # that needs cleaning up: skip the interpreter's teardown (~30 ms), so the
    # parent can reap it at once.
    os._exit(0)


def split_off(stack: list) -> list:
    """Take the bottom half of a depth-first stack, to give to another walker.

    The bottom holds the shallowest folders, likely the biggest pieces of
    work, so one hand-over keeps the other walker busy for a while.
    """
    half = len(stack) // 2
    share = stack[:half]
    del stack[:half]
    return share


class WorkerPool:
    """Worker processes (spawn context) that share one walk; always reaped.

    This process is the coordinator: each worker has one pipe to it. Shares
    of work go through here to whichever worker is hungry, so the walk is
    over exactly when every worker is hungry and no share is waiting.
    """

    STOP_GRACE = 0.05   # seconds workers get to end on their own after Stop
    TERM_GRACE = 0.5    # seconds after terminate() before kill()
    COORDINATOR_TICK = 0.005  # how often the walk here looks at the workers' messages

    def __init__(self, spec: ScanSpec, n_workers: int):
        from .procs import CONTEXT  # the project's one start method: spawn
        self.spec = spec
        # Plain shared numbers, no locks: a lock would be a named semaphore,
        # and creating one waits for multiprocessing's resource tracker to start.
        self.stop_flag = CONTEXT.RawValue("b", 0)
        self.wanted = CONTEXT.RawValue("i", 0)
        self.conns: list = []
        self.processes: list = []
        self.started: set = set()    # workers that said hello (their first "hungry")
        self.idle: set = set()       # workers waiting for work
        self.shares: list = []       # work waiting for a hungry worker
        self.last: dict = {}         # worker -> (counters, folder) of its last report
        self.finals: dict = {}       # worker -> its Found
        ends = []
        for i in range(n_workers):
            mine, theirs = CONTEXT.Pipe()
            self.conns.append(mine)
            ends.append(theirs)
            self.processes.append(CONTEXT.Process(
                target=_worker_main, name=f"scan-worker-{i + 1}",
                args=(spec, theirs, self.stop_flag, self.wanted)))
        # Starting a process blocks for ~20 ms (more the first time, when the
        # resource tracker starts too); a helper thread does it while the walk
        # goes on here.
        self.start_error: BaseException | None = None
        self._starter = threading.Thread(target=self._start_all, args=(ends,),
                                         name="scan-starter", daemon=True)
        self._starter.start()

    def _start_all(self, ends: list) -> None:
        try:
            for process in self.processes:
                if self.stop_flag.value:
                    break
                process.start()
        except BaseException as exc:   # reported by read_messages, in the walking thread
            self.start_error = exc
        finally:
            for theirs in ends:
                theirs.close()

    # -- the walk ------------------------------------------------------------------
    def share_walk(self, stack: list, found: Found, stop, meter: Progress,
                   walk_here: bool = True) -> None:
        """Walk here too, sharing work with the workers; then merge their findings."""
        where = [stack[-1][0]]
        if not walk_here:
            self.shares.append(stack)
            stack = []

        def tick(stack, folder, mid_folder):
            where[0] = folder
            self.read_messages()
            self.report(found, folder, meter)
            if stop.is_set():
                return False
            for i in sorted(self.idle):
                if len(stack) > 1:      # a hungry worker takes half of what is left here
                    self.give(i, split_off(stack))
            self.dispatch()
            return True

        while not stop.is_set():
            walk(stack, found, self.spec, tick, every=self.COORDINATOR_TICK)
            # Nothing left here: take waiting work, or wait for a busy worker's share.
            while not stop.is_set() and not stack:
                self.dispatch(hungry_here=int(walk_here))
                if self.shares and walk_here:
                    stack = self.shares.pop()
                elif not self.shares and self.idle >= self.started:
                    break               # every walker is hungry: the walk is over
                else:
                    self.read_messages(TICK)
                    self.report(found, where[0], meter)
            if not stack:
                break
        if stop.is_set():
            return
        self.collect_finals(stop)
        for part in self.finals.values():
            found.merge(part)

    def collect_finals(self, stop) -> None:
        """Tell every worker the walk is over, and wait for what each found.

        A worker still starting up may say its first "hungry" only now: it
        is told to end too, and its (empty) findings are waited for, or it
        would wait for work for ever while we wait for its findings.
        """
        ended: set = set()
        while not stop.is_set():
            for i in sorted(self.started - ended):
                self.conns[i].send(("end",))
                ended.add(i)
            if len(self.finals) >= len(self.started):
                return
            self.read_messages(TICK)

    def give(self, i: int, share: list) -> None:
        self.idle.discard(i)
        self.conns[i].send(("walk", share))

    def dispatch(self, hungry_here: int = 0) -> None:
        """Hand waiting shares to hungry workers; ask busy ones to split if needed."""
        while self.shares and self.idle:
            self.give(min(self.idle), self.shares.pop())
        self.wanted.value = max(0, len(self.idle) + hungry_here - len(self.shares))

    # -- messages --------------------------------------------------------------------
    def read_messages(self, timeout: float = 0.0) -> None:
        if self.start_error is not None:
            raise RuntimeError(f"could not start a scan worker: {self.start_error}")
        waiting = [c for i, c in enumerate(self.conns) if i not in self.finals]
        for conn in multiprocessing.connection.wait(waiting, timeout):
            i = self.conns.index(conn)
            try:
                while i not in self.finals and conn.poll():
                    self.handle(i, conn.recv())
            except (EOFError, OSError):
                code = self.processes[i].exitcode
                if code is not None and code < 0:
                    how = f"was killed by {signal.Signals(-code).name}"
                else:
                    how = f"ended unexpectedly (exit code {code})"
                raise LessonError(f"scan worker {i + 1} (pid {self.processes[i].pid}) {how}; "
                                  "its part of the result is lost, so the scan stopped") from None

    def handle(self, i: int, message: tuple) -> None:
        kind = message[0]
        if kind == "hungry":
            self.started.add(i)
            self.idle.add(i)
            self.last[i] = (message[1], self.last.get(i, ((), ""))[1])
        elif kind == "share":
            self.shares.append(message[1])
        elif kind == "progress":
            self.last[i] = (message[1], message[2])
        elif kind == "final":
            self.finals[i] = message[1]
        elif kind == "error":
            raise RuntimeError(f"a scan worker failed:\n{message[1]}")

    def report(self, found: Found, folder: str, meter: Progress) -> None:
        folders, matches, size = found.counters()
        for counters, where in self.last.values():
            if counters:
                folders += counters[0]
                matches += counters[1]
                size += counters[2]
            folder = where or folder
        meter.maybe(folders, matches, size, folder, 1 + len(self.started))

    # -- ending ------------------------------------------------------------------------
    def close(self) -> None:
        """Ask, then terminate, then kill; always join, and close every pipe."""
        self.stop_flag.value = 1
        self._starter.join()
        deadline = time.monotonic() + self.STOP_GRACE
        for i, p in enumerate(self.processes):
            if i in self.started:        # it may be sending its last words
                p.join(max(0.0, deadline - time.monotonic()))
        self.processes = [p for p in self.processes if p.pid is not None]  # started ones
        for p in self.processes:
            if p.exitcode is None:       # still starting (no work lost), or slow to stop
                p.terminate()
        deadline = time.monotonic() + self.TERM_GRACE
        for p in self.processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.processes:
            if p.exitcode is None:
                p.kill()
                p.join()
            p.close()
        for conn in self.conns:
            conn.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
