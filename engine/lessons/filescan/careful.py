"""The careful walk: `os.scandir`, and nothing is lost when something goes wrong.

`program.py` calls `scan(...)` when you pick the careful way. Compared with the
classic `os.walk` + `os.path.getsize`:

- `os.scandir` hands over each name with its type (the kernel says it along
  with the name), so telling a file from a folder costs no system call. Only
  a file that matches is `stat`-ed, once, for its size and its time.
- Symlinks are not followed (as `find -type f` does): a link that loops or
  points nowhere is simply not a file. Ask for `follow` and links are
  followed, but every folder is remembered by (device, inode) and walked
  once, so a link back up the tree cannot make the walk go round for ever.
- A stack of folders still to do replaces recursion: a tree 1,000 levels
  deep is no problem.
- Each folder is opened once, and kept open while its subfolders wait on
  the stack: a subfolder is opened relative to it (`os.open(name,
  dir_fd=...)`), and each match is `stat`-ed relative to it. The kernel looks
  up one name, not every folder of a long path again (that look-up was a
  fifth of the walk's time).
- The tree may change while it is walked. A folder is opened without
  following a link put in its place, and it must be the very folder its
  parent's listing showed (same inode): a folder swapped for a symlink to
  somewhere else mid-walk is skipped, so no file outside the tree is ever
  reported.
- `heapq` keeps only the N smallest and the N largest, so memory stays
  small however many files match.
- A problem is counted, the first few are listed with the reason, and the
  walk goes on: a folder you may not read, a file deleted between the
  listing and its `stat`, a link that loops.
- A name that is not valid UTF-8 stays a `str` with "surrogate" characters
  in it; every `os` function turns it back into the very same bytes.
- Ctrl-C (or the window's Stop) ends the walk, not the program: you get
  what was found so far, marked as incomplete.
"""

import errno
import heapq
import math
import os
import time

PROGRESS_EVERY = 1000   # folders between two progress lines (never a line per file)
# Windows cannot open a folder as a descriptor (no O_DIRECTORY), nor list or stat
# through one: there each folder is listed by its path (with no guard against a
# changing tree).
BY_DESCRIPTOR = hasattr(os, "O_DIRECTORY")
LISTED_PROBLEMS = 1000  # problems listed by path; any more are only counted


class Extremes:
    """The n smallest and the n largest (size, path, mtime) seen, not every file.

    Files that may belong wait in a short list; when it is full, heapq cuts it
    back to the best n, and the n-th size becomes the bar. After that, a file
    that cannot get in costs one comparison. Equal sizes are ordered by path,
    so the answer does not depend on the order the walk met the files in.
    """

    def __init__(self, n):
        self.n = n
        self.small, self.large = [], []
        self.small_bar, self.large_bar = math.inf, -1   # sizes that can still get in

    def add(self, size, path, mtime):
        if size <= self.small_bar:
            self.small.append((size, path, mtime))
            if len(self.small) > 2 * self.n + 100:
                self.small = heapq.nsmallest(self.n, self.small)
                self.small_bar = self.small[-1][0]
        if size >= self.large_bar:
            self.large.append((size, path, mtime))
            if len(self.large) > 2 * self.n + 100:
                self.large = heapq.nlargest(self.n, self.large)
                self.large_bar = self.large[-1][0]


class Problems:
    """Counts what went wrong, by kind, and keeps the first few with their reason."""

    def __init__(self):
        self.listed = []
        self.count = self.unreadable_folders = self.vanished = self.loops = 0

    def add(self, path, reason):
        self.count += 1
        if len(self.listed) < LISTED_PROBLEMS:
            self.listed.append([path, reason])

    def changed(self, path):
        """A folder that is no longer the one its parent listed (see open_folder)."""
        self.vanished += 1
        self.add(path, "changed during the scan (now a link or another folder); skipped")

    def failed(self, path, error, folder=False):
        """An OSError from the system: say it in words, and count it by kind."""
        if error.errno == errno.ENOENT:
            self.vanished += 1
            reason = "vanished during the walk"
        elif error.errno == errno.ELOOP:
            self.loops += 1
            reason = "symlink loop"
        elif error.errno in (errno.EACCES, errno.EPERM):
            reason = "permission denied"
        else:
            reason = error.strerror or str(error)
        if folder and error.errno != errno.ENOENT:
            self.unreadable_folders += 1
            reason = "cannot read folder: " + reason
        self.add(path, reason)


