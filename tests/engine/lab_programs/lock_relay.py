"""Threads pass one lock from hand to hand as fast as they can, with the interpreter
switching threads as often as it can: a thread woken by a release runs at once."""
import sys
import threading

sys.setswitchinterval(1e-6)
baton = threading.Lock()


def runner():
    for _ in range(1000):
        with baton:
            pass


runners = [threading.Thread(target=runner, name=f"runner-{n}") for n in range(4)]
for each in runners:
    each.start()
for each in runners:
    each.join()
