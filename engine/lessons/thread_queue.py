"""Producer/consumer with threads

**Producers** make messages and `put` them on a `queue.Queue`; **consumers**
`get` them and do something with each. The queue does all the locking for
you: many threads may put and get at once and no message is lost or handed
out twice.

## What to watch

- The line at the top of the timeline is the **queue depth**: how many
  items wait in the queue. It grows when producers are faster than
  consumers and shrinks when they catch up. At the end the sentinels (see
  below) go through the queue too: the line rises by one for each, and is
  back at 0 when every consumer has taken its own.
- `q.get(block=False)` raises `queue.Empty` at once when there is nothing to
  take. A consumer then waits in a blocking `get` (its lane shows *waiting*).
- Set **Maxsize** to 2: now a full queue makes `put` wait too, and the
  producers' lanes show *waiting* until a consumer makes room.

## Ending cleanly: the sentinel

A consumer cannot know that no more messages will come. So once every
producer has finished (`join`), the main thread puts one **sentinel** per
consumer: a special object that means "no more". Each consumer stops when it
takes one. Every message put before the sentinels is consumed, and every
thread ends, so the program can wait for all of them.

## The classic shortcut: daemon threads

The classic version never tells its consumers to stop. It makes them
**daemon** threads, sleeps a while "long enough", and exits: the daemon
threads die with the process, wherever they are. Tick **Daemon shortcut** to
see it. It runs in a child process of its own, because daemon threads only
die when their *process* ends, and this app must keep running. Watch the
result: messages still in the queue at the exit are simply lost.
"""

import functools
import os
import queue
import random
import threading
from dataclasses import dataclass

from engine.params import param
from engine.procs import ProcessGroup

SELFTEST_PARAMS = {"producers": 2, "messages": 3, "consumers": 2, "delay": 0.1, "work": 0.1}

NO_MORE = object()   # the sentinel ("poison pill"): one per consumer


@dataclass
class Params:
    producers: int = param(4, low=1, high=20, help="how many producer threads")
    messages: int = param(4, low=1, high=500, help="how many messages each producer puts")
    consumers: int = param(2, low=1, high=20, help="how many consumer threads")
    maxsize: int = param(0, low=0, high=100,
                         help="room in the queue (0 means no limit); a full queue makes put wait")
    delay: float = param(1.0, low=0.0, high=5.0,
                         help="longest random pause of a producer before each put, in seconds")
    work: float = param(1.2, low=0.0, high=5.0,
                        help="longest random time a consumer spends on one message, in seconds")
    daemon: bool = param(False, label="Daemon shortcut",
                         help="the classic ending: daemon consumers and no sentinels "
                              "(runs in a child process)")


def run(params, emit, stop):
    if params.daemon:
        with ProcessGroup(emit, stop) as group:
            group.wait([group.start(classic_ending, params, name="classic")])
        return

    q = queue.Queue(maxsize=params.maxsize)
    # Each thread writes only to its own slot, so these need no lock.
    produced = [[] for _ in range(params.producers)]
    consumed = [[] for _ in range(params.consumers)]

    consumers = [threading.Thread(target=consumer, name=f"consumer-{i}",
                                  args=(q, consumed[i], params, emit, stop))
                 for i in range(params.consumers)]
    producers = [threading.Thread(target=producer, name=f"producer-{i}",
                                  args=(i, q, produced[i], params, emit, stop))
                 for i in range(params.producers)]
    for t in consumers + producers:
        t.start()

    for t in producers:
        t.join()                       # every message is in the queue now...
    emit(f"all producers done: one sentinel for each of the {len(consumers)} consumers",
         data={"depth": q.qsize()})
    for _ in consumers:
        put_waiting(q, NO_MORE, stop)  # ...so the sentinels come after all of them
    emit("sentinels in the queue, behind the last messages", data={"depth": q.qsize()})
    for t in consumers:
        t.join()                       # each consumer ends on its sentinel
    left = q.qsize()                   # 0, unless Stop ended the consumers early
    emit(f"every consumer has ended; {left} items left in the queue", data={"depth": left})

    report(emit, produced, consumed, stop)


