"""Uncaught errors out of probed calls: one in a thread, one in the main thread."""
import queue
import threading

items = queue.Queue()


def worker():
    items.get_nowait()   # empty: queue.Empty, uncaught


thread = threading.Thread(target=worker, name="worker")
thread.start()
thread.join()
mutex = threading.Lock()
mutex.release()   # not held: RuntimeError, uncaught
