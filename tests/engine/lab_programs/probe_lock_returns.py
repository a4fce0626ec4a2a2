"""Locks: what acquire, release, with and locked return, and what they raise."""
import _thread
import copy
import pickle
import queue
import threading

from shown import show


def try_lock(lock):
    show(lock.acquire)
    show(lock.locked)
    show(lambda: lock.acquire(False))
    show(lambda: lock.acquire(True, 0.01))
    show(lambda: lock.acquire(blocking=False))
    show(lock.release)
    show(lock.release)                        # not held: RuntimeError
    show(lambda: lock.acquire(False, 1))      # a timeout without blocking: ValueError
    show(lambda: lock.acquire(True, -5))
    show(lambda: lock.acquire(1, 2, 3))       # TypeError, in the real one's words
    with lock as entered:
        print(entered, lock.locked())
    print(lock.locked(), repr(lock).split(" object")[0])
    cond = threading.Condition(lock)
    with cond:
        print(cond.wait(0.01))
    print(cond.acquire(), cond.release())
    show(lambda: pickle.dumps(lock))
    show(lambda: copy.copy(lock))


for make in (_thread.allocate_lock, threading.Lock):
    try_lock(make())
print(type(queue.Queue().mutex).__name__)    # made by queue, not by the program
