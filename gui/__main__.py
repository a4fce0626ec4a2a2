"""Start PySysLab: ``python -m gui``, and the entry script of the executable (build.spec).

    python -m gui [--lesson ID]    # the window
    python -m gui --self-test      # checks without a window; exit status 0 if all pass
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # The executable is also the lab: it runs a lesson program for the window
    # (engine/lab/run.py starts it so), and must watch the program's spawned
    # children from their first line, before freeze_support() runs their target.
    if sys.argv[1:2] == ["--lab-inside"]:
        from engine.lab.inside import main as lab_main
        sys.argv = sys.argv[1:]
        lab_main()
        sys.exit(0)
    if getattr(sys, "frozen", False) and os.environ.get("PYSYSLAB_LAB_ROLE") == "child":
        from engine.lab import inside
        inside.install("spawn")
    # First, before anything parses arguments: in the executable, a spawned
    # child is this same program started with --multiprocessing-fork, and this
    # call turns it into the child. Without it the app would start itself again.
    multiprocessing.freeze_support()
    # Before anything imports ttkbootstrap: its import then skips importlib.metadata
    # (~30 ms; gui/quickimport.py says how).
    from gui.quickimport import import_ttkbootstrap
    import_ttkbootstrap()
    from gui.app import main
    sys.exit(main())
