"""N actors in a ring: each takes its own lock, all meet at a barrier, then each asks for
its neighbour's lock, with a time-out: a deadlock every time, over after the time-out.

argv: "threads N" (threading locks) or "processes" (two processes, multiprocessing locks).
"""
import multiprocessing
import sys
import threading


def seat(me, locks, everyone_holds, patience):
    mine, neighbours = locks[me], locks[(me + 1) % len(locks)]
    mine.acquire()
    everyone_holds.wait()                      # now every lock is held
    if neighbours.acquire(timeout=patience):   # never: its holder waits too
        neighbours.release()
    mine.release()


def with_threads(n):
    locks = [threading.Lock() for _ in range(n)]
    everyone_holds = threading.Barrier(n)
    seats = [threading.Thread(target=seat, name=f"seat-{me}",
                              args=(me, locks, everyone_holds, 0.5 + 0.2 * me))
             for me in range(n)]
    for thread in seats:
        thread.start()
    for thread in seats:
        thread.join()


def with_processes():
    context = multiprocessing.get_context("spawn")
    left = context.Lock()
    right = context.Lock()
    everyone_holds = context.Barrier(2)
    seats = [context.Process(target=seat, name=f"seat-{me}",
                             args=(me, [left, right], everyone_holds, 1.0 + me))
             for me in range(2)]
    for process in seats:
        process.start()
    for process in seats:
        process.join()


if __name__ == "__main__":
    if sys.argv[1] == "threads":
        with_threads(int(sys.argv[2]))
    else:
        with_processes()
