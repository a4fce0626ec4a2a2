"""A multiprocessing child whose target raises; the parent reports the exit code."""
import multiprocessing
import sys


def work():
    raise ValueError("the child failed on purpose")


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1] if len(sys.argv) > 1 else "fork")
    child = multiprocessing.Process(target=work, name="worker")
    child.start()
    child.join()
    print("child exit code", child.exitcode)
