"""Producer/consumer with threads

**Producers** make messages and `put` them on a `queue.Queue`; **consumers**
`get` them and do something with each. The queue does all the locking for
you: many threads may put and get at once, and no message is lost or handed
out twice. Only the screen needs a lock of its own, so that two threads never
print into the same line.

## What to watch

- A consumer waits in `q.get()` while the queue is empty: it returns as soon
  as a producer puts something. (The classic polls instead, with
  `q.get(block=False)`, which raises `queue.Empty` at once when there is
  nothing to take.)
- The queue's depth (the timeline draws it) grows when producers are faster
  than consumers and shrinks when the consumers catch up.
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


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too).
# Try: python program.py --maxsize 2 --shutdown daemon
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--producers", type=between(1, 20), default=4, help="producer threads")
parser.add_argument("--consumers", type=between(1, 20), default=2, help="consumer threads")
parser.add_argument("--messages", type=between(1, 500), default=4, help="messages per producer")
parser.add_argument("--maxsize", type=between(0, 100), default=0, help="queue size (0: no limit)")
parser.add_argument("--delay", type=between(0.0, 5.0), default=1.0, help="longest random pause")
parser.add_argument("--shutdown", choices=["sentinel", "daemon"], default="sentinel",
                    help="how consumers end: a sentinel each, or as daemons with the program")

screen = threading.Lock()
consumed = []               # every message got (list.append is safe between threads)


def say(text):
    with screen:            # one thread at a time prints, so that lines never mix
        print(text)


def producer(me, q, args):
    for n in range(args.messages):
        time.sleep(random.uniform(0, args.delay))   # "making" the message takes a while
        q.put(f"spam {me}.{n}")                     # waits only while the queue is full
        say(f"producer-{me} put spam {me}.{n}")


def consumer(me, q, args):
    while True:                                     # until the sentinel, or for ever
        message = q.get()                           # waits until there is something
        if message is None:                         # the sentinel: no more messages
            say(f"consumer-{me} got the sentinel: ending")
            return
        consumed.append(message)
        say(f"consumer-{me} got {message}")
        time.sleep(random.uniform(0, args.delay))   # "handling" it


def main():
    args = parser.parse_args()
    q = queue.Queue(maxsize=args.maxsize)
    daemon = args.shutdown == "daemon"
    consumers = [threading.Thread(target=consumer, args=(i, q, args), name=f"consumer-{i}",
                                  daemon=daemon) for i in range(args.consumers)]
    producers = [threading.Thread(target=producer, args=(i, q, args), name=f"producer-{i}")
                 for i in range(args.producers)]
    for thread in consumers + producers:
        thread.start()
    for thread in producers:
        thread.join()                    # every message is in the queue now
    if daemon:
        time.sleep(args.delay)           # "long enough", we hope; then leave
        say(f"leaving with {q.qsize()} messages in the queue: "
            f"{args.consumers} daemon consumers die with the program")
    else:
        for _ in consumers:
            q.put(None)                  # one sentinel each, behind every message
        for thread in consumers:
            thread.join()                # each one ends on its sentinel
    produced, got = args.producers * args.messages, len(set(consumed))
    missing, twice = produced - got, len(consumed) - got
    say(f"{produced} messages produced, {len(consumed)} consumed: {missing} never consumed, "
        f"{twice} consumed twice")
    return {"produced": produced, "consumed": len(consumed), "missing": missing, "twice": twice}


if __name__ == "__main__":
    main()
