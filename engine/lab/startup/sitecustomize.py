"""Startup hook: puts the lab into every Python process a lab program starts.

The engine puts this folder first on PYTHONPATH for the lab process, so every
Python started below it (a multiprocessing spawn or forkserver child, or
``subprocess.run([sys.executable, ...])``) imports this module at start-up,
before its own first line. coverage.py does the same with a ``.pth`` file and
COVERAGE_PROCESS_START. A sitecustomize on this path hides any other one
further along; the lab's interpreter has none.

The lab process itself is started with role "root" and installs the lab in its
own ``main()``; here it only marks the environment so its children know they
are children.
"""

import os
import sys

_role = os.environ.get("PYSYSLAB_LAB_ROLE")
if _role == "root":
    os.environ["PYSYSLAB_LAB_ROLE"] = "child"
elif _role == "child" and os.environ.get("PYSYSLAB_LAB_SOCKET"):
    try:
        from engine.lab import inside
        inside.install("spawn")
    except Exception as exc:  # a broken lab must not break the learner's program
        print(f"pysyslab lab: not watching this process ({exc})", file=sys.stderr)
