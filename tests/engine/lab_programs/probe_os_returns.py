"""os.pipe, fork, read, write, waitpid and close: what they return and raise."""
import os

from shown import show

pipe_in, pipe_out = os.pipe()
print(type(pipe_in).__name__, pipe_in != pipe_out)
show(lambda: os.write(pipe_out, b"hello"))
show(lambda: os.read(pipe_in, 3))
show(lambda: os.read(pipe_in, 10))
show(lambda: os.write(pipe_out, memoryview(b"caf\xc3\xa9 \xff")))
show(lambda: os.read(pipe_in, 100))
show(lambda: os.read(-1, 1))
show(lambda: os.write(pipe_in, b"x"))         # the read end: EBADF
show(lambda: os.close(-1))
show(lambda: os.read(pipe_in))                # TypeError, in the real one's words
pid = os.fork()
if pid == 0:
    os.close(pipe_in)
    os.write(pipe_out, b"from the child")
    os._exit(5)
os.close(pipe_out)
received = b""
while chunk := os.read(pipe_in, 4):
    received += chunk
print(received)
found, status = os.waitpid(pid, 0)
print(found == pid, status, os.waitstatus_to_exitcode(status))
show(lambda: os.waitpid(pid, 0))              # already reaped: ChildProcessError
show(lambda: os.waitpid(-1, os.WNOHANG))
show(lambda: os.close(pipe_in))
