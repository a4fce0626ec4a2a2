"""The parent forks; child and parent both print; the parent waits for the child."""
import os

pid = os.fork()
if pid == 0:
    print("hello from the child")
    os._exit(7)
print(f"parent forked child {pid}")
_, status = os.waitpid(pid, 0)
print(f"child ended with {os.waitstatus_to_exitcode(status)}")
