"""Two threads each print three lines; then the main thread forks a child that prints too."""
import os
import threading


def say(name):
    for n in range(3):
        print(f"{name} line {n}")


def child():
    for n in range(3):
        print(f"child line {n}")


def main():
    threads = [threading.Thread(target=say, args=(f"t{i}",), name=f"t{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pid = os.fork()
    if pid == 0:
        child()
        os._exit(0)
    os.waitpid(pid, 0)
    print("all done")


if __name__ == "__main__":
    main()
