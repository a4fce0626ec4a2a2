"""A thread waits for a lock the main thread holds until the FIFO named in argv says go."""
import _thread
import sys
import threading

mutex = _thread.allocate_lock()


def waiter():
    mutex.acquire()
    print("waiter got the lock")
    mutex.release()


mutex.acquire()
worker = threading.Thread(target=waiter, name="waiter")
worker.start()
with open(sys.argv[1]) as go:   # the test writes here once it has seen the waiter wait
    go.read()
mutex.release()
worker.join()
