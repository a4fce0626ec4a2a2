"""Counts until Ctrl-C, then prints how far it got."""
import time

count = 0
try:
    while True:
        count += 1
        if count == 1:
            print("counting")
        time.sleep(0.01)
except KeyboardInterrupt:
    print(f"partial result: counted {count}")
