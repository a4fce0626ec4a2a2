"""Lists one folder 3,000 times, as fast as it can: a walk of a big tree, for the probe."""
import os

for _ in range(3000):
    with os.scandir(os.path.dirname(os.path.abspath(__file__))) as entries:
        for entry in entries:
            pass
print("listed 3000 times")