class Found:
    """What a walk has found so far. `parallel.py` adds up the Found of each worker."""

    def __init__(self, top):
        self.top = top
        self.extremes, self.problems = Extremes(top), Problems()
        self.histogram = [0] * 64   # histogram[k]: files whose size has k binary digits
        self.count = self.bytes = self.folders = 0

    def result(self, complete, processes=1):
        """The figures the program prints (and the window shows), as a plain dict."""
        histogram = self.histogram[:]
        while len(histogram) > 1 and histogram[-1] == 0:
            histogram.pop()
        smallest = heapq.nsmallest(self.top, self.extremes.small)
        largest = heapq.nlargest(self.top, self.extremes.large)
        problems = self.problems
        return {
            "count": self.count, "bytes": self.bytes, "folders": self.folders,
            "complete": complete, "processes": processes,
            "smallest": [[size, path] for size, path, _ in smallest],
            "largest": [[size, path] for size, path, _ in largest],
            "modified": {"smallest": [mtime for _, _, mtime in smallest],
                         "largest": [mtime for _, _, mtime in largest]},
            "histogram": histogram,
            "errors": problems.listed, "error_count": problems.count,
            "unreadable_folders": problems.unreadable_folders,
            "vanished": problems.vanished, "loops": problems.loops,
        }


def scan(root, ext=".py", top=10, hidden=True, follow=False, pause=0.0):
    """Walk `root` for files whose name ends with `ext`; return what was found."""
    found = Found(top)
    seen = {folder_id(os.stat(root))} if follow else set()  # folders walked (follow only)
    stack = [(root, None, None, None)]   # folders to walk: see walk()
    complete = True
    try:
        walk(stack, found, ext, hidden, follow, seen, pause=pause)
    except KeyboardInterrupt:
        complete = False
        print(f"stopped after {found.folders:,} folders: the lists below are partial")
    return found.result(complete)


class Folder:
    """A folder being walked, open until its last subfolder on the stack is opened."""

    __slots__ = ("path", "fd", "known_id", "waiting")

    def __init__(self, path, fd, info=None):
        self.path, self.fd = path, fd
        self.known_id = folder_id(info) if info else None
        self.waiting = 0        # its subfolders on the stack, not opened yet

    @property
    def id(self):
        """(device, inode): asked only when a subfolder is handed to another process."""
        if self.known_id is None and self.fd is not None:
            self.known_id = folder_id(os.fstat(self.fd))
        return self.known_id

    def one_opened(self):
        self.waiting -= 1
        if self.waiting == 0:
            self.close()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def walk(stack, found, ext, hidden, follow=False, seen=None, most=None, pause=0.0,
         progress=True):
    """Walk the folders on `stack`, and every folder below them, into `found`.

    Each folder on the stack is (its path, its name, the inode its parent's
    listing gave, its parent): the parent is a Folder, open, while it is walked
    here; else (the root, or folders handed over by another process) its
    (device, inode), or None for the root. It ends when the stack is empty, or
    after `most` folders: then the folders not walked yet are still on `stack`,
    ready to be handed to others (parallel.py does).
    """
    extremes, problems, histogram = found.extremes, found.problems, found.histogram
    count, total, walked = found.count, found.bytes, 0   # locals: quicker in the loop
    try:
        while stack and walked != most:
            path, name, inode, parent = stack.pop()
            walked += 1
            if progress and (found.folders + walked) % PROGRESS_EVERY == 0:
                print(f"walked {found.folders + walked:,} folders, {count:,} matches so far")
            folder = open_folder(path, name, inode, parent, follow, problems)
            if folder is None:
                continue
            prefix = os.path.join(path, "")     # "folder/": a path is prefix + name
            try:
                with os.scandir(folder.fd if BY_DESCRIPTOR else path) as entries:
                    for entry in entries:
                        if not hidden and entry.name.startswith("."):
                            continue
                        try:
                            if entry.is_dir(follow_symlinks=follow):
                                if follow and not first_visit(entry, prefix, seen, problems):
                                    continue
                                stack.append((prefix + entry.name, entry.name, entry.inode(),
                                              folder))
                                folder.waiting += 1
                            elif entry.name.endswith(ext) and entry.is_file(
                                    follow_symlinks=follow):
                                info = entry.stat(follow_symlinks=follow)
                                size = info.st_size
                                count += 1
                                total += size
                                histogram[size.bit_length()] += 1
                                # A quick look first: most files cannot get in.
                                if size <= extremes.small_bar or size >= extremes.large_bar:
                                    extremes.add(size, prefix + entry.name, info.st_mtime)
                        except OSError as error:    # this entry went wrong, not the folder
                            problems.failed(prefix + entry.name, error)
            except OSError as error:                # the folder could not be listed
                problems.failed(path, error, folder=True)
            finally:
                if folder.waiting == 0:
                    folder.close()                  # no subfolder needs it open
            if pause:
                time.sleep(pause)                   # only if asked: to watch the walk
    finally:    # also when Ctrl-C ends the walk: the figures so far are kept
        found.count, found.bytes, found.folders = count, total, found.folders + walked
        let_go(stack)


