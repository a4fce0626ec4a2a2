import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first, before anything parses arguments
    from gui.app import main
    sys.exit(main())
