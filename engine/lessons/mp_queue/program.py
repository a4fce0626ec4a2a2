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
queue that a `get` holds) nobody can ever release it: the others may wait
for ever. Press Stop (Ctrl-C) to end them. That is one more reason to share as
little as you can between processes.
"""

import argparse
import multiprocessing
import os
import random
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


def producer(names, work, console, delay):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    for name in names:
        time.sleep(random.uniform(0, delay))   # "making" it takes a while
        work.put(name)
        with console:                          # one process at a time on the console
            print(f"{me} put {name}")


def consumer(work, handled, console, delay):
    me = f"{multiprocessing.current_process().name} pid {os.getpid()}"
    while True:                                # until the sentinel, or until killed
        name = work.get()                      # waits until there is a name
        if name is None:                       # the sentinel: no more names
            with console:
                print(f"{me} got the sentinel: ending")
            return
        time.sleep(random.uniform(0, delay))   # "handling" it
        with console:
            print(f"{me} handled {name}")
        handled.put(name)                      # tell the main process


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
    with console:
        print(f"main pid {os.getpid()} started {len(pids)} processes: {pids}")
    for process in producers:
        process.join()                         # every name is in the queue now
    produced = [name for mine in names for name in mine]
    if settings.shutdown == "sentinel":
        for _ in consumers:
            work.put(None)                     # one sentinel each, behind every name
        # Read every report before joining: a process that has put something on a
        # queue does not end until it is in the pipe, and a full pipe waits for a reader.
        got = [handled.get() for _ in produced]
        for process in consumers:
            process.join()
    else:
        # The classic ending: take what was handled so far and leave. On the way out,
        # multiprocessing terminates the daemon consumers, mid-name or not.
        got = []
        while not handled.empty():
            got.append(handled.get())
    missing = len(set(produced) - set(got))
    twice = len(got) - len(set(got))
    with console:
        print(f"{len(produced)} names produced, {len(got)} consumed: {missing} never "
              f"consumed, {twice} consumed twice")
    return {"produced": len(produced), "consumed": len(got), "missing": missing,
            "twice": twice, "pids": pids}


if __name__ == "__main__":
    main()
