"""Start PySysLab: ``python -m gui``, and the entry script of the executable (build.spec).

    python -m gui [--lesson ID]    # the window
    python -m gui --self-test      # checks without a window; exit status 0 if all pass
"""

import multiprocessing
import sys

if __name__ == "__main__":
    # First, before anything parses arguments: in the executable, a spawned
    # child is this same program started with --multiprocessing-fork, and this
    # call turns it into the child. Without it the app would start itself again.
    multiprocessing.freeze_support()
    from gui.app import main
    sys.exit(main())
