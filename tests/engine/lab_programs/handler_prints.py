"""A handler that prints, while the main thread prints too."""
import signal


def on_alarm(signum, frame):
    print("tick")


signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)
for n in range(20000):
    print("main line", n)
signal.setitimer(signal.ITIMER_REAL, 0)
print("done")
