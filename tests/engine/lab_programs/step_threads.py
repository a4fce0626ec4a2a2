"""Two threads each print three lines; the main thread forks a child that prints too."""
import os
import threading


def say(name):
    for n in range(3):
        print(f"{name} line {n}")


threads = [threading.Thread(target=say, args=(f"t{i}",), name=f"t{i}") for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pid = os.fork()
if pid == 0:
    for n in range(3):
        print(f"child line {n}")
    os._exit(0)
os.waitpid(pid, 0)
print("all done")
