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

The consumers loop for ever, waiting for names, and are marked
`daemon = True`: when the main program ends, multiprocessing terminates its
daemon children wherever they are.

With sentinels (the default), once every producer has ended (`join`), the main
process puts one **sentinel** (`None`) per consumer on the queue, behind every
name; each consumer ends when it gets one, and the main process joins them
too. Every name is handled. (Being daemons still helps: if the main program
is interrupted, it does not wait for ever for consumers that wait for names.)

The classic version (`--shutdown daemon`) joins only the producers and ends.
Names still in the queue, or in a consumer's hands, are lost (`missing`).

## Start methods

`--start spawn` starts each child as a fresh Python that imports this file
(as `__mp_main__`, so the `if __name__ == "__main__":` block does not run
again) and then calls its function, which is why `producer` and `consumer`
sit at the top level of the file. `fork` copies the running program instead
(the default on Linux before Python 3.14).

## Kill a worker

While it runs, kill a consumer from a terminal: `kill -9 PID`. Its names in
hand are lost, and if it held a lock (the console's, or the one inside the
queue that a `get` holds while it waits) nobody can ever release it. So
nothing here waits for ever on another process: the console lock is taken
with a `timeout`, and the main process reads the reports with one too. When
a report is late, it looks at the consumers' `exitcode`s: if one is not 0
(-9: killed by signal 9), it says so and ends, and the daemon consumers end
with it, and the program's own exit status is 1, as a program whose work
failed should say to whoever started it. That is one more reason to share as
little as you can between processes.
"""

import argparse
import multiprocessing
import os
import queue
import random
import sys
import time

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --shutdown daemon   (the window builds its form from this too)
SETTINGS = {
    "producers": (3, 1, 8, "how many producer processes"),
    "consumers": (6, 1, 12, "how many consumer processes"),
    "names": (4, 1, 40, "how many names each producer is given"),
    "delay": (1.0, 0.0, 10.0, "longest random pause before each put, and on each name got"),
    "shutdown": ("sentinel", ["sentinel", "daemon"], None,
                 "how consumers end: a sentinel each, or as daemons when the program ends"),
    "start": ("default", ["default", "fork", "spawn", "forkserver"], None,
              "how multiprocessing starts a child process"),
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


FOODS = ["spam", "eggs", "ham", "toast", "beans", "bacon", "jam", "tea"]


def say(console, text):
    # One process at a time on the console. A process killed while it holds the
    # lock never gives it back: wait 2 s at most, then print anyway.
    mine = console.acquire(timeout=2)
    print(text)
    if mine:
        console.release()


def producer(names, work, console, delay):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    for name in names:
        time.sleep(random.uniform(0, delay))   # "making" it takes a while
        work.put(name)
        say(console, f"{me} put {name}")


def consumer(work, handled, console, delay):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    while True:                                # until the sentinel, or until killed
        name = work.get()                      # waits until there is a name
        if name is None:                       # the sentinel: no more names
            say(console, f"{me} got the sentinel: ending")
            return
        time.sleep(random.uniform(0, delay))   # "handling" it
        say(console, f"{me} handled {name}")
        handled.put(name)                      # tell the main process


def killed(processes):
    """The processes that ended badly: exit code not 0 (-9: SIGKILL); None is running."""
    return [process for process in processes if process.exitcode]


def reports(handled, consumers, count):
    """Read what the consumers handled, until ``count`` came or nobody is left to send."""
    got = []
    while len(got) < count:
        try:
            got.append(handled.get(timeout=1))
        except queue.Empty:                    # a second without news: who is still there?
            if killed(consumers) or all(c.exitcode is not None for c in consumers):
                break
    return got


def main():
    settings = read_settings()
    if settings.start != "default":
        multiprocessing.set_start_method(settings.start)
    work, handled = multiprocessing.Queue(), multiprocessing.Queue()
    console = multiprocessing.Lock()
    names = [[f"{FOODS[(p + k) % len(FOODS)]}-{p}.{k}" for k in range(settings.names)]
             for p in range(settings.producers)]
    consumers = [multiprocessing.Process(target=consumer, name=f"consumer-{i}",
                                         args=(work, handled, console, settings.delay))
                 for i in range(settings.consumers)]
    producers = [multiprocessing.Process(target=producer, name=f"producer-{i}",
                                         args=(names[i], work, console, settings.delay))
                 for i in range(settings.producers)]
    for process in consumers:
        process.daemon = True                  # terminated when the main program ends
        process.start()
    for process in producers:
        process.start()
    pids = [process.pid for process in consumers + producers]
    say(console, f"main pid {os.getpid()} started {len(pids)} processes: {pids}")
    for process in producers:                  # once all are joined, every name is queued
        while process.exitcode is None and not killed(consumers + producers):
            process.join(timeout=1)            # (a killed process ends the wait)
    produced = [name for mine in names for name in mine]
    if settings.shutdown == "sentinel" and not killed(consumers + producers):
        for _ in consumers:
            work.put(None)                     # one sentinel each, behind every name
        # Read every report before joining: a process that has put something on a
        # queue does not end until it is in the pipe, and a full pipe waits for a reader.
        got = reports(handled, consumers, len(produced))
    else:
        # The classic ending: take what was handled so far and leave. On the way out,
        # multiprocessing terminates the daemon consumers, mid-name or not.
        got = []
        while not handled.empty():
            got.append(handled.get())
    dead = killed(consumers + producers)
    for process in dead:
        say(console, f"{process.name} pid {process.pid} ended with exit code {process.exitcode}")
    if dead:
        for process in consumers + producers:
            process.terminate()                # end the rest: they may wait for ever on
            process.join()                     # a lock that the dead one held
    elif settings.shutdown == "sentinel":
        for process in consumers:
            process.join()                     # each one ends on its sentinel
    missing = len(set(produced) - set(got))
    twice = len(got) - len(set(got))
    say(console, f"{len(produced)} names produced, {len(got)} consumed: {missing} never "
                 f"consumed, {twice} consumed twice")
    if dead:
        sys.exit(f"error: {len(dead)} worker process(es) ended badly: the counts are not whole")
    return {"produced": len(produced), "consumed": len(got), "missing": missing,
            "twice": twice, "pids": pids,
            "exitcodes": {p.name: p.exitcode for p in consumers + producers}}


if __name__ == "__main__":
    main()
