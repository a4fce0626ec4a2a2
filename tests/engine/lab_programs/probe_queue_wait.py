"""A consumer waits on an empty queue until the FIFO named in argv lets the main thread put."""
import queue
import sys
import threading

items = queue.Queue()


def consumer():
    item = items.get()
    print("consumer got", item)


worker = threading.Thread(target=consumer, name="consumer")
worker.start()
with open(sys.argv[1]) as go:   # the test writes here once it has seen the consumer wait
    go.read()
items.put("first")
worker.join()
items.put("second")
items.put("third")
print(items.get(), items.get_nowait())
try:
    items.get_nowait()
except queue.Empty:
    print("empty")
