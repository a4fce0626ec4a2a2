"""Producer/consumer with processes

The same pattern as with threads, but every producer and every consumer is a
separate **process**: its own PID, its own interpreter, its own memory.
Processes share nothing by accident. What they share is made for sharing:

- a `multiprocessing.Queue` carries the names from producers to consumers
  (each one is pickled and sent through a pipe);
- a `multiprocessing.Lock` lets one process at a time use the console;
- a second queue, `reports`, tells the main process what each worker did,
  because it cannot look into their memory.

## What to watch

- Every line names its process and PID, and each process has its own lane.
- The queue depth goes up with each `put` and down with each `get`.
- At the end, the main process waits for every consumer to end, so the
  result counts every name exactly once.

## Ending: sentinels, or the classic daemon shortcut

Once every producer has ended, the main process puts one **sentinel** (`None`)
per consumer, and each consumer ends when it gets one.

The classic version makes its consumers **daemon** processes instead and
joins only the producers. When the main program ends, multiprocessing
terminates its daemon children wherever they are. Tick **Daemon consumers**:
names still in the queue, or in a consumer's hands, are lost.

## Kill a worker

While it runs, kill a consumer from a terminal: `kill -9 PID`. Its exit code
is `-9` (killed by SIGKILL). The lesson reports it and ends the others,
because a process killed while it holds a lock never lets go of it. The
queue holds locks inside, and a consumer waiting in `get` holds one. That is
why every `get` and every `acquire` here has a timeout: a worker can always
notice Stop instead of waiting forever.
"""

import contextlib
import os
import queue
import random
from dataclasses import dataclass

from engine.params import param
from engine.procs import ProcessGroup, close_queue

FOODS = ("spam", "eggs", "ham", "toast", "beans", "bacon", "jam", "tea")
NO_MORE = None                         # the sentinel: one per consumer


@dataclass
class Params:
    producers: int = param(3, low=1, high=8, help="how many producer processes")
    consumers: int = param(6, low=1, high=12, help="how many consumer processes")
    names: int = param(4, low=1, high=40, help="how many names each producer is given")
    delay: float = param(1.5, low=0.0, high=10.0,
                         help="longest random pause of a producer before each put, and of "
                              "a consumer on each name, in seconds (the classic: 10)")
    daemon: bool = param(False, label="Daemon consumers",
                         help="the classic ending: daemon consumers, no sentinels; the main "
                              "program joins only the producers")


SELFTEST_PARAMS = {"producers": 2, "consumers": 2, "names": 2, "delay": 0.2}


def run(params, emit, stop):
    with ProcessGroup(emit, stop) as group:
        work = group.ctx.Queue()       # names, from producers to consumers
        reports = group.ctx.Queue()    # (what, name), from every worker to us
        console = group.ctx.Lock()     # one process at a time on the console
        tally = Tally(emit)

        consumers = [group.start(consumer, work, reports, console, params.delay,
                                 name=f"consumer-{i}", daemon=params.daemon)
                     for i in range(1, params.consumers + 1)]
        producers = [group.start(producer, names_for(i, params.names), work, reports,
                                 console, params.delay, name=f"producer-{i}")
                     for i in range(1, params.producers + 1)]
        pids = {p.name: p.pid for p in consumers + producers}
        emit(f"main process pid {os.getpid()} started {len(pids)} processes",
             data={"pids": pids})

        ended = watch(group, producers, reports, tally, stop)
        if ended and params.daemon:
            # The classic main program is done now. On its way out,
            # multiprocessing terminates every daemon child, mid-name or not.
            emit("producers done; main ends, and takes its daemon consumers with it")
            for p in consumers:
                group.terminate(p)
            watch(group, consumers, reports, tally, stop)
        elif ended:
            emit(f"producers done; one sentinel for each of the {len(consumers)} consumers")
            for _ in consumers:
                work.put(NO_MORE)      # after every name, so no name is left behind
            watch(group, consumers, reports, tally, stop)
        if group.killed:
            emit("a process killed mid-work may still hold a lock (the queue's or the "
                 "console's) that nobody else can release, so the others end now")
    # Every process has ended; read what they reported just before the end.
    tally.read_all(reports)
    # Then close our ends of both queues, so no pipe stays open.
    close_queue(work)
    close_queue(reports)
    tally.report(pids, group.killed, group.failed, stop)


