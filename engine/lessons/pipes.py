"""Pipes and fork

A **pipe** is a one-way stream of bytes between processes. `os.pipe()` gives
two file descriptors: one end to read from, one to write to. `os.fork()` then
copies the running process. The copy, the **child**, sees `fork()` return 0;
the original, the **parent**, gets the child's PID. Both now hold both ends,
so each closes the end it does not use.

## What runs

A helper process makes a pipe and forks. (The helper is started with spawn:
this window itself never forks.) The child writes `Spam 0`, `Spam 1`... one
message at a time. The parent is a slow reader: it pauses, then calls
`os.read(pipe_in, R)`, and shows every chunk exactly as it came.

## What to watch

- A read returns what is in the pipe *now*, up to R bytes. Several messages
  that piled up come out as one chunk: they **merge**. If more than R bytes
  wait, a message is cut in two: it is **split** across reads.
- The pipe keeps every byte, in order, but not where one message ends.
- When the last write end is closed, `os.read` returns `b''`: end of file.

## Framing: saying where a message ends

Choose a **framing** and run again:
- `newline`: each message ends with `\\n`. The reader cuts at each newline and
  keeps a partial message until the rest comes.
- `length`: each message starts with its length in 4 bytes. The reader waits
  until it has that many bytes.

Either way, the reader gets back exactly the messages that were written.

## Things to know

- `fork()` copies only the thread that calls it, so the helper forks before it
  starts any thread.
- The child leaves with `os._exit()`. A normal exit would run the parent's
  clean-up code a second time, in the copy.
- The parent **reaps** the child with `os.waitpid`; until then the ended child
  stays a *zombie*. Its exit status is the one number a child can always hand
  back: here, how many messages it wrote.
- Windows has no `fork`. There (or with **Start** set to `spawn`) the writer is
  a spawned process that sends over a `multiprocessing.Pipe`. That pipe carries
  whole messages, so nothing merges or splits: it frames them for you.
"""

import os
import signal
import struct
import sys
from dataclasses import dataclass

from engine.params import param

# wait_readable and reap wait a little at a time and check Stop in between:
# see engine/pipewait.py.
from engine.pipewait import reap, wait_readable
from engine.procs import ProcessGroup


@dataclass
class Params:
    messages: int = param(10, low=1, high=200, help="how many messages the child writes")
    read_size: int = param(32, low=1, high=4096,
                           help="the most bytes one os.read may return (R)")
    write_every: float = param(0.2, low=0.0, high=2.0,
                               help="the child writes one message every this many seconds")
    read_every: float = param(1.3, low=0.0, high=5.0,
                              help="the parent pauses this long before each read; a slow "
                                   "reader lets messages pile up in the pipe")
    framing: str = param("none", choices=("none", "newline", "length"),
                         help="how the reader finds where a message ends")
    start: str = param("fork", choices=("fork", "spawn"),
                       help="fork: os.pipe and os.fork; spawn: multiprocessing.Pipe "
                            "(what platforms without fork get)")


SELFTEST_PARAMS = {"messages": 4, "write_every": 0.05, "read_every": 0.1}


def run(params, emit, stop):
    start = params.start
    if start == "fork" and not hasattr(os, "fork"):
        emit(f"{sys.platform} has no os.fork(): the writer is spawned instead and sends "
             "over a multiprocessing.Pipe", kind="state")
        start = "spawn"
    with ProcessGroup(emit, stop) as group:
        if start == "fork":
            parent = group.start(fork_and_read, params, name="parent")
            group.wait([parent])
        else:
            spawn_and_read(group, params, emit, stop)


def message(n, framing):
    """Message ``n`` as the bytes the writer sends."""
    text = f"Spam {n}".encode()
    if framing == "newline":
        return text + b"\n"
    if framing == "length":
        return struct.pack("!I", len(text)) + text   # 4-byte length, then the text
    return text


# -- with fork (POSIX) -----------------------------------------------------------------
def fork_and_read(emit, stop, params):
    """The helper process: make a pipe, fork, then read what the child writes."""
    pipe_in, pipe_out = os.pipe()
    pid = os.fork()                    # nothing of ours runs in a thread yet
    if pid == 0:
        write_and_exit(pipe_in, pipe_out, params, stop)    # the child; never returns
    os.close(pipe_out)                 # else our own copy would keep end-of-file away
    emit(f"forked child pid {pid}; reading at most {params.read_size} bytes at a time",
         kind="state", data={"child_pid": pid})
    reader = Reader(params, emit)
    try:
        while not stop.sleep(params.read_every):   # a slow reader, on purpose
            if not wait_readable(pipe_in, stop):
                break                  # Stop
            if not reader.take(os.read(pipe_in, params.read_size)):
                break                  # b'': end of file
    finally:
        os.close(pipe_in)              # a child still writing now gets a broken pipe
        status = reap(pid, patience=0.2)    # os.waitpid, so no zombie stays
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        emit(f"reaped child pid {pid}: exit status {code}, so it wrote {code} messages",
             data={"child_pid": pid, "exit_status": code})
        written = sum(len(message(n, params.framing)) for n in range(code))
    else:
        emit(f"reaped child pid {pid}: ended by {signal.Signals(-code).name}",
             data={"child_pid": pid, "exit_status": code})
        written = None                 # it could not tell us
    reader.report(written, stop)


