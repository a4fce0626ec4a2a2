"""Find source files

Walk a folder tree and find the smallest and the largest files of one kind
(`.py` by default). The classic program is a dozen lines. It is also slow,
it keeps every file in memory, and one odd file makes it crash.

## The classic walk

`os.walk` lists each folder. For every name that ends in `.py`, the classic
program joins the path, asks `os.path.getsize` for its size, appends
`(size, path)` to one big list, sorts it, and prints both ends. Pick the
**classic** way to run exactly that. It fails when:

- a `.py` name is a symlink that loops or points nowhere: `getsize`
  follows it and raises, and all the work so far is lost;
- a file is deleted while the walk runs: the same crash;
- a folder cannot be read: `os.walk` skips it *silently*.

## The careful walk

The **careful** way calls `scan()` from the second tab,
`careful.py`: an `os.scandir` walk that reads each file's type with its
name, `stat`s only the matches, keeps only the N smallest and N largest
(`heapq`), does not follow symlinks unless you ask, opens each folder
relative to its parent so that a tree changing under the walk cannot lead
it outside, and counts every problem instead of crashing. Compare the time
of a careful run with a classic one.

## The parallel walk

The **parallel** way (the default) runs the same careful loop, from the
third tab, `parallel.py`. After the first 1,000 folders, it deals the
folders still to walk out to a pool of worker processes, one per core
(or as many as **workers** says), and adds up what they send back. A
small tree never starts a process; a big one is walked faster when the
machine has cores to spare. `--way careful` and `--way classic` are one
switch away: compare their times.

## What to watch

The counters above the table: the folders each process has listed so
far, added up. The program does not report them: the app watches every
`os.scandir` call (`os.walk` makes them too) and counts. A line every
1,000 folders comes from the program itself. Then the table (sort it,
filter it, double-click a row to open its folder), the size histogram and
the problems. Set **pause** to 0.01 to slow the walk down and watch the
code tabs follow it. Press Stop (or Ctrl-C in a terminal) during a long
walk: each way catches the `KeyboardInterrupt` and shows what it found so
far.
"""

import argparse
import os
import sys
import time

import careful
import parallel

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --root ~/src --top 3 --way classic
SETTINGS = {
    "root": ("~", None, None, "the folder to walk (~ is your home folder)"),
    "ext": (".py", None, None, "the end of the file names to look for (case matters)"),
    "top": (10, 1, 10000, "how many of the smallest and of the largest files to show"),
    "way": ("parallel", ["parallel", "careful", "classic"], None,
            "classic: os.walk + getsize, crashes on an odd file; careful: os.scandir;"
            " parallel: careful, on every core"),
    "hidden": (True, None, None, "look inside hidden folders too (not classic)"),
    "follow": (False, None, None, "follow symlinks, each folder once (not classic)"),
    "pause": (0.0, 0.0, 1.0, "seconds to wait after each folder, to watch the walk go"),
    "workers": (0, 0, 64, "worker processes of the parallel way (0: one per core)"),
}


def read_settings():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, (default, low, high, text) in SETTINGS.items():
        if isinstance(default, bool):
            parser.add_argument("--" + name, action=argparse.BooleanOptionalAction,
                                default=default, help=text)
        else:
            parser.add_argument("--" + name, type=type(default), default=default,
                                help=text, choices=low if isinstance(low, list) else None)
    return parser.parse_args()


def classic_scan(root, ext, top, pause):
    """The classic program: every (size, path) in one list, then sort it."""
    all_sizes = []
    folders = 0
    complete = True
    try:
        for folder, _subfolders, files in os.walk(root):
            folders += 1
            if folders % 1000 == 0:
                print(f"walked {folders:,} folders, {len(all_sizes):,} matches so far")
            for name in files:
                if name.endswith(ext):
                    path = os.path.join(folder, name)
                    all_sizes.append((os.path.getsize(path), path))  # follows links: may raise
            if pause:
                time.sleep(pause)
    except KeyboardInterrupt:
        complete = False
        print(f"stopped after {folders:,} folders: the lists below are partial")
    all_sizes.sort()
    histogram = [0] * (all_sizes[-1][0].bit_length() + 1 if all_sizes else 1)  # enough bars
    for size, _ in all_sizes:
        histogram[size.bit_length()] += 1   # files of 2**(k-1) to 2**k - 1 bytes
    return {"count": len(all_sizes), "bytes": sum(size for size, _ in all_sizes),
            "folders": folders, "complete": complete, "histogram": histogram,
            "smallest": all_sizes[:top], "largest": all_sizes[::-1][:top],
            "errors": [], "error_count": 0,     # os.walk hides its problems: it skips them
            "processes": 1}


def printable(path):
    """A path on one line of any terminal, as `ls -b` shows it: caf\\xe9, \\n, \\x1b."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")  # bytes that are not UTF-8
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)  # newline, ESC...
    encoding = sys.stdout.encoding or "utf-8"   # and what this terminal cannot show
    return text.encode(encoding, "backslashreplace").decode(encoding)


def show(found):
    for end in ("smallest", "largest"):
        print(f"The {len(found[end])} {end}:")
        for size, path in found[end]:
            print(f"{size:>14,}  {printable(path)}")
    for path, reason in found["errors"][:10]:
        print(f"skipped {printable(path)}: {reason}", file=sys.stderr)
    print(f"{found['count']:,} files, {found['bytes']:,} bytes, in {found['folders']:,} folders,"
          f" {found['error_count']:,} problems, {found['elapsed']:.2f} s")


def main():
    settings = read_settings()
    root = os.path.expanduser(settings.root)
    problem = ""
    if not (os.path.isdir(root) and os.access(root, os.R_OK | os.X_OK)):
        problem = f"--root {printable(root)}: not a folder you can read"
    if set(settings.ext) & set("/*?"):
        problem = f"--ext {printable(settings.ext)}: give the end of a file name, such as .py"
    for name, (_, low, high, _) in SETTINGS.items():   # the numbers, within their bounds
        value = getattr(settings, name)
        if high is not None and not low <= value <= high:
            problem = f"--{name} {value}: must be from {low} to {high}"
    if problem:
        print("error:", problem, file=sys.stderr)   # one line, no traceback
        sys.exit(2)                                  # 2 means bad usage, as for argparse
    print(f"Looking for *{settings.ext} files under {printable(root)}, the {settings.way} way")
    started = time.perf_counter()
    if settings.way == "classic":
        found = classic_scan(root, settings.ext, settings.top, settings.pause)
    elif settings.way == "careful":
        found = careful.scan(root, settings.ext, settings.top, settings.hidden, settings.follow,
                             settings.pause)
    else:
        found = parallel.scan(root, settings.ext, settings.top, settings.hidden, settings.follow,
                              settings.pause, settings.workers)
    found.update(elapsed=time.perf_counter() - started, root=root, ext=settings.ext,
                 way=settings.way)
    show(found)
    return found


if __name__ == "__main__":
    main()
