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

Each thread adds to the counter in three steps: read it, pause, write it
back; then it prints its line in two pieces with a short pause in between, as
a program that prints while it works does. Under the lock that does no harm:
no other thread can get in before the addition and the line are done.

Run it with `--no-lock` (untick **Lock** in the window): now `guard` is a
do-nothing stand-in and nothing keeps the threads apart. They cut into each
other's lines (*garbled lines*: look at the terminal) and overwrite each
other's additions (*lost updates*: the counter ends below what it should be).
In the window, the lab counts the garbled lines it saw on the terminal.

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


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too). Try: --no-lock
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=between(1, 50), default=5, help="threads that print")
parser.add_argument("--lines", type=between(1, 200), default=5, help="lines per thread")
parser.add_argument("--lock", action=argparse.BooleanOptionalAction, default=True,
                    help="guard the screen and the counter with the lock")
parser.add_argument("--delay", type=between(0.0, 2.0), default=0.05, help="seconds between lines")

mutex = _thread.allocate_lock()   # one lock, shared by every thread
counter = 0                       # every thread adds one per line
leave = threading.Event()         # set on Ctrl-C: every thread finishes its line and leaves


def worker(me, args, guard, start_line, added):
    global counter
    try:
        start_line.wait()             # wait until every thread is ready, then go together
    except threading.BrokenBarrierError:
        return                        # Ctrl-C before the start: this thread never began
    for n in range(args.lines):
        if leave.is_set():
            return
        with guard:                   # guard.acquire(): wait until the lock is free, take it
            value = counter           # counter += 1 in three steps: read,
            time.sleep(0.001)         # pause (another thread may read the same value),
            counter = value + 1       # write back
            print(f"[{me}]", end=" ")  # half a line...
            time.sleep(0.001)         # ...a pause, where another thread may print...
            print(f"=> {n}")          # ...and the rest
        # The end of the block is guard.release(): the next thread may go in.
        added[me] += 1                # my own count of my additions: no lock needed
        time.sleep(args.delay)        # rest, without the lock: the others get their turn


def main():
    args = parser.parse_args()
    # Without the lock, "guard" is a do-nothing stand-in: every thread walks right in.
    guard = mutex if args.lock else contextlib.nullcontext()
    start_line = threading.Barrier(args.threads)
    added = [0] * args.threads        # one count per thread
    threads = [threading.Thread(target=worker, args=(me, args, guard, start_line, added),
                                name=f"thread-{me}") for me in range(args.threads)]
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
    expected, total = sum(added), args.threads * args.lines   # expected: additions made
    if leave.is_set():
        print(f"stopped after {expected} of {total} lines")
    print(f"counter is {counter}, expected {expected}: {expected - counter} updates lost")
    result = {"counter": counter, "expected": expected, "lost_updates": expected - counter}
    if leave.is_set():
        result.update(complete=False, stopped_after=f"{expected} of {total} lines")
    return result


if __name__ == "__main__":
    main()
