"""The child writes messages into a pipe; the parent reads small chunks until the end."""
import os

pipe_in, pipe_out = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(pipe_in)
    for n in range(5):
        os.write(pipe_out, f"message {n}\n".encode())
    os.close(pipe_out)
    os._exit(3)
os.close(pipe_out)
received = b""
while True:
    chunk = os.read(pipe_in, 7)
    if not chunk:
        break
    received += chunk
os.close(pipe_in)
_, status = os.waitpid(pid, 0)
print(f"read {len(received)} bytes; child ended with {os.waitstatus_to_exitcode(status)}")
