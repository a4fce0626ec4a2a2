"""A spawned child that sleeps on, and a parent that shrugs off Ctrl-C: only kills end them."""
import multiprocessing
import time


def sleep_forever(who):
    print(f"{who} sleeping")
    while True:
        try:
            time.sleep(3600)
        except KeyboardInterrupt:
            print(f"{who} ignoring Ctrl-C")


if __name__ == "__main__":
    child = multiprocessing.get_context("spawn").Process(target=sleep_forever, args=("child",),
                                                         name="sleeper")
    child.start()
    sleep_forever("parent")