def let_go(stack):
    """Folders left on the stack: each names its parent by (device, inode), not by an
    open Folder, so the stack can go to another process; every Folder is closed."""
    for i, (path, name, inode, parent) in enumerate(stack):
        if isinstance(parent, Folder):
            stack[i] = (path, name, inode, parent.id)
            parent.close()


def open_folder(path, name, inode, parent, follow, problems):
    """Open a folder of the stack to list it: a Folder, or None if it cannot be.

    The tree may change between the listing that showed a folder and its turn:
    the folder, or one above it, swapped for a symlink to another place would
    lead a walk by path out of the tree. So (unless links are followed) a link
    in the folder's place is not followed (O_NOFOLLOW), and a folder whose
    parent is still open is opened relative to it: it is then in the tree,
    whatever changed above. One opened by its whole path (the root, or one
    handed over by another process) must be the folder the listing showed: the
    same inode, or, at a mount point (where the listing shows the folder under
    the mount), one whose '..' is the parent.
    """
    if not BY_DESCRIPTOR:
        return Folder(path, None)
    how = os.O_RDONLY | os.O_DIRECTORY
    if inode is not None and not follow:
        how |= os.O_NOFOLLOW
    try:
        if isinstance(parent, Folder):
            try:
                return Folder(path, os.open(name, how, dir_fd=parent.fd))
            finally:
                parent.one_opened()
        fd = os.open(path, how)
    except OSError as error:
        if inode is not None and error.errno in (errno.ELOOP, errno.ENOTDIR) and not follow:
            problems.changed(path)    # a link (ELOOP) or a file (ENOTDIR) there now
        else:
            problems.failed(path, error, folder=True)
        return None
    info = os.fstat(fd)
    if inode is None or follow or info.st_ino == inode or is_child(fd, parent):
        return Folder(path, fd, info)
    os.close(fd)
    problems.changed(path)
    return None


def is_child(fd, parent):
    """Whether the folder open on `fd` is now a subfolder of `parent` (device, inode)."""
    try:
        return folder_id(os.stat("..", dir_fd=fd, follow_symlinks=False)) == parent
    except OSError:
        return False


def folder_id(info):
    """What makes a folder the same folder, whatever path leads to it."""
    return (info.st_dev, info.st_ino)


def first_visit(entry, prefix, seen, problems):
    """Follow mode: True the first time a folder is met, however it was reached."""
    key = folder_id(entry.stat())           # follows the link to the folder itself
    if key in seen:
        problems.loops += 1
        problems.add(prefix + entry.name,
                     "a folder already walked (a symlink loop or a second link)")
        return False
    seen.add(key)
    return True
