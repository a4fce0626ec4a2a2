"""Three threads print two lines each, one at a time, through a lock."""
import _thread
import threading

mutex = _thread.allocate_lock()


def worker(name):
    for n in range(2):
        with mutex:
            print(f"{name} says line {n}")


threads = [threading.Thread(target=worker, args=(f"w{i}",), name=f"w{i}") for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("all done")