def names_for(producer_no, count):
    """The names one producer is given: 'eggs-1.0', 'ham-1.1'... for producer 1."""
    return [f"{FOODS[(producer_no + k) % len(FOODS)]}-{producer_no}.{k}"
            for k in range(count)]


def producer(emit, stop, names, work, reports, console, delay):
    with holding(console, stop):
        emit(f"given {len(names)} names", data={"lane": "working"})
    for name in names:
        if stop.sleep(random.uniform(0, delay)):
            return                     # Stop was pressed while we were "making" it
        work.put(name)
        reports.put(("put", name))
        with holding(console, stop):
            emit(f"put {name}", data={"name": name})
    with holding(console, stop):
        emit("all my names are in the queue: ending", data={"lane": "idle"})


def consumer(emit, stop, work, reports, console, delay):
    with holding(console, stop):
        emit("waiting for names", data={"lane": "waiting"})
    while not stop.is_set():
        try:
            name = work.get(timeout=0.1)   # at most 0.1 s, then look at Stop again
        except queue.Empty:
            continue
        if name is NO_MORE:
            with holding(console, stop):
                emit("got the sentinel: no more names, ending", data={"lane": "idle"})
            return
        reports.put(("got", name))
        with holding(console, stop):
            emit(f"got {name}", data={"name": name, "lane": "working"})
        if stop.sleep(random.uniform(0, delay)):   # "handle" it
            return
        reports.put(("handled", name))
        with holding(console, stop):
            emit(f"handled {name}", data={"name": name, "lane": "waiting"})


@contextlib.contextmanager
def holding(lock, stop):
    """``with lock:``, but never waiting forever. A lock whose holder was
    killed stays locked; then only Stop ends the wait (and we print anyway)."""
    got = False
    while not got and not stop.is_set():
        got = lock.acquire(timeout=0.1)
    try:
        yield
    finally:
        if got:
            lock.release()


def watch(group, processes, reports, tally, stop):
    """Wait for ``processes`` to end while reading the workers' reports.

    Returns False on Stop, or when a worker was killed from outside."""
    while any(p.exitcode is None for p in processes):
        group.report_killed()          # says so (once) if a worker was killed
        if stop.is_set() or group.killed:
            return False
        try:
            tally.add(reports.get(timeout=0.05))
        except queue.Empty:
            pass
    group.report_killed()
    return not group.killed


class Tally:
    """What the main process learns from the reports, and the queue depth."""

    def __init__(self, emit):
        self.emit = emit
        self.put, self.got, self.handled = [], [], []
        self.depth = 0

    def add(self, report):
        what, name = report
        {"put": self.put, "got": self.got, "handled": self.handled}[what].append(name)
        # Reports from different processes may come in any order: clamp at 0.
        depth = max(0, len(self.put) - len(self.got))
        if depth != self.depth:
            self.depth = depth
            self.emit(f"queue depth {depth}", kind="progress", actor="queue",
                      data={"depth": depth})

    def read_all(self, reports):
        """Everything still in the reports queue, without waiting."""
        while True:
            try:
                self.add(reports.get_nowait())
            except queue.Empty:
                return

    def report(self, pids, killed, failed, stop):
        lost = sorted(set(self.put) - set(self.handled))
        twice = sorted({name for name in self.handled if self.handled.count(name) > 1})
        ending = ""
        if killed:
            ending += "; killed from outside: " + ", ".join(k["name"] for k in killed)
        if failed:                     # an error ended them: their names may be lost
            ending += "; died of an error: " + ", ".join(f["name"] for f in failed)
        self.emit(f"{len(self.put)} names produced, {len(self.handled)} consumed, "
                  f"{len(lost)} never consumed, {len(twice)} consumed twice{ending}",
                  kind="result",
                  data={"produced": len(self.put), "consumed": len(self.handled),
                        "pids": pids, "lost": lost, "twice": twice, "killed": killed,
                        "failed": failed, "stopped": stop.is_set()})