def write_and_exit(pipe_in, pipe_out, params, stop):
    """The forked child: write the messages, then leave through os._exit.

    Whatever happens, the child must never go on into the parent's code or
    run the parent's clean-up, so it never returns from here."""
    written = 0
    try:
        os.close(pipe_in)
        for n in range(params.messages):
            if stop.sleep(params.write_every):
                break
            write_all(pipe_out, message(n, params.framing))
            written += 1
    finally:
        os._exit(written)              # the exit status tells the parent how many


def write_all(fd, data):
    """os.write may write less than it was given; write the rest too."""
    while data:
        data = data[os.write(fd, data):]


# -- with spawn (everywhere) -----------------------------------------------------------
def spawn_and_read(group, params, emit, stop):
    pipe_in, pipe_out = group.ctx.Pipe(duplex=False)
    written = group.ctx.Value("i", 0, lock=False)  # memory both processes can see
    group.start(send_messages, pipe_out, written, params, name="writer")
    pipe_out.close()                   # the writer has its own copy now
    emit("multiprocessing.Pipe hands over whole messages: the read size does not apply")
    reader = Reader(params, emit, whole_messages=True)
    try:
        receive_all(pipe_in, reader, params, stop)
    finally:
        pipe_in.close()
    group.wait()
    reader.report(written.value, stop)


def receive_all(pipe_in, reader, params, stop):
    """Pause, then take every message that piled up; until end of file or Stop."""
    while not stop.sleep(params.read_every):
        if not wait_readable(pipe_in, stop):
            return                         # Stop
        while pipe_in.poll():              # each recv_bytes: one whole message
            try:
                chunk = pipe_in.recv_bytes()
            except EOFError:               # the writer ended and its end is closed
                chunk = b""
            if not reader.take(chunk):
                return


def send_messages(emit, stop, pipe_out, written, params):
    """The spawned writer: one send_bytes per message."""
    for n in range(params.messages):
        if stop.sleep(params.write_every):
            break
        data = message(n, params.framing)
        pipe_out.send_bytes(data)
        written.value += len(data)
        emit(f"sent {data!r}")
    pipe_out.close()


# -- reading, and taking messages apart -----------------------------------------------------
class Reader:
    """Shows each chunk as read and, with a framing, the messages inside."""

    def __init__(self, params, emit, whole_messages=False):
        self.framing = params.framing
        self.whole_messages = whole_messages   # one read, one message (mp.Pipe)
        self.emit = emit
        self.reads = 0
        self.data = b""                # every byte read, in order
        self.pending = b""             # the start of a message whose end has not come
        self.messages = []

    def take(self, chunk):
        """Handle one read. Returns False at end of file."""
        if not chunk:
            self.emit("read returned b'': end of file, the writer has closed its end")
            return False
        self.reads += 1
        self.data += chunk
        self.emit(f"read {self.reads}: {len(chunk)} bytes {chunk!r}",
                  data={"chunk": chunk, "size": len(chunk), "read": self.reads})
        if self.framing == "none" and self.whole_messages:
            self.messages.append(chunk)
        elif self.framing != "none":
            self.pending, complete = unframe(self.pending + chunk, self.framing)
            for text in complete:
                self.messages.append(text)
                self.emit(f"message {len(self.messages)}: {text!r}", data={"message": text})
        return True

    def report(self, bytes_written, stop):
        note = ""
        if self.framing == "none" and not self.whole_messages:
            note = " (with no framing, the reader cannot tell where each message ends)"
        self.emit(f"{bytes_written} bytes written, {len(self.data)} read in {self.reads} "
                  f"reads; {len(self.messages)} messages found{note}", kind="result",
                  data={"bytes_written": bytes_written, "bytes_read": len(self.data),
                        "reads": self.reads, "data": self.data, "messages": self.messages,
                        "framing": self.framing, "stopped": stop.is_set()})


def unframe(buffer, framing):
    """Cut the complete messages off the front of ``buffer``.

    Returns what is left (a message still incomplete) and the messages."""
    messages = []
    if framing == "newline":
        *messages, buffer = buffer.split(b"\n")
    elif framing == "length":
        while len(buffer) >= 4:
            (size,) = struct.unpack("!I", buffer[:4])
            if len(buffer) < 4 + size:
                break                  # the rest of this message has not come yet
            messages.append(buffer[4:4 + size])
            buffer = buffer[4 + size:]
    return buffer, messages
