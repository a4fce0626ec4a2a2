"""Two threads cut into each other's lines, then one writes a whole line: 2 garbled lines."""
import sys
import threading

a_wrote_half = threading.Event()
b_wrote_line = threading.Event()


def a():
    sys.stdout.write("AAA")
    sys.stdout.flush()            # sent to the terminal, and still half a line
    a_wrote_half.set()
    b_wrote_line.wait()
    sys.stdout.write("aaa\n")     # the screen's line is "aaa": not A's line "AAAaaa"
    print("A whole")              # nobody cuts in: a whole line


def b():
    a_wrote_half.wait()
    sys.stdout.write("BBB\n")     # the screen's line is "AAABBB": not B's line "BBB"
    b_wrote_line.set()


def main():
    threads = [threading.Thread(target=a, name="A"), threading.Thread(target=b, name="B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"done": True}


if __name__ == "__main__":
    main()
