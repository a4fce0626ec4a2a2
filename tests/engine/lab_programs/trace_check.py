"""Each line says whether a trace function is installed in its thread."""
import sys
import threading


def report(who, count):
    for n in range(count):
        print(f"{who} {n} traced={sys.gettrace() is not None}")


def main():
    helper = threading.Thread(target=report, args=("helper", 3), name="helper")
    helper.start()
    helper.join()
    report("main", 40)


if __name__ == "__main__":
    main()
