"""Two threads write one line each in pieces, and take turns in the middle of a line."""
import sys
import threading

a_wrote_half = threading.Event()
b_wrote_line = threading.Event()


def a():
    sys.stdout.write("AAA")
    a_wrote_half.set()
    b_wrote_line.wait()
    sys.stdout.write("aaa\n")


def b():
    a_wrote_half.wait()
    sys.stdout.write("BBB\n")
    b_wrote_line.set()


threads = [threading.Thread(target=a, name="A"), threading.Thread(target=b, name="B")]
for t in threads:
    t.start()
for t in threads:
    t.join()
