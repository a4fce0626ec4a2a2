"""Deadlock: two locks taken in opposite order

Two threads move money between two accounts, A and B. Each account has its
own lock, and a transfer holds **both**: it takes money out of one account and
puts it into the other, and no other thread may touch either in between.

- `a-to-b` moves money from A to B: it takes `lock_a`, then `lock_b`.
- `b-to-a` moves money from B to A: it takes `lock_b`, then `lock_a`.

## What goes wrong

Each thread takes its first lock, rests a moment (`hold`), then asks for its
second. Now `a-to-b` holds `lock_a` and waits for `lock_b`, while `b-to-a`
holds `lock_b` and waits for `lock_a`. Each waits for a lock the other holds,
and neither lets go of its own while it waits: a **deadlock**. Neither can
ever go on by itself. The window shows the cycle: who holds which lock, and
who waits for which.

A deadlock needs four things at once: a lock has one holder at a time; a
thread holds one lock while it waits for another; nobody takes a lock away
from its holder; and the waits go round in a circle. Take away any one of
them and there can be no deadlock. The two ways out below each take one away.

## Way out 1: give up, and try again

`lock.acquire(timeout=patience)` waits at most `patience` seconds, and returns
False if it did not get the lock. The thread then lets go of the lock it
holds, backs off for a while, and starts again, so it no longer holds a lock
while it waits for ever. The two threads back off for different times:
otherwise they could meet in the same deadlock again and again (a
*livelock*). Real programs often pick a random time; here it is fixed, so
that every run goes the same way. Set **Patience** to 0 for a plain
`acquire()`, which waits for ever: then the deadlock lasts until you press
Stop (Ctrl+C in a terminal).

## Way out 2: one order for every thread

With `--order same`, `b-to-a` also takes `lock_a` first, then `lock_b`. Now
nobody can hold `lock_b` while waiting for `lock_a`, so the waits can never go
round in a circle. A thread may still wait, but only for one that can finish.
This is the usual cure in real programs: rank the locks, and always take them
in that order.

The threads are daemon threads: if you stop the program during a deadlock,
it can end even though they never will.
"""

import argparse
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


# What you can change (the window builds its form from these lines too). Try: --patience 0
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--order", choices=["opposite", "same"], default="opposite",
                    help="which lock b-to-a takes first: the other one than a-to-b, or the same")
parser.add_argument("--hold", type=between(0.0, 30.0), default=0.5,
                    help="seconds a thread holds its first lock before it asks for the second")
parser.add_argument("--patience", type=between(0.0, 60.0), default=1.0,
                    help="seconds to wait for the second lock before backing off (0: for ever)")
parser.add_argument("--transfers", type=between(1, 20), default=2,
                    help="how many transfers each thread makes")

lock_a = threading.Lock()             # guards account A
lock_b = threading.Lock()             # guards account B
locks = {"A": lock_a, "B": lock_b}
accounts = {"A": 100, "B": 100}
gave_up = 0                           # how many times a thread backed off


def take_both(me, first, second, hold, patience, backoff):
    """Take the lock of account ``first``, then of ``second``; back off when stuck."""
    global gave_up
    while True:
        locks[first].acquire()
        print(f"{me} holds the lock of {first}, and wants the lock of {second}")
        time.sleep(hold)              # time for the other thread to take its first lock
        wait = patience if patience > 0 else -1   # -1: for ever, as a plain acquire()
        if locks[second].acquire(timeout=wait):
            return                    # both locks are ours
        locks[first].release()        # let go, so that the other thread can go on
        gave_up += 1
        print(f"{me} waited {patience} s for the lock of {second}: deadlock? "
              f"It lets go of {first}'s and tries again")
        time.sleep(backoff)


def transfer(me, source, target, settings, backoff):
    if settings.order == "same":
        first, second = sorted([source, target])   # every thread: A's lock, then B's
    else:
        first, second = source, target            # each its own source first
    for n in range(settings.transfers):
        take_both(me, first, second, settings.hold, settings.patience, backoff)
        accounts[source] -= 10
        accounts[target] += 10
        print(f"{me} moved 10 from {source} to {target}: A has {accounts['A']}, "
              f"B has {accounts['B']}")
        locks[second].release()
        locks[first].release()
        time.sleep(settings.hold)     # rest before the next transfer


def main():
    settings = parser.parse_args()
    threads = [
        threading.Thread(target=transfer, name="a-to-b", daemon=True,
                         args=("a-to-b", "A", "B", settings, 0.0)),
        # It backs off for longer: by then a-to-b has both locks, or has finished.
        threading.Thread(target=transfer, name="b-to-a", daemon=True,
                         args=("b-to-a", "B", "A", settings, 2 * settings.hold)),
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:         # Ctrl+C: the daemon threads end with the program
        print("interrupted: the threads were still waiting for each other's locks")
        raise SystemExit(130) from None
    total = accounts["A"] + accounts["B"]
    print(f"{2 * settings.transfers} transfers done; the threads backed off {gave_up} "
          f"times; A has {accounts['A']}, B has {accounts['B']}, {total} in all")
    return {"transfers": 2 * settings.transfers, "gave_up": gave_up, "order": settings.order,
            "balance_a": accounts["A"], "balance_b": accounts["B"], "total": total}


if __name__ == "__main__":
    main()
