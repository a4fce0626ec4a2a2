"""Locks made in several ways, each taken once; then nested takes and a wait given up.

The test reads the names the lock events give, and the lanes of the nested part.
"""
import _thread
import threading

lock_a = threading.Lock()
first, second = threading.Lock(), threading.Lock()


class Philosopher:
    def __init__(self):
        self.fork = _thread.allocate_lock()


def made_here():
    lock = threading.Lock()
    return lock


owners = [Philosopher(), Philosopher()]
made = [made_here(), made_here()]
for each in [lock_a, first, second, owners[0].fork, owners[1].fork, *made]:
    with each:
        pass

print("nested")
with lock_a:
    first.acquire()
    first.release()
    second.acquire()
    print(second.acquire(timeout=0.01))   # it holds second already: waits, then gives up
    second.release()
