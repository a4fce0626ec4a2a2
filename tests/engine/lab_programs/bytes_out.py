"""Writes bytes to stdout's buffer, yields with sleep(0), prints."""
import sys
import time

sys.stdout.buffer.write(b"raw bytes\n")
time.sleep(0)
print("after")
