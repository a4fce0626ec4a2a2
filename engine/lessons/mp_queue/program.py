"""Producer/consumer with processes

The same pattern as with threads, but every producer and every consumer is a
separate **process**: its own PID, its own interpreter, its own memory.
Processes share nothing by accident. What they share is made for sharing:

- a `multiprocessing.Queue` carries the names from producers to consumers
  (each one is pickled and sent through a pipe);
- a `multiprocessing.Lock` lets one process at a time use the console;
- a second queue, `handled`, tells the main process which names the consumers
  handled, because it cannot look into their memory.

## What to watch

- Every line names its process and PID (`os.getpid()`).
- The producers are joined: the main process waits for each one to end.

## Ending: sentinels, or the classic daemon shortcut

Every worker is marked `daemon = True`: when the main program ends,
multiprocessing terminates its daemon children wherever they are. So a main
program that is interrupted (Ctrl+C), or gives up, never waits for ever for
children that wait for names.

With sentinels (the default), once every producer has ended (`join`), the main
process puts one **sentinel** (`None`) per consumer on the queue, behind every
name; each consumer ends when it gets one, and the main process joins them
too. Every name is handled.

The classic version (`--shutdown daemon`) joins only the producers and ends.
Names still in the queue, or in a consumer's hands, are lost (`missing`).

## Start methods

`--start spawn` starts each child as a fresh Python that imports this file
(as `__mp_main__`, so the `if __name__ == "__main__":` block does not run
again) and then calls its function, which is why `producer` and `consumer`
sit at the top level of the file. `fork` copies the running program instead
(the default on Linux before Python 3.14; macOS spawns, and Windows has only
spawn).

## Kill a worker

While it runs, kill a consumer from a terminal: `kill -9 PID`. Its names in
hand are lost, and if it held a lock (the console's, or the one inside the
queue that a `get` holds while it waits) nobody can ever release it. So
nothing here waits for ever on another process: the console lock is taken
with a `timeout`, and the main process waits a second at a time, looking at
the workers' `exitcode`s in between. If one is not 0 (-9: killed by signal
9), it says so and ends with exit status 1, as a program whose work failed
should; the daemon workers end with it. One more reason to share as little as
you can between processes.
"""

import argparse
import multiprocessing
import os
import queue
import random
import sys
import time


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too).
# Try: python program.py --shutdown daemon
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--producers", type=between(1, 8), default=3, help="producer processes")
parser.add_argument("--consumers", type=between(1, 12), default=6, help="consumer processes")
parser.add_argument("--names", type=between(1, 40), default=4, help="names each producer puts")
parser.add_argument("--delay", type=between(0.0, 10.0), default=1.0, help="longest random pause")
parser.add_argument("--shutdown", choices=["sentinel", "daemon"], default="sentinel",
                    help="how consumers end: a sentinel each, or as daemons with the program")
parser.add_argument("--start", choices=["default", "fork", "spawn", "forkserver"],
                    default="default", help="how multiprocessing starts a child process")

FOODS = ["spam", "eggs", "ham", "toast", "beans", "bacon", "jam", "tea"]


def say(console, text):
    # One process at a time on the console. A process killed while it holds the
    # lock never gives it back: wait 2 s at most, then print anyway.
    mine = console.acquire(timeout=2)
    print(text)
    if mine:
        console.release()


def producer(number, work, console, args):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    for k in range(args.names):
        time.sleep(random.uniform(0, args.delay))   # "making" it takes a while
        name = f"{FOODS[(number + k) % len(FOODS)]}-{number}.{k}"
        work.put(name)
        say(console, f"{me} put {name}")


def consumer(work, handled, console, args):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    while True:                                # until the sentinel, or until killed
        name = work.get()                      # waits until there is a name
        if name is None:                       # the sentinel: no more names
            say(console, f"{me} got the sentinel: ending")
            return
        time.sleep(random.uniform(0, args.delay))   # "handling" it
        say(console, f"{me} handled {name}")
        handled.put(name)                      # tell the main process


def wait_for(processes, workers):
    """Join each of the processes, but stop waiting once a worker has ended badly."""
    for process in processes:
        while process.exitcode is None and not any(p.exitcode for p in workers):
            process.join(timeout=1)            # exit code not 0 (-9: killed): stop waiting


def reports(handled, count, workers):
    """The names the consumers handled: ``count`` of them, or fewer if a worker ended badly."""
    got = []
    while len(got) < count and not any(p.exitcode for p in workers):
        try:
            got.append(handled.get(timeout=1))  # a second at a time, then look again
        except queue.Empty:
            pass
    return got


def main():
    args = parser.parse_args()
    if args.start not in ["default", *multiprocessing.get_all_start_methods()]:
        parser.error(f"argument --start: this system has no {args.start}")   # Windows: spawn
    if args.start != "default":
        multiprocessing.set_start_method(args.start)
    work, handled = multiprocessing.Queue(), multiprocessing.Queue()
    console = multiprocessing.Lock()
    consumers = [multiprocessing.Process(target=consumer, args=(work, handled, console, args),
                                         name=f"consumer-{i}") for i in range(args.consumers)]
    producers = [multiprocessing.Process(target=producer, args=(i, work, console, args),
                                         name=f"producer-{i}") for i in range(args.producers)]
    workers = consumers + producers
    for process in workers:
        process.daemon = True                  # terminated when the main program ends
        process.start()
    pids = [process.pid for process in workers]
    say(console, f"main pid {os.getpid()} started {len(pids)} processes: {pids}")
    wait_for(producers, workers)               # then every name is queued
    produced = args.producers * args.names
    if args.shutdown == "sentinel":
        for _ in consumers:
            work.put(None)                     # one sentinel each, behind every name
        # Read the reports before joining: a process that has put something on a queue
        # does not end until it is in the pipe, and a full pipe waits for a reader.
        got = reports(handled, produced, workers)
        wait_for(consumers, workers)           # each one ends on its sentinel
    else:                                      # the classic: take what is there, and leave
        got = []
        while not handled.empty():
            got.append(handled.get())
    dead = [process for process in workers if process.exitcode]
    for process in dead:
        say(console, f"{process.name} pid {process.pid} ended with exit code {process.exitcode}")
    missing, twice = produced - len(set(got)), len(got) - len(set(got))
    say(console, f"{produced} names produced, {len(got)} consumed: {missing} never "
                 f"consumed, {twice} consumed twice")
    if dead:
        sys.exit(f"error: {len(dead)} worker process(es) ended badly: the counts are not whole")
    return {"produced": produced, "consumed": len(got), "missing": missing, "twice": twice,
            "pids": pids, "exitcodes": {p.name: p.exitcode for p in workers}}


if __name__ == "__main__":
    main()
