"""A lesson that leaves one of everything behind on purpose.

The soak must count each: a thread, a child process, a zombie, a socket and
an open file descriptor. ``clean_up()`` ends them all afterwards.
"""

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass

from engine.params import param

LEFT = {"threads": [], "processes": [], "zombies": [], "sockets": [], "fds": []}
_forever = threading.Event()


@dataclass
class Params:
    every: int = param(1, low=1, high=10, help="leak on every n-th run")


def run(params, emit, stop):
    thread = threading.Thread(target=_forever.wait, name="leaked", daemon=True)
    thread.start()
    LEFT["threads"].append(thread)
    LEFT["processes"].append(subprocess.Popen([sys.executable, "-c",
                                               "import time; time.sleep(60)"]))
    LEFT["zombies"].append(os.posix_spawn("/bin/true", ["true"], os.environ))
    LEFT["sockets"].append(socket.socket())
    LEFT["fds"].append(os.open(os.devnull, os.O_RDONLY))
    emit("left one of everything behind", kind="result", data={})


def clean_up():
    _forever.set()
    for thread in LEFT["threads"]:
        thread.join()
    for proc in LEFT["processes"]:
        proc.kill()
        proc.wait()
    for pid in LEFT["zombies"]:
        os.waitpid(pid, 0)
    for sock in LEFT["sockets"]:
        sock.close()
    for fd in LEFT["fds"]:
        os.close(fd)
    for kept in LEFT.values():
        kept.clear()
    _forever.clear()
