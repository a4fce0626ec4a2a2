"""Leaves a process behind: a forked child that moves to a session of its own.

The lab ends a run by killing its process group; a child that called
``os.setsid()`` is no longer in it, and runs on (holding the lab's output
open). It writes its pid to ``--pidfile`` so that whoever runs this can end it.
"""
import argparse
import os
import signal
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--pidfile", type=str, default="", help="file the child appends its pid to")
parser.add_argument("--wait", type=float, default=0.0,
                    help="seconds the program waits once the child is out")


def escape(pidfile, told):
    os.setsid()
    with open(pidfile, "a") as f:
        print(os.getpid(), file=f)
    os.write(told, b"out")
    while True:
        signal.pause()   # until killed: no timer, whatever the speed


def main():
    args = parser.parse_args()
    ready, told = os.pipe()
    if os.fork() == 0:
        escape(args.pidfile, told)
    os.read(ready, 3)   # the child is out of the process group
    print("the child escaped")
    time.sleep(args.wait)


if __name__ == "__main__":
    main()
