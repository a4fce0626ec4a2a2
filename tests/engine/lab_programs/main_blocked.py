"""The main thread waits for a lock it already holds: only Ctrl-C gets it out."""
import _thread

mutex = _thread.allocate_lock()
mutex.acquire()
try:
    mutex.acquire()
except KeyboardInterrupt:
    print("interrupted while waiting for the lock")
