"""Pipes and fork

A **pipe** is a one-way stream of bytes between processes. `os.pipe()` gives
two file descriptors: one end to read from, one to write to. `os.fork()` then
copies the running process. The copy, the **child**, sees `fork()` return 0;
the original, the **parent**, gets the child's PID. Both now hold both ends,
so each closes the end it does not use.

## What runs

The program makes a pipe and forks. The child writes `Spam 0`, `Spam 1`...
with `os.write`, one message at a time, a short pause between them. The
parent is a slow reader: it pauses, then calls `os.read(pipe_in, size)`, and
prints every chunk exactly as it came.

## What to watch

- A read waits until there are bytes in the pipe, then returns what is there
  *now*, up to `size` bytes. Several messages that piled up come out as one
  chunk: they **merge**. If more than `size` bytes wait, a message is cut in
  two: it is **split** across reads.
- The pipe keeps every byte, in order, but not where one message ends.
- When the last write end is closed, `os.read` returns `b''`: end of file.
  That is why the parent closes its own copy of the write end at once.

## Framing: saying where a message ends

Choose the framing `newline` and run again: each message ends with `\\n`.
The reader cuts at each newline and keeps a partial message until the rest
comes, so it gets back exactly the messages that were written. (Another way:
send each message's length first. The sockets lesson does that.)

## Things to know

- `fork()` copies only the thread that calls it, so fork before starting any
  thread.
- The child leaves with `os._exit()`. A normal exit would go on into the
  parent's code and run the parent's clean-up a second time, in the copy.
- The parent **reaps** the child with `os.waitpid`; until then the ended child
  stays a *zombie*. Its exit status is the one number a child can always hand
  back (here 0: all went well). It reaps it even when Ctrl-C interrupts the
  reading: it ends the child first (`SIGTERM`), since the child may still be
  writing, then waits for it.
- A write of at most `select.PIPE_BUF` bytes (4096 on Linux) goes into the
  pipe whole, never mixed with another writer's bytes.
- Windows has no `fork`, and the program says so and ends. There,
  `multiprocessing.Pipe` connects processes, and it carries whole messages,
  so it frames them for you.
"""

import argparse
import os
import signal
import sys
import time

# What you can change: name: (default, lowest, highest, what it does).
# Try: python program.py --size 8 --framing newline
SETTINGS = {
    "messages": (10, 1, 200, "how many messages the child writes"),
    "size": (16, 1, 4096, "the most bytes one os.read may return"),
    "delay": (0.2, 0.0, 2.0, "seconds the child waits after each write"),
    "pause": (1.0, 0.0, 5.0, "seconds the parent waits before each read (a slow reader)"),
    "framing": ("none", ["none", "newline"], None, "how the reader finds where a message ends"),
}


def read_settings():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, (default, low, high, text) in SETTINGS.items():
        if isinstance(default, bool):
            parser.add_argument("--" + name, action=argparse.BooleanOptionalAction,
                                default=default, help=text)
        else:
            parser.add_argument("--" + name, type=type(default), default=default,
                                help=text, choices=low if isinstance(low, list) else None)
    return parser.parse_args()


def message(n, framing):
    return f"Spam {n}\n".encode() if framing == "newline" else f"Spam {n}".encode()


def child(pipe_out, settings):
    for n in range(settings.messages):
        data = message(n, settings.framing)
        os.write(pipe_out, data)
        # flush: os._exit skips it, and a pipe or a file is not line-buffered
        print(f"child {os.getpid()} wrote {data!r}", flush=True)
        time.sleep(settings.delay)
    os.close(pipe_out)                   # the parent's read now sees the end of file


def parent(pipe_in, settings):
    reads, bytes_read, messages, pending = 0, 0, [], b""
    while True:
        time.sleep(settings.pause)       # a slow reader, on purpose: messages pile up
        chunk = os.read(pipe_in, settings.size)   # waits for bytes; b'' at end of file
        if not chunk:
            break
        reads, bytes_read = reads + 1, bytes_read + len(chunk)
        print(f"read {reads}: {len(chunk)} bytes {chunk!r}")
        if settings.framing == "newline":   # cut at each newline; keep the unfinished rest
            *found, pending = (pending + chunk).split(b"\n")
            for text in found:
                messages.append(text.decode())
                print(f"  message {len(messages)}: {text!r}")
    print("read returned b'': end of file, the child closed its end")
    return reads, bytes_read, messages


def main():
    settings = read_settings()
    if not hasattr(os, "fork"):
        sys.exit(f"{sys.platform} has no os.fork(): multiprocessing.Pipe is the way there")
    pipe_in, pipe_out = os.pipe()
    pid = os.fork()
    if pid == 0:                         # the child
        try:
            os.close(pipe_in)
            child(pipe_out, settings)
        finally:
            os._exit(0)                  # never go on into the parent's code
    try:
        os.close(pipe_out)               # else our own copy keeps the end of file away
        print(f"parent {os.getpid()} forked child {pid}; reading {settings.size} bytes at most")
        reads, bytes_read, messages = parent(pipe_in, settings)
    except KeyboardInterrupt:            # Ctrl-C: the child may still be writing; end it too
        os.kill(pid, signal.SIGTERM)
        raise
    finally:
        os.close(pipe_in)
        _, status = os.waitpid(pid, 0)   # reap the child, even after Ctrl-C: no zombie stays
    code = os.waitstatus_to_exitcode(status)   # negative: ended by that signal
    print(f"child {pid} ended with exit status {code}")
    # All the child was told to write, if it ended well; else we cannot know
    written = sum(len(message(n, settings.framing)) for n in range(settings.messages))
    written = written if code == 0 else None
    print(f"bytes written: {written}, read: {bytes_read} in {reads} reads; "
          f"{len(messages)} messages found")
    return {"bytes_written": written, "bytes_read": bytes_read, "reads": reads,
            "messages": messages, "framing": settings.framing, "exit_status": code}


if __name__ == "__main__":
    main()
