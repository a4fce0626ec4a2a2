"""multiprocessing: Queue, Lock and Process, what they return and raise (start method: argv)."""
import multiprocessing
import os
import queue
import signal
import sys

from shown import show


def child(items, lock, code):
    with lock:
        items.put("from the child")
    lock.acquire()
    lock.release()
    sys.exit(code)


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    items = context.Queue()
    lock = context.Lock()
    show(lock.acquire)
    show(lambda: lock.acquire(False))
    show(lambda: lock.acquire(True, 0.01))
    show(lock.release)
    show(lock.release)                       # released too many times
    with lock as entered:
        print(entered)
    show(lambda: items.put("x"))
    show(items.get)
    show(items.get_nowait)                   # queue.Empty
    show(lambda: items.get(timeout=0.01))
    print(queue.Empty is type(items.get_nowait.__self__).__module__)   # False, plainly
    worker = context.Process(target=child, args=(items, lock, 3), name="worker")
    show(worker.start)
    show(items.get)
    show(worker.join)
    print(worker.exitcode)
    victim = context.Process(target=killed, name="victim")
    victim.start()
    show(victim.join)
    print(victim.exitcode)
