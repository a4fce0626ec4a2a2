"""Pipes and fork

A **pipe** is a one-way stream of bytes between processes. `os.pipe()` gives
two file descriptors: one end to read from, one to write to. `os.fork()` then
copies the running process. The copy, the **child**, sees `fork()` return 0;
the original, the **parent**, gets the child's PID. Both now hold both ends,
so each closes the end it does not use.

## What runs

The program makes a pipe and forks. The child writes `Spam 0`, `Spam 1`...
with `os.write`, one message at a time, a short pause between them. The
parent is a slow reader: it calls `os.read(pipe_in, size)`, prints the chunk
exactly as it came, then pauses before the next read.

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
  back (here 0: all went well).
- Ctrl-C in a terminal reaches the parent and the child alike (every process
  of the foreground job): both leave at once. A child whose parent has gone
  is adopted by init, which reaps it.
- A write of at most `select.PIPE_BUF` bytes (4096 on Linux) goes into the
  pipe whole, never mixed with another writer's bytes.
- Windows has no `fork`: there the writer is a thread of the same process,
  on the same pipe (between processes, Windows has `multiprocessing.Pipe`).
"""

import argparse
import os
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


def child(pipe_out, messages, args):
    for message in messages:
        os.write(pipe_out, message)
        # flush: os._exit skips it, and a pipe or a file is not line-buffered
        print(f"child {os.getpid()} wrote {message!r}", flush=True)
        time.sleep(args.delay)
    os.close(pipe_out)                   # the parent's read now sees the end of file


def parent(pipe_in, args):
    chunks, found, pending = [], [], b""
    while chunk := os.read(pipe_in, args.size):   # waits for bytes; b'' at end of file
        chunks.append(chunk)
        print(f"read {len(chunks)}: {len(chunk)} bytes {chunk!r}")
        if args.framing == "newline":    # cut at each newline; keep the unfinished rest
            *whole, pending = (pending + chunk).split(b"\n")
            found += [text.decode() for text in whole]
            print(f"  messages: {whole}, kept for the next read: {pending!r}")
        time.sleep(args.pause)           # a slow reader, on purpose: messages pile up
    print("read returned b'': end of file, the child closed its end")
    return chunks, found


def fork_and_read(pipe_in, pipe_out, messages, args):
    pid = os.fork()
    if pid == 0:                         # the child
        try:
            os.close(pipe_in)
            child(pipe_out, messages, args)
        finally:
            os._exit(0)                  # never go on into the parent's code
    os.close(pipe_out)                   # else our own copy keeps the end of file away
    print(f"parent {os.getpid()} forked child {pid}; reading {args.size} bytes at most")
    chunks, found = parent(pipe_in, args)
    _, status = os.waitpid(pid, 0)       # reap the child: until then it stays a zombie
    code = os.waitstatus_to_exitcode(status)   # negative: ended by that signal
    print(f"child {pid} ended with exit status {code}")
    return code, chunks, found


def main():
    args = parser.parse_args()
    end = "\n" if args.framing == "newline" else ""
    messages = [f"Spam {n}{end}".encode() for n in range(args.messages)]
    pipe_in, pipe_out = os.pipe()
    if hasattr(os, "fork"):
        code, chunks, found = fork_and_read(pipe_in, pipe_out, messages, args)
    else:                                # Windows: a thread writes, in this same process
        threading.Thread(target=child, args=(pipe_out, messages, args), name="child",
                         daemon=True).start()   # daemon: Ctrl-C ends it with the program
        code, (chunks, found) = 0, parent(pipe_in, args)
    written = len(b"".join(messages)) if code == 0 else None   # else we cannot know
    read = len(b"".join(chunks))
    print(f"bytes written: {written}, read: {read} in {len(chunks)} reads; {len(found)} messages")
    return {"bytes_written": written, "bytes_read": read, "reads": len(chunks),
            "messages": found, "framing": args.framing, "exit_status": code}


if __name__ == "__main__":
    main()
