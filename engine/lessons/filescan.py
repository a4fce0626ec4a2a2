"""Find source files

Walk a folder tree and find the smallest and the largest files of one kind
(`.py` by default). It sounds like five lines of Python, and the classic
program is five lines. It is also slow, it keeps every file in memory, and
one odd file makes it crash.

## The classic walk

`os.walk` lists each folder; for every name that ends in `.py` the classic
program joins the path, asks `os.path.getsize` for its size, appends
`(size, path)` to one big list, sorts it, and prints both ends. Tick
**Classic** to run exactly that. It fails when:

- a `.py` name is a symlink that loops or points nowhere: `getsize`
  follows it and raises, and all the work so far is lost;
- a file is deleted while the walk runs: the same crash;
- a folder cannot be read: `os.walk` skips it *silently*.

## The careful walk

- `os.scandir` gives each entry with its type, so telling files from
  folders needs no extra system call. Only a match is `stat`-ed.
- Symlinks are not followed (like `find -type f`), unless you ask; then
  every folder is walked once, remembered by (device, inode).
- An explicit stack instead of recursion: deep trees are no problem.
- `heapq` keeps only the **N** smallest and **N** largest, so memory
  stays small however many files match.
- Every failure is counted and listed, and the walk goes on.
- Progress is reported about every 50 ms, never per file: an event per
  file would make the scan four times slower. The clock is looked at
  every 4096 entries of a folder, so Stop works inside a folder of a
  million files too.
- The folder you give is resolved once (`os.path.realpath`); the log
  shows which folder that is. Each folder below it is opened once and
  listed through that descriptor, and it must be the folder its parent
  listed: one swapped for a symlink during the walk is skipped, never
  followed out of the tree.
- A big tree is split: after a quick first pass here, a **worker process**
  (one per spare core) walks part of it, and a walker that runs out of
  folders is handed half of another's. Starting a Python process costs
  about 0.1 s, so a small tree is done before a worker would be ready.

The careful walk lives in `engine/scan.py`; each helper there says why it
is fast.

## What to watch

The progress bar and counters while it walks; then the table (sort it,
filter it, double-click a row to open its folder), the size histogram and
the errors panel. Compare the time of a careful run with a classic one.
"""

import os
import time
from dataclasses import dataclass

from engine.formatting import human_size as human
from engine.params import param
from engine.safetext import for_terminal
from engine.scan import CHECK_EVERY, ScanSpec, scan_tree

SELFTEST_PARAMS = {"root": os.path.dirname(os.path.dirname(__file__)), "top": 3}
SHOW_ERRORS = 20       # errors written to the log; the rest are in the result


@dataclass
class Params:
    root: str = param(os.path.expanduser("~"), kind="folder",
                      help="the folder to walk (it must exist and be readable)")
    ext: str = param(".py", kind="name-ending",
                     help="the file name ending to look for, such as .py (case matters, "
                          "like find; no wildcards; empty: every file)")
    top: int = param(10, low=1, high=10000, help="how many smallest and largest files to keep")
    hidden: bool = param(True, help="include hidden folders and files (names starting with a dot)")
    follow_links: bool = param(False, help="follow symlinks (each folder is still walked once)")
    classic: bool = param(False, help="walk the classic way: os.walk + getsize, every file "
                                      "kept in memory; crashes on a looping link")


def run(params, emit, stop):
    root = params.root         # resolved once, when it was checked (kind="folder")
    ext = params.ext if params.ext.startswith(".") or not params.ext else "." + params.ext
    emit(f"Looking for *{ext} files under {root}")

    def show_progress(p):      # called about every 50 ms, never per file
        emit(f"{p['folders']:,} folders, {p['matches']:,} matches: {p['folder']}",
             kind="progress", data=p)

    if params.classic:
        found = classic_scan(root, ext, params.top, stop, show_progress)
    else:
        spec = ScanSpec(ext, params.top, params.hidden, params.follow_links)
        found = scan_tree(root, spec, stop, show_progress)

    for path, reason in found["errors"][:SHOW_ERRORS]:
        emit(f"skipped {path}: {reason}", kind="error")
    if found["error_count"] > SHOW_ERRORS:
        emit(f"... and {found['error_count'] - SHOW_ERRORS:,} more problems (see the result)")
    found.update(root=root, ext=ext, classic=params.classic)
    emit(summary(found), kind="result", data=found)


def classic_scan(root, ext, top, stop, show_progress):
    """The classic program: every (size, path) in one list, then sort it.

    Stop and progress are looked at after each folder and every CHECK_EVERY
    names inside one, never per file. os.walk reads a folder's whole listing
    before it hands the folder over, so that listing cannot be cut short.
    """
    started = time.monotonic()
    next_report = started + 0.05
    all_sizes = []
    folders = 0

    def report(folder):
        nonlocal next_report
        if time.monotonic() >= next_report:
            next_report = time.monotonic() + 0.05
            elapsed = time.monotonic() - started
            show_progress({"folders": folders, "matches": len(all_sizes), "folder": folder,
                           "bytes": 0, "elapsed": elapsed, "workers": 1,
                           "rate": folders / elapsed})

    for folder, _subfolders, files in os.walk(root):   # unreadable folders vanish silently
        folders += 1
        for i, name in enumerate(files, 1):
            if i % CHECK_EVERY == 0:      # a big folder: now and then, never per file
                if stop.is_set():
                    break
                report(folder)
            if name.endswith(ext):
                path = os.path.join(folder, name)
                all_sizes.append((os.path.getsize(path), path))  # follows links: may raise
        if stop.is_set():
            break
        report(folder)
    all_sizes.sort()
    histogram = [0] * 64
    for size, _ in all_sizes:
        histogram[size.bit_length()] += 1
    while len(histogram) > 1 and not histogram[-1]:
        histogram.pop()
    return {"count": len(all_sizes), "bytes": sum(size for size, _ in all_sizes),
            "smallest": [list(pair) for pair in all_sizes[:top]],
            "largest": [list(pair) for pair in reversed(all_sizes[-top:])],
            "errors": [], "error_count": 0, "histogram": histogram, "folders": folders,
            "elapsed": time.monotonic() - started, "processes": 1,
            "complete": not stop.is_set()}


def summary(found):
    text = (f"{found['count']:,} {found['ext']} files, {human(found['bytes'])}, "
            f"in {found['folders']:,} folders, {found['elapsed']:.2f} s")
    if found["error_count"]:
        text += f"; {found['error_count']:,} problems (skipped)"
    if not found["complete"]:
        text += "; stopped early, so these are partial"
    return text


def format_result(data):
    """The CLI's readable view of the result."""
    lines = [f"{data['count']:,} files, {data['bytes']:,} bytes, {data['folders']:,} folders, "
             f"{data['elapsed']:.3f} s, {data.get('processes', 1)} process(es)"]
    for title, rows in (("smallest", data["smallest"]), ("largest", data["largest"])):
        lines.append(f"{len(rows)} {title}:")
        lines += [f"  {size:>12,}  {printable(path)}" for size, path in rows]
    errors = data["errors"]
    lines.append(f"{data['error_count']:,} problems" + (":" if errors else ""))
    lines += [f"  {printable(path)}: {reason}" for path, reason in errors]
    if data["error_count"] > len(errors):
        lines.append(f"  ... {data['error_count'] - len(errors):,} more not listed")
    return "\n".join(lines)


def printable(path):
    """A path for one line of text: undecodable bytes as \\xNN, a newline as \\n, an
    escape character as \\x1b... (see engine/safetext.py), never an error."""
    return for_terminal(path)
