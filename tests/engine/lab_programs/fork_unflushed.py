"""Output still in the buffer at fork time is printed twice: once by each process."""
import os

print("written before the fork, ", end="")
pid = os.fork()
if pid == 0:
    print("by the child")
    os._exit(0)
os.waitpid(pid, 0)
print("by the parent")
