"""A thread fails; the main thread goes on and ends normally."""
import threading


def worker():
    raise RuntimeError("the worker failed")


print(f"threads at start: {[t.name for t in threading.enumerate()]}")
t = threading.Thread(target=worker, name="worker")
t.start()
t.join()
print("main goes on")
