"""An alarm in one second; the handler says so."""
import signal


def on_alarm(signum, frame):
    print("the alarm rang")


signal.signal(signal.SIGALRM, on_alarm)
signal.alarm(1)
signal.pause()
print("done waiting")
