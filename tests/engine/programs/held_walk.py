"""Run a lesson program with its walk held at one folder until Ctrl-C (or the lab's Stop).

``python held_walk.py FOLDER PROGRAM [ARGS]`` runs PROGRAM as ``python PROGRAM ARGS``
would, except that listing FOLDER first prints "holding the walk at FOLDER" and
then waits for a signal. A test waits for that line and only then stops the run,
so the Stop lands mid-walk at a known point on a machine of any speed: no big tree,
no sleep that "should be long enough". Both ways of the filescan lesson list
folders with ``os.scandir`` (``os.walk`` calls it too), so both are held.
"""

import os
import runpy
import signal
import sys
import time

held, program = sys.argv[1], os.path.abspath(sys.argv[2])
real_scandir = os.scandir


def listed_folder(path) -> str:
    """The folder os.scandir(path) lists: the careful walk lists an open descriptor."""
    return os.readlink(f"/proc/self/fd/{path}") if isinstance(path, int) else os.fspath(path)


def scandir(path="."):
    if listed_folder(path) == held:
        print(f"holding the walk at {held}", flush=True)
        while True:   # until SIGINT raises KeyboardInterrupt here, in the walk
            if hasattr(signal, "pause"):
                signal.pause()
            else:
                time.sleep(3600)   # Windows has no pause(); Ctrl-C ends a sleep too
    return real_scandir(path)


os.scandir = scandir   # os.walk looks the name up in os at each call, so it sees this too
sys.argv = [program, *sys.argv[3:]]
sys.path[0] = os.path.dirname(program)   # as `python PROGRAM` puts it (for `import careful`)
runpy.run_path(program, run_name="__main__")
