"""Ends with the status it is given, leaving what a program often leaves at exit:
a file it never closed, an object whose __del__ prints, a line with no newline."""
import sys


class SaysGoodbye:
    def __del__(self):
        print("goodbye from __del__")


log = open(sys.argv[1], "w")    # never closed: Python flushes and closes it at exit
log.write("written, never closed\n")
farewell = SaysGoodbye()
sys.stdout.write("no newline at the end ")
sys.exit(int(sys.argv[2]))
