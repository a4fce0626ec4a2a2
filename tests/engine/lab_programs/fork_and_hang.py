"""Forks a child; both wait for ever (the child ignores Ctrl-C)."""
import os
import signal
import time

pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("child waiting")
    while True:
        time.sleep(3600)
print(f"parent of {pid} waiting")
time.sleep(3600)
