"""A child process by spawn and one by fork, each printing its name."""
import multiprocessing
import sys


def child(greeting):
    print(f"{greeting} from {multiprocessing.current_process().name}")


if __name__ == "__main__":
    method = sys.argv[1]
    worker = multiprocessing.get_context(method).Process(target=child, args=(f"hello by {method}",))
    worker.start()
    worker.join()
    print(f"{method} child exit code {worker.exitcode}")
