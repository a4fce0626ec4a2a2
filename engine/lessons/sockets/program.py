"""Sockets: a TCP server and its clients

A **socket** is one end of a conversation between two programs, on the same
machine or across a network. Here a server thread and a few client threads
talk over *loopback* (`127.0.0.1`), the network that never leaves your
computer.

## What happens

- The server **binds** an address (a host and a port) and **listens**. Port 0
  asks the operating system for any free port; the program prints the one it
  got.
- Each client **connects**. The server's `accept()` hands back a **new**
  socket for that one client, while the listening socket goes on waiting for
  the next.
- The client sends a message, the server sends the same bytes back (an
  *echo*), and both sides close. The server serves one client after the
  other; up to 5 more wait in the queue `listen(5)` asks for. After the last
  client the server stops, and the program ends (Ctrl+C ends it earlier).

## One recv() is not one message

TCP carries a *stream* of bytes, not separate messages. `recv(n)` returns
whatever has arrived so far, up to n bytes: maybe half a message, maybe the
end of one and the start of the next. The classic example reads once with
`recv(1024)` and hopes the whole message came. With a short name on an idle
machine it usually did, so the bug hid.

The reader needs a rule that says where a message ends. That rule is
**framing**:

- **length**: send the size first (4 bytes), then the bytes. The reader
  reads exactly that many. Works for any content.
- **newline** (the pipes lesson uses it): end each message with a newline
  byte; the reader collects bytes until it sees one. Simple, but the message
  must not contain a newline.
- **none**: the classic: one `recv(1024)` and hope. Try it with `--size
  100000` and watch the replies come back short, or the connection reset.

With `--size 1000000` and the length framing, the server needs many `recv()`
calls for one message.

## When things go wrong

- **A busy port.** Give a port another program already uses (`--port N`) and
  `bind` fails with "Address already in use": the program says so and ends.
  Port 0 never has this problem.
- **A port just used.** Closed connections linger for a minute (TIME_WAIT),
  and a server restarted on the same port would fail to bind. `SO_REUSEADDR`
  allows it, and still refuses a port someone listens on. (On Windows that
  option means something else: it would let two servers share a port.)
- **The server goes away.** A client whose server hangs up early gets
  *connection reset* or an empty `recv()`: `b''` means the other side closed.

## Only on this machine

`127.0.0.1` accepts connections from this computer only. The classic binds
`''` (the same as `0.0.0.0`), which means *every network interface*: other
machines on your network could connect to the server. Choose that only on
purpose.
"""

import argparse
import socket
import struct
import sys
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
# Try: python program.py --framing none --size 100000
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--clients", type=between(1, 50), default=5, help="client threads")
parser.add_argument("--size", type=between(1, 1_048_576), default=100, help="bytes per message")
parser.add_argument("--framing", choices=["length", "none"], default="length",
                    help="length: send the size first; none: one recv(1024), as the classic does")
parser.add_argument("--port", type=between(0, 65535), default=0, help="0: any free port")
parser.add_argument("--delay", type=between(0.0, 5.0), default=0.2, help="seconds between clients")


def send_message(sock, message, framing):
    if framing == "length":
        message = struct.pack("!I", len(message)) + message   # 4 bytes of size, then the bytes
    sock.sendall(message)      # send() may take only a part; sendall() sends it all


def read_message(sock, framing):
    if framing == "none":
        return sock.recv(1024)     # the classic: one recv, and hope it holds the whole message
    size = struct.unpack("!I", read_exactly(sock, 4))[0]
    return read_exactly(sock, size)


def read_exactly(sock, size):
    data = b""
    while len(data) < size:
        piece = sock.recv(min(size - len(data), 65536))   # never past this message
        if not piece:          # b'': the other side has closed
            raise ConnectionError("the other side closed in the middle of a message")
        data += piece
    return data


def serve(listener, args):
    for _ in range(args.clients):        # one client after the other, then stop
        conn, (host, port) = listener.accept()    # a NEW socket, for this client only
        try:
            message = read_message(conn, args.framing)
            send_message(conn, message, args.framing)   # the echo
            print(f"server: sent {len(message)} bytes back to {host}:{port}")
        except OSError as error:         # reset, closed early...
            print(f"server: lost {host}:{port}: {error}")
        conn.close()
    listener.close()


def client(n, port, args, replies):
    message = (f"client-{n}: hello" + " spam" * args.size).encode()[:args.size]
    reply = b""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        time.sleep(args.delay * n)       # the clients come one after the other
        sock.connect(("127.0.0.1", port))
        send_message(sock, message, args.framing)
        reply = read_message(sock, args.framing)
    except OSError as error:             # refused, reset, closed early...
        print(f"client-{n}: {error}")
    sock.close()
    print(f"client-{n}: got {len(reply)} of {len(message)} bytes back"
          + ("" if reply == message else ": one recv() is not one message!"))
    replies.append(reply == message)


def main():
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sys.platform != "win32":   # else a rerun on the same port fails for a minute or so
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", args.port))   # loopback: this machine only
    except OSError as error:
        sys.exit(f"error: cannot listen on port {args.port}: {error.strerror} "
                 "(--port 0 lets the OS pick a free one)")
    listener.listen(5)         # up to 5 connections may wait to be accepted
    host, port = listener.getsockname()
    print(f"server listening on {host}:{port}")
    replies = []               # one True or False per client: did its message come back?
    # daemon: Ctrl+C ends the program even while a thread still waits in accept()
    threads = [threading.Thread(target=serve, args=(listener, args), name="server", daemon=True)]
    threads += [threading.Thread(target=client, args=(n, port, args, replies),
                                 name=f"client-{n}", daemon=True)
                for n in range(1, args.clients + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{sum(replies)} of {args.clients} replies equal their requests")
    return {"clients": args.clients, "replies_ok": sum(replies), "address": [host, port]}


if __name__ == "__main__":
    main()
