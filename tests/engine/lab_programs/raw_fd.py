"""Writes to fd 1 itself, past sys.stdout, as a program in C would; then prints."""
import os

os.write(1, b"straight to fd 1\n")
print("through print")
