"""Prints, as one JSON line, what a program can tell of the process it runs in."""

import json
import os
import signal
import sys

real_out, real_err = sys.__stdout__, sys.__stderr__
seen = {
    "argv": sys.argv,
    "path": sys.path[:3],
    "main": [__name__, sys.modules["__main__"].__file__],
    "streams": [[s.encoding, s.errors, s.write_through] for s in (real_out, real_err)],
    "stdin": sys.__stdin__.read(),
    "session_leader": os.getsid(0) == os.getpid(),
    "env": [os.environ.get(name) for name in ("PYTHONUNBUFFERED", "PYSYSLAB_LAB_ROLE")],
    "pythonpath": os.environ.get("PYTHONPATH", "").split(os.pathsep)[:2],
    "sigint": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
    "sigpipe": signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN,
    "fds": len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None,
}
print(json.dumps(seen))
