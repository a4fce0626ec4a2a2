"""Shrugs off Ctrl-C and keeps sleeping: only a kill ends it."""
import time

print("sleeping")
while True:
    try:
        time.sleep(3600)
    except KeyboardInterrupt:
        print("ignoring Ctrl-C")
