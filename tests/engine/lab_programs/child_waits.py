"""The parent forks a child that waits forever on a pipe; the parent waits for it."""
import os

read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    print("child waiting")
    os.read(read_end, 1)
    os._exit(0)
print(f"parent forked {pid}")
os.waitpid(pid, 0)
print("parent saw the child end")
