"""queue.Queue and its subclasses: what put and get return, and what they raise."""
import queue

from shown import show


def try_queue(q):
    show(lambda: q.put(3))
    show(lambda: q.put_nowait(1))
    show(lambda: q.put(5, block=False))        # full
    show(lambda: q.put(5, timeout=0.01))
    show(lambda: q.put(5, True, -1))           # a negative timeout: ValueError
    show(q.qsize)
    show(q.get)
    show(lambda: q.get(False))
    show(q.get_nowait)                         # empty
    show(lambda: q.get(True, 0.01))
    show(lambda: q.get(timeout=-1))
    show(lambda: q.get(1, 2, 3))


for kind in (queue.Queue, queue.LifoQueue, queue.PriorityQueue):
    try_queue(kind(maxsize=2))
print(queue.Queue.get.__name__, queue.Queue.put.__doc__.splitlines()[0])