def producer(my_id, q, produced, params, emit, stop):
    for n in range(params.messages):
        if stop.sleep(random.uniform(0, params.delay)):
            return                     # Stop was pressed while we were "making" it
        message = f"spam {my_id}.{n}"
        if q.full():
            emit("queue full: put waits for room", kind="state", data={"lane": "waiting"})
        if not put_waiting(q, message, stop):
            return
        depth = q.qsize()
        produced.append((message, depth))  # what we put, and how full the queue was then
        emit(f"put {message}", data={"depth": depth, "lane": "idle"})


def consumer(q, consumed, params, emit, stop):
    while True:
        try:
            message = q.get(block=False)   # raises queue.Empty at once if nothing is there
        except queue.Empty:
            emit("queue empty: get waits", kind="state", data={"lane": "waiting", "depth": 0})
            message = get_waiting(q, stop)
        if message is None:
            return                         # Stop was pressed
        if message is NO_MORE:
            emit("got the sentinel: no more messages, ending",
                 data={"lane": "idle", "depth": q.qsize()})
            return
        consumed.append(message)
        emit(f"got {message}", data={"depth": q.qsize(), "lane": "working"})
        if stop.sleep(random.uniform(0, params.work)):
            return


def put_waiting(q, item, stop):
    """q.put(item) that waits while the queue is full, but gives up on Stop."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            pass                           # still full: check Stop, then try again
    return False


def get_waiting(q, stop):
    """q.get() that waits for a message, but gives up on Stop (returns None)."""
    while not stop.is_set():
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            pass
    return None


def classic_ending(emit, stop, params):
    """The daemon shortcut. This runs in a child process of its own."""
    q = queue.Queue(maxsize=params.maxsize)
    produced = [[] for _ in range(params.producers)]
    consumed = [[] for _ in range(params.consumers)]
    pid = os.getpid()

    def as_thread(name):               # in a child process, lanes need the thread's name
        return functools.partial(emit, actor=f"{name} pid {pid}")

    consumers = [threading.Thread(target=consumer, name=f"consumer-{i}", daemon=True,
                                  args=(q, consumed[i], params, as_thread(f"consumer-{i}"),
                                        stop))
                 for i in range(params.consumers)]
    for t in consumers:
        t.start()                      # daemon threads: nobody will join them
    producers = [threading.Thread(target=producer, name=f"producer-{i}",
                                  args=(i, q, produced[i], params, as_thread(f"producer-{i}"),
                                        stop))
                 for i in range(params.producers)]
    for t in producers:
        t.start()
    for t in producers:
        t.join()

    # No sentinels: sleep a while, hope the consumers are done, and leave.
    stop.sleep(params.work)
    alive = sum(t.is_alive() for t in consumers)
    emit(f"leaving with {q.qsize()} messages still queued and {alive} consumer threads "
         "still running: they end with this process", data={"depth": q.qsize()})
    report(emit, produced, consumed, stop)
    # Returning ends the process, and its daemon threads with it, mid-message or not.


def report(emit, produced, consumed, stop):
    put = [message for mine in produced for message, _ in mine]
    got = [message for mine in consumed for message in mine]
    max_depth = max((depth for mine in produced for _, depth in mine), default=0)
    missing = len(set(put) - set(got))
    twice = len(got) - len(set(got))
    emit(f"{len(put)} messages produced, {len(got)} consumed: {missing} never consumed, "
         f"{twice} consumed twice; the queue held at most {max_depth}",
         kind="result", data={"produced": len(put), "consumed": len(got),
                              "max_depth": max_depth, "missing": missing, "twice": twice,
                              "per_consumer": [len(mine) for mine in consumed],
                              "stopped": stop.is_set()})


def format_result(data):
    """Who consumed how much, for the command line."""
    shares = ", ".join(f"consumer-{i} took {n}" for i, n in enumerate(data["per_consumer"]))
    return f"  {shares}; at most {data['max_depth']} messages waited in the queue at once"
