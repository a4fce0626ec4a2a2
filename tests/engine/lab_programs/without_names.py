"""Says which of fork, alarm and SIGUSR1 exist, here and in a spawned child."""
import multiprocessing
import os
import signal


def say(who):
    print(f"{who}: fork {hasattr(os, 'fork')}, alarm {hasattr(signal, 'alarm')}, "
          f"SIGUSR1 {hasattr(signal, 'SIGUSR1')}, "
          f"start methods {multiprocessing.get_all_start_methods()}")


def main():
    say("main")
    child = multiprocessing.get_context("spawn").Process(target=say, args=("child",))
    child.start()
    child.join()
    return {"exitcode": child.exitcode}


if __name__ == "__main__":
    main()
