"""sys.exit with a message: the interpreter prints it from C, with no Python frame."""
import sys

sys.exit("bye: one clear line")
