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


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too).
# Try: python program.py --root ~/src --top 3 --way classic
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--root", default="~", help="the folder to walk (~ is your home folder)")
parser.add_argument("--ext", default=".py",
                    help="the end of the file names to look for (case matters)")
parser.add_argument("--top", type=between(1, 10000), default=10,
                    help="how many of the smallest and of the largest files to show")
parser.add_argument("--way", choices=["parallel", "careful", "classic"], default="parallel",
                    help="classic: os.walk + getsize, crashes on an odd file;"
                         " careful: os.scandir; parallel: careful, on every core")
parser.add_argument("--hidden", action=argparse.BooleanOptionalAction, default=True,
                    help="look inside hidden folders too (not classic)")
parser.add_argument("--follow", action=argparse.BooleanOptionalAction, default=False,
                    help="follow symlinks, each folder once (not classic)")
parser.add_argument("--pause", type=between(0.0, 1.0), default=0.0,
                    help="seconds to wait after each folder, to watch the walk go")
parser.add_argument("--workers", type=between(0, 64), default=0,
                    help="worker processes of the parallel way (0: one per core)")


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
            "errors": [], "error_count": 0, "processes": 1}   # os.walk skips problems unsaid


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
    args = parser.parse_args()
    root = os.path.expanduser(args.root)
    if not (os.path.isdir(root) and os.access(root, os.R_OK | os.X_OK)):
        parser.error(f"argument --root: {printable(root)} is not a folder you can read")
    if set(args.ext) & set("/*?"):   # a pattern or a path can end no file name
        parser.error(f"argument --ext: {args.ext!r} must be the end of a file name, such as .py")
    print(f"Looking for *{args.ext} files under {printable(root)}, the {args.way} way")
    started = time.perf_counter()
    if args.way == "classic":
        found = classic_scan(root, args.ext, args.top, args.pause)
    elif args.way == "careful":
        found = careful.scan(root, args.ext, args.top, args.hidden, args.follow, args.pause)
    else:
        found = parallel.scan(root, args.ext, args.top, args.hidden, args.follow, args.pause,
                              args.workers)
    found.update(elapsed=time.perf_counter() - started, root=root, ext=args.ext, way=args.way)
    show(found)
    return found


if __name__ == "__main__":
    main()
