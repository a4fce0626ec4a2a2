"""The parent ends its own child with terminate() (start method: argv): no death.

A second child, started after, prints: its line reaches the engine after the
first child's connection closed, so the engine judges that end while the
parent still runs (not in the parent's own ending, which excuses every end).
"""
import multiprocessing
import sys
import time


def sleeper(ready):
    time.sleep(0.3)   # the lab has sent its first events by then (it sends every 50 ms)
    ready.put("waiting")
    time.sleep(3600)


def witness():
    print("the witness saw it")


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    ready = context.Queue()
    worker = context.Process(target=sleeper, args=(ready,), name="sleeper")
    worker.start()
    print(f"the sleeper is {ready.get()}")
    worker.terminate()
    worker.join()
    print(f"sleeper exit code {worker.exitcode}")
    after = context.Process(target=witness, name="witness")
    after.start()
    after.join()
