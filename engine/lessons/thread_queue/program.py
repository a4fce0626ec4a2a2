"""Producer/consumer with threads

**Producers** make messages and `put` them on a `queue.Queue`; **consumers**
`get` them and do something with each. The queue does all the locking for
you: many threads may put and get at once, and no message is lost or handed
out twice. Only the screen needs a lock of its own, so that two threads never
print into the same line.

## What to watch

- `q.get(block=False)` raises `queue.Empty` at once when there is nothing to
  take. The consumer says so, then waits in a blocking `q.get()`, which
  returns as soon as a producer puts something.
- The queue's depth grows when producers are faster than consumers and
  shrinks when the consumers catch up. The program notes it after each `put`
  and reports the most it saw (`max_depth`).
- Set `--maxsize 2`: now a full queue makes `put` wait too, until a consumer
  makes room.

## Ending cleanly: the sentinel

A consumer cannot know that no more messages will come. So once every
producer has finished (`join`), the main thread puts one **sentinel** per
consumer: a special value (here `None`) that means "no more". Each consumer
stops when it takes one. The sentinels are behind every message in the queue,
so every message is consumed, every thread ends, and the program can wait for
all of them.

## The classic shortcut: daemon threads

The classic version never tells its consumers to finish. It makes them
**daemon** threads, sleeps a while that is "long enough", and exits: daemon
threads die with the program, wherever they are. Run it with
`--shutdown daemon` and look at the result: messages still in the queue, or in
a consumer's hands, when the program ends are simply lost (`missing`).
"""

import argparse
import queue
import random
import threading
import time

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --maxsize 2 --shutdown daemon   (the window builds its form from this too)
SETTINGS = {
    "producers": (4, 1, 20, "how many producer threads"),
    "consumers": (2, 1, 20, "how many consumer threads"),
    "messages": (4, 1, 500, "how many messages each producer puts"),
    "maxsize": (0, 0, 100, "room in the queue (0: no limit); a full queue makes put wait"),
    "delay": (1.0, 0.0, 5.0, "longest random pause before each put, and on each message got"),
    "shutdown": ("sentinel", ["sentinel", "daemon"], None,
                 "how consumers end: a sentinel each, or as daemons when the program ends"),
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


screen = threading.Lock()
produced = []               # every message put
depths = []                 # how many items the queue held right after each put


def say(text):
    with screen:            # one thread at a time prints, so that lines never mix
        print(text)


def producer(me, q, messages, delay):
    for n in range(messages):
        time.sleep(random.uniform(0, delay))    # "making" the message takes a while
        message = f"spam {me}.{n}"
        q.put(message)                          # waits only while the queue is full
        produced.append(message)
        depths.append(q.qsize())
        say(f"producer-{me} put {message}")


def consumer(me, q, got, delay):
    while True:                                 # until the sentinel, or for ever
        try:
            message = q.get(block=False)        # nothing there? raises queue.Empty at once
        except queue.Empty:
            say(f"consumer-{me}: the queue is empty, waiting")
            message = q.get()                   # waits until there is something to take
        if message is None:                     # the sentinel: no more messages
            say(f"consumer-{me} got the sentinel: ending")
            return
        got.append(message)
        say(f"consumer-{me} got {message}")
        time.sleep(random.uniform(0, delay))    # "handling" it


def main():
    settings = read_settings()
    q = queue.Queue(maxsize=settings.maxsize)
    got = [[] for _ in range(settings.consumers)]   # one list per consumer: no lock needed
    daemon = settings.shutdown == "daemon"
    consumers = [threading.Thread(target=consumer, name=f"consumer-{i}", daemon=daemon,
                                  args=(i, q, got[i], settings.delay))
                 for i in range(settings.consumers)]
    producers = [threading.Thread(target=producer, name=f"producer-{i}",
                                  args=(i, q, settings.messages, settings.delay))
                 for i in range(settings.producers)]
    for thread in consumers + producers:
        thread.start()
    for thread in producers:
        thread.join()                    # every message is in the queue now
    if daemon:
        time.sleep(settings.delay)       # "long enough", we hope; then leave
        alive = sum(thread.is_alive() for thread in consumers)
        say(f"leaving with {q.qsize()} messages in the queue: "
            f"{alive} daemon consumers die with the program")
    else:
        for _ in consumers:
            q.put(None)                  # one sentinel each, behind every message
        for thread in consumers:
            thread.join()                # each one ends on its sentinel
    consumed = [message for mine in got for message in mine]
    missing = len(set(produced) - set(consumed))
    twice = len(consumed) - len(set(consumed))
    max_depth = max(depths, default=0)
    say(f"{len(produced)} messages produced, {len(consumed)} consumed: {missing} never "
        f"consumed, {twice} consumed twice; the queue held at most {max_depth}")
    return {"produced": len(produced), "consumed": len(consumed), "missing": missing,
            "twice": twice, "max_depth": max_depth, "per_consumer": [len(mine) for mine in got]}


if __name__ == "__main__":
    main()
