"""Run the filescan program with its parallel walk made to share out a small tree.

``python parallel_walk.py [--hold FOLDER] PROGRAM [ARGS]`` runs PROGRAM as
``python PROGRAM ARGS`` would, with parallel.py's constants lowered so that a
tree of a few folders goes to the workers: this process walks only the root,
two workers walk the rest, a few folders per task. So a test can check the
parallel way on a small, odd tree, on a machine with any number of cores.

With ``--hold FOLDER``, the worker that lists FOLDER prints
"holding the walk at FOLDER in process PID" and then waits for ever (it ignores
Ctrl-C, as every worker does): a test waits for that line and only then presses
Stop, sends Ctrl-C or kills that worker, so it lands mid-walk at a known point.
Workers are forked, so they inherit the wrapped ``os.scandir``.
"""

import os
import runpy
import signal
import sys

args = sys.argv[1:]
held = None
if args[0] == "--hold":
    held, args = args[1], args[2:]
program = os.path.abspath(args[0])
sys.argv = [program, *args[1:]]
sys.path[0] = os.path.dirname(program)   # as `python PROGRAM` puts it (for `import parallel`)

import parallel  # noqa: E402  (found through the path set just above)

parallel.IN_PROCESS_FOLDERS = 1   # the root only: every other folder goes to a worker
parallel.SHARE_FOLDERS = 2        # a worker reports back after 2 folders
parallel.SHARE_SIZE = 3           # and gets at most 3 folders in one task
parallel.WORKERS = 2              # even on one core

real_scandir = os.scandir


def listed_folder(path) -> str:
    """The folder os.scandir(path) lists: the careful walk lists an open descriptor."""
    return os.readlink(f"/proc/self/fd/{path}") if isinstance(path, int) else os.fspath(path)


def scandir(path="."):
    if listed_folder(path) == held:
        print(f"holding the walk at {held} in process {os.getpid()}", flush=True)
        while True:
            signal.pause()   # until the process is ended from outside
    return real_scandir(path)


if held is not None:
    os.scandir = scandir
runpy.run_path(program, run_name="__main__")
