"""signal.signal, getsignal and alarm: what they return and raise; handlers still run."""
import os
import signal
import threading

from shown import show


def first(signum, frame):
    print("first got", signal.Signals(signum).name)


def second(signum, frame):
    print("second got", signal.Signals(signum).name)


show(lambda: signal.signal(signal.SIGUSR1, first))
print(signal.signal(signal.SIGUSR1, second) is first)
print(signal.getsignal(signal.SIGUSR1) is second)
print(signal.signal(signal.SIGUSR1, signal.SIG_IGN) is second)
show(lambda: signal.getsignal(signal.SIGUSR1))
show(lambda: signal.signal(signal.SIGUSR1, first))
os.kill(os.getpid(), signal.SIGUSR1)
print("after the kill")
show(lambda: signal.getsignal(signal.SIGINT))
show(lambda: signal.signal(signal.SIGKILL, first))
show(lambda: signal.signal(signal.SIGUSR1, "nope"))
show(lambda: signal.signal(9999, first))
elsewhere = threading.Thread(target=show, args=(lambda: signal.signal(signal.SIGUSR2, first),))
elsewhere.start()
elsewhere.join()
show(lambda: signal.alarm(0))
show(lambda: signal.alarm(100))
show(lambda: signal.alarm(0))
show(lambda: signal.alarm(-1))
signal.signal(signal.SIGALRM, second)
signal.alarm(1)
signal.pause()
print("after the pause")
