"""Threads and a lock (mutex)

Several threads share one screen and one counter. Each thread prints a few
lines and adds one to the counter for every line. A **lock** (also called a
*mutex*, for "mutual exclusion") lets only one thread at a time into the part
of the code that touches what they share: the *critical section*.

## What to watch

- In the timeline, a thread is *waiting* from the moment it asks for the lock
  until it gets it, and *holding* until it lets go. Two threads never hold the
  lock at the same time.
- Hold the lock for as short a time as you can: while one thread holds it,
  every other thread that wants it must wait.

## Turn the lock off

Untick **Lock** and run again. Now each thread writes its line in small pieces
and updates the counter in three steps (read, pause, write back). Threads cut
into each other's lines (*garbled lines*) and overwrite each other's counter
updates (*lost updates*). The lesson counts both.

## Why `_thread`?

The lock comes from `_thread.allocate_lock()`, the low-level API that
`threading.Lock` is built on. The threads themselves are `threading.Thread`s,
because `_thread` gives no way to wait for a thread to finish (`join`), and a
program that cannot wait for its threads can only sleep and hope.
"""

import _thread
import random
import threading
from dataclasses import dataclass

from engine.params import param


@dataclass
class Params:
    threads: int = param(5, low=1, high=50, help="how many threads run at once")
    lines: int = param(5, low=1, high=200, help="how many lines each thread prints")
    lock: bool = param(True, help="guard the screen and the counter with the lock")
    delay: float = param(0.05, low=0.0, high=2.0,
                         help="longest random pause between lines, in seconds")
    hold: float = param(0.01, low=0.0, high=1.0,
                        help="seconds a thread keeps the lock while it prints")


def run(params, emit, stop):
    mutex = _thread.allocate_lock()    # one lock, shared by every thread
    screen = []                        # what the threads "print"
    counter = [0]                      # a shared number every thread adds to
    # Without the lock the threads start each line together, so that the
    # race shows every time instead of by luck.
    start_line = threading.Barrier(params.threads) if not params.lock else None

    def worker(my_id):
        for line_no in range(params.lines):
            if stop.sleep(random.uniform(0, params.delay)):
                return
            text = f"[{my_id}] => {line_no}"
            if params.lock:
                emit("waiting for the lock", kind="state", data={"lane": "waiting"})
                with mutex:            # only one thread at a time in here
                    emit("got the lock", kind="state", data={"lane": "holding"})
                    screen.append(text)
                    counter[0] += 1
                    emit(text, data={"printed": text})
                    stop.sleep(params.hold)   # the others wait all this time
                    # Said while still holding it, so no one else's "got the
                    # lock" can come before this line in the log.
                    emit("letting go of the lock", kind="state", data={"lane": "idle"})
            else:
                try:
                    start_line.wait()  # line up with the other threads
                except threading.BrokenBarrierError:
                    return             # Stop was pressed
                write_in_pieces(screen, text, stop)
                add_one_slowly(counter, stop)
                emit(text, data={"printed": text})

    workers = [threading.Thread(target=worker, args=(i,), name=f"thread-{i}")
               for i in range(params.threads)]
    for t in workers:
        t.start()
    for t in workers:
        while t.is_alive():            # wait for every thread to finish...
            t.join(0.1)
            if stop.is_set() and start_line is not None:
                start_line.abort()     # ...and free any thread lined up on Stop

    garbled = count_garbled(screen, params)
    expected = params.threads * params.lines
    lost = expected - counter[0] if not stop.is_set() else 0
    emit(f"{len(screen)} lines printed, {garbled} garbled; counter is {counter[0]}, "
         f"expected {expected}: {lost} updates lost",
         kind="result", data={"lines": len(screen), "garbled_lines": garbled,
                              "counter": counter[0], "expected": expected,
                              "lost_updates": lost, "lock": params.lock})


def write_in_pieces(screen, text, stop):
    """Print a line word by word, pausing between words, with no lock."""
    pieces = text.split(" ")
    screen.append("")                  # start a new line at the bottom...
    for i, piece in enumerate(pieces):
        # ...but always add to whatever line is at the bottom *now*,
        # which may be another thread's line by the time we get here.
        screen[-1] += piece + ("" if i == len(pieces) - 1 else " ")
        stop.wait(0.002)


def add_one_slowly(counter, stop):
    """counter += 1 in three visible steps: read, pause, write back."""
    value = counter[0]                 # read
    stop.wait(0.002)                   # another thread may read the same value now
    counter[0] = value + 1             # write back: one of two updates is lost


def count_garbled(screen, params):
    """How many printed lines are not exactly one thread's line."""
    good = {f"[{i}] => {n}" for i in range(params.threads) for n in range(params.lines)}
    return sum(1 for line in screen if line not in good)
