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
- Windows has no `fork`: there the writer is a thread of the same process,
  on the same pipe (between processes, Windows has `multiprocessing.Pipe`).
"""

import argparse
import os
import signal
import threading
import time


def between(low, high):
    """For argparse: a number from low to high, else one clear error line."""
    def number(text):
        value = type(low)(text)   # int("2.5") or float("x") fails: "invalid number value"
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return number


# What you can change (the window builds its form from these lines too).
# Try: python program.py --size 8 --framing newline
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--messages", type=between(1, 200), default=10, help="messages to write")
parser.add_argument("--size", type=between(1, 4096), default=16, help="most bytes one read gets")
parser.add_argument("--delay", type=between(0.0, 2.0), default=0.2, help="child's pause per write")
parser.add_argument("--pause", type=between(0.0, 5.0), default=1.0, help="parent's pause per read")
parser.add_argument("--framing", choices=["none", "newline"], default="none",
                    help="how the reader finds where a message ends")


def message(n, args):
    return f"Spam {n}\n".encode() if args.framing == "newline" else f"Spam {n}".encode()


def child(pipe_out, args):
    for n in range(args.messages):
        os.write(pipe_out, message(n, args))
        # flush: os._exit skips it, and a pipe or a file is not line-buffered
        print(f"child {os.getpid()} wrote {message(n, args)!r}", flush=True)
        time.sleep(args.delay)
    os.close(pipe_out)                   # the parent's read now sees the end of file


def parent(pipe_in, args):
    reads, bytes_read, messages, pending = 0, 0, [], b""
    while True:
        time.sleep(args.pause)           # a slow reader, on purpose: messages pile up
        chunk = os.read(pipe_in, args.size)   # waits for bytes; b'' at end of file
        if not chunk:
            break
        reads, bytes_read = reads + 1, bytes_read + len(chunk)
        print(f"read {reads}: {len(chunk)} bytes {chunk!r}")
        if args.framing == "newline":    # cut at each newline; keep the unfinished rest
            *found, pending = (pending + chunk).split(b"\n")
            for text in found:
                messages.append(text.decode())
                print(f"  message {len(messages)}: {text!r}")
    print("read returned b'': end of file, the child closed its end")
    return reads, bytes_read, messages


def fork_and_read(pipe_in, pipe_out, args):
    pid = os.fork()
    if pid == 0:                         # the child
        try:
            os.close(pipe_in)
            child(pipe_out, args)
        finally:
            os._exit(0)                  # never go on into the parent's code
    os.close(pipe_out)                   # else our own copy keeps the end of file away
    print(f"parent {os.getpid()} forked child {pid}; reading {args.size} bytes at most")
    try:
        found = parent(pipe_in, args)
    except KeyboardInterrupt:            # Ctrl-C: the child may still be writing; end it too
        os.kill(pid, signal.SIGTERM)
        raise
    finally:
        os.close(pipe_in)
        _, status = os.waitpid(pid, 0)   # reap the child, even after Ctrl-C: no zombie stays
    code = os.waitstatus_to_exitcode(status)   # negative: ended by that signal
    print(f"child {pid} ended with exit status {code}")
    return code, found


def main():
    args = parser.parse_args()
    pipe_in, pipe_out = os.pipe()
    if hasattr(os, "fork"):
        code, (reads, bytes_read, messages) = fork_and_read(pipe_in, pipe_out, args)
    else:                                # Windows: a thread writes, in this same process
        threading.Thread(target=child, args=(pipe_out, args), name="child", daemon=True).start()
        code, (reads, bytes_read, messages) = 0, parent(pipe_in, args)
        os.close(pipe_in)
    # All the child was told to write, if it ended well; else we cannot know
    written = sum(len(message(n, args)) for n in range(args.messages)) if code == 0 else None
    print(f"bytes written: {written}, read: {bytes_read} in {reads} reads; "
          f"{len(messages)} messages found")
    return {"bytes_written": written, "bytes_read": bytes_read, "reads": reads,
            "messages": messages, "framing": args.framing, "exit_status": code}


if __name__ == "__main__":
    main()
