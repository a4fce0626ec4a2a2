"""Threads and a lock (mutex)

Several threads share one screen and one counter. Each thread prints a few
lines, `[id] => n`, and adds one to the counter for every line. A **lock**
(also called a *mutex*, for "mutual exclusion") lets only one thread at a time
into the part of the code that touches what they share: the *critical section*,
here the block under `with guard:` (`guard` is the lock, `mutex`).

## What to watch

- A thread that reaches `with guard:` while another holds the lock *waits*
  there, until the holder leaves the block. Two threads never hold the lock at
  the same time, so every line comes out whole and no addition is lost.
- Hold the lock for as short a time as you can: while one thread holds it,
  every other thread that wants it must wait.

## Turn the lock off

Each thread prints its line in two pieces with a short pause in between, as a
program that prints while it works does, and adds to the counter in three
steps: read it, pause, write it back. Under the lock that does no harm: no
other thread can get in before the line and the addition are done.

Run it with `--no-lock` (untick **Lock** in the window): now `guard` is a
do-nothing stand-in and nothing keeps the threads apart. They cut into each
other's lines (*garbled lines*: look at the terminal) and overwrite each
other's additions (*lost updates*). The program counts both. To count garbled
lines, it keeps its own copy of the screen, written in the same pieces; the
terminal may differ from that copy by a piece here and there, because a race
never runs the same way twice.

The threads first line up at a `threading.Barrier`, so that they all start at
the same moment and the race shows on every run, not only by bad luck.

## Ctrl-C

Ctrl-C (or Stop) interrupts the main thread only: the others cannot be
interrupted from outside. So the main thread raises a flag (a
`threading.Event`), each thread finishes the line it is printing and leaves,
and the main thread counts what was really done: "stopped after 12 of 25
lines", and the updates lost among those 12, not among 25.

## Why `_thread`?

The lock comes from `_thread.allocate_lock()`, the low-level API that
`threading.Lock` is built on. The threads themselves are `threading.Thread`s,
because `_thread.start_new_thread` gives no way to wait for a thread to finish
(`join`): a program that cannot wait for its threads can only sleep and hope.
"""

import _thread
import argparse
import contextlib
import threading
import time

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --threads 8 --no-lock   (the window builds its form from this too)
SETTINGS = {
    "threads": (5, 1, 50, "how many threads print at once"),
    "lines": (5, 1, 200, "how many lines each thread prints"),
    "lock": (True, None, None, "guard the screen and the counter with the lock"),
    "delay": (0.05, 0.0, 2.0, "seconds each thread rests between two lines"),
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


mutex = _thread.allocate_lock()   # one lock, shared by every thread
counter = 0                       # every thread adds one per line
screen = []                       # our copy of every piece printed
leave = threading.Event()         # set on Ctrl-C: every thread finishes its line and leaves


def show(piece, end):
    print(piece, end=end)
    screen.append(piece + end)


def worker(me, lines, delay, guard, start_line, added):
    global counter
    try:
        start_line.wait()             # wait until every thread is ready, then go together
    except threading.BrokenBarrierError:
        return                        # Ctrl-C before the start: this thread never began
    for n in range(lines):
        if leave.is_set():
            return
        with guard:                   # guard.acquire(): wait until the lock is free, take it
            show(f"[{me}]", " ")      # half a line...
            time.sleep(0.001)         # ...a pause, where another thread may print...
            show(f"=> {n}", "\n")     # ...and the rest
            value = counter           # counter += 1 in three steps: read,
            time.sleep(0.001)         # pause (another thread may read the same value),
            counter = value + 1       # write back
        # The end of the block is guard.release(): the next thread may go in.
        added[me] += 1                # my own count of my additions: no lock needed
        time.sleep(delay)             # rest, without the lock: the others get their turn


def main():
    settings = read_settings()
    # Without the lock, "guard" is a do-nothing stand-in: every thread walks right in.
    guard = mutex if settings.lock else contextlib.nullcontext()
    start_line = threading.Barrier(settings.threads)
    added = [0] * settings.threads    # one count per thread
    threads = [threading.Thread(target=worker, name=f"thread-{me}",
                                args=(me, settings.lines, settings.delay, guard, start_line,
                                      added))
               for me in range(settings.threads)]
    total = settings.threads * settings.lines
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()             # wait for each one: _thread cannot do this
    except KeyboardInterrupt:         # Ctrl-C: ask every thread to leave, then count
        leave.set()
        start_line.abort()            # those still waiting to start give up
        for thread in threads:
            if thread.ident is not None:   # started
                thread.join()
    whole = {f"[{me}] => {n}" for me in range(settings.threads) for n in range(settings.lines)}
    printed = "".join(screen).splitlines()
    garbled = sum(line not in whole for line in printed)
    expected = sum(added)             # the additions made: all of them, unless stopped
    if leave.is_set():
        print(f"stopped after {expected} of {total} lines")
    print(f"{len(printed)} lines printed, {garbled} garbled; "
          f"counter is {counter}, expected {expected}: {expected - counter} updates lost")
    result = {"lines": len(printed), "garbled_lines": garbled, "counter": counter,
              "expected": expected, "lost_updates": expected - counter, "lock": settings.lock}
    if leave.is_set():
        result.update(complete=False, stopped_after=f"{expected} of {total} lines")
    return result


if __name__ == "__main__":
    main()
