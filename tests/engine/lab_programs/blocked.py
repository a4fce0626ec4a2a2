"""A thread waits for a lock the main thread holds and does not give back."""
import _thread
import threading
import time

mutex = _thread.allocate_lock()


def waiter():
    mutex.acquire()
    print("waiter got the lock")


mutex.acquire()
threading.Thread(target=waiter, name="waiter", daemon=True).start()
print("main holds the lock")
time.sleep(3600)
