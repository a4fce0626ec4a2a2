"""Sleeps a long time, then says so."""
from time import sleep

sleep(1000)
print("woke up")
