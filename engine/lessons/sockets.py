"""Sockets: a TCP server and its clients

A **socket** is one end of a conversation between two programs, on the same
machine or across a network. Here a server thread and a few client threads
talk over *loopback* (`127.0.0.1`), the network that never leaves your
computer.

## What happens

- The server **binds** an address (a host and a port) and **listens**. Port 0
  asks the operating system for any free port; the lesson shows the one it got.
- Each client **connects**. The server's `accept()` hands back a **new**
  socket for that one client, while the listening socket goes on waiting for
  the next.
- The client sends a message, the server sends the same bytes back (an
  *echo*), and both sides close.
- The diagram draws every connect, accept, send, recv and close as an arrow.
  Hover an arrow to see the bytes.

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
- **newline**: end each message with a newline byte. The reader collects
  bytes until it sees one. Simple, but the message must not contain a newline.
- **none**: the classic: one `recv(1024)` and hope. Try it with a **Message
  size** of 100000 and watch the replies come back short, or the connection
  reset.

Set the message size to 1000000 with framing on: the diagram shows the
server needing many `recv()` calls for one message.

## When things go wrong

- **A busy port.** Type a port another program already uses and the run
  fails with "port N is already in use". Port 0 never has this problem.
- **No server.** Untick **Server**: the port is taken but nobody listens,
  so every client gets *connection refused*.
- **A slow server.** Set **Server delay** above the client **Timeout**: the
  clients give up waiting and say so.
- **The server goes away.** Press Stop while clients wait for replies (a
  long server delay helps): the server hangs up first, and each client
  reports the connection closed or reset.

## Only on this machine

`127.0.0.1` accepts connections from this computer only. `0.0.0.0` means
*every network interface*: other machines on your network can connect to
the server. The lesson listens there only when you choose it, and warns you.
"""

import socket
import struct
import threading
from dataclasses import dataclass

# netwait.connect, .send_all and .recv_some are socket calls that wait a TICK
# at a time, checking Stop and the Timeout in between: see engine/netwait.py.
from engine import netwait
from engine.netwait import TICK, Deadline, Stopped, arrow, explain
from engine.params import param

STEP = 0.2            # a pause between a client's steps, so you can follow them
RECV_SIZE = 65536     # what a framed reader asks of each recv()
CLASSIC_RECV = 1024   # what the classic example asks, once
PIECES_SHOWN = 5      # recv() calls reported one by one per message; the rest summed


@dataclass
class Params:
    clients: int = param(5, low=1, high=50, help="how many client threads connect")
    size: int = param(100, low=1, high=1_048_576, label="Message size",
                      help="bytes in each client's message (up to 1 MB)")
    framing: str = param("length", choices=("length", "newline", "none"),
                         help="how a reader finds the end of a message; "
                              "none = one recv(1024), as in the classic example")
    mode: str = param("thread-per-client", choices=("thread-per-client", "one-at-a-time"),
                      label="Server mode",
                      help="serve every client at once, or one after the other")
    server: bool = param(True, help="start the server (without it, clients get connection refused)")
    host: str = param("127.0.0.1", choices=("127.0.0.1", "0.0.0.0"),
                      help="where the server listens; 0.0.0.0 lets other machines connect")
    port: int = param(0, low=0, high=65535, kind="port",
                      help="the server's port; 0 lets the OS pick a free one")
    server_delay: float = param(0.0, low=0.0, high=30.0,
                                help="seconds the server waits before each reply")
    timeout: float = param(3.0, low=0.1, high=60.0,
                           help="seconds a client waits at each step before it gives up "
                                "(scaled by the speed, like every delay here)")


def run(params, emit, stop):
    clients_know = {}               # a client's port -> its name (see client())
    hang_up = threading.Event()     # tells clients to stop waiting (after Stop)
    finished = threading.Event()    # tells the server that no one else is coming

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        # listener.bind((host, port)), and a clear message if the port is busy
        netwait.bind(listener, params.host, params.port)
        host, port = listener.getsockname()
        emit(f"server socket bound to {host}:{port}", kind="state",
             data={"address": [host, port], "listening": params.server})
        if host == "0.0.0.0":
            emit(f"Warning: listening on 0.0.0.0 (every network interface): other "
                 f"machines on your network can connect to port {port}.",
                 data={"warning": "exposed", "port": port})
        server = None
        if params.server:
            listener.listen(5)      # up to 5 connections may wait to be accepted
            server = threading.Thread(target=serve, name="server", args=(
                listener, params, emit, stop, finished, clients_know))
            server.start()
        else:
            emit("no server: the port is bound but nobody listens on it")

        reports = []                # each client's own account of how it went
        clients = [threading.Thread(target=client, name=f"client-{i}", args=(
            i, port, params, emit, stop, hang_up, clients_know, reports))
            for i in range(1, params.clients + 1)]
        for c in clients:
            c.start()
        netwait.join_clients(clients, server, stop, hang_up)   # on Stop: server hangs up first
        finished.set()
        if server:
            server.join()

    ok = sum(1 for r in reports if r["ok"])
    emit(f"{ok} of {params.clients} replies equal their requests", kind="result",
         data={"clients": params.clients, "replies_ok": ok, "address": [host, port],
               "framing": params.framing, "mode": params.mode,
               "replies": sorted(reports, key=lambda r: r["number"])})


# -- the server ----------------------------------------------------------------

def serve(listener, params, emit, stop, finished, clients_know):
    """Accept connections until every client is done, or Stop."""
    listener.settimeout(TICK)
    handlers = []
    while not (stop.is_set() or finished.is_set()):
        try:
            conn, peer = listener.accept()      # a NEW socket, for this client only
        except TimeoutError:
            continue
        who = clients_know.get(peer[1], f"{peer[0]}:{peer[1]}")
        emit(f"accepted {who} from {peer[0]}:{peer[1]}",
             data=arrow("accept", "server", who))
        if params.mode == "one-at-a-time":
            handle(conn, who, params, emit, stop)   # the next client waits meanwhile
        else:
            worker = threading.Thread(target=handle, name=f"server-{len(handlers) + 1}",
                                      args=(conn, who, params, emit, stop))
            worker.start()
            handlers.append(worker)
    listener.close()        # clients still waiting in the backlog are reset
    for worker in handlers:
        worker.join()


def handle(conn, who, params, emit, stop):
    """Read one whole message from a client and send it back."""
    with conn:
        conn.settimeout(TICK)
        try:
            # A client pauses a STEP after connecting; after that the server
            # is as patient as the clients are.
            message = read_message(conn, params.framing, "server", who, emit, stop,
                                   Deadline(STEP + params.timeout, stop))
            if stop.sleep(params.server_delay):     # "thinking" before the reply
                raise Stopped
            send_message(conn, message, params.framing, "server", who, emit, stop,
                         Deadline(params.timeout, stop))
        except Stopped:
            emit(f"Stop: hanging up on {who}", data=arrow("close", "server", who))
            return
        except OSError as exc:      # reset, closed early, timed out...
            problem = explain(exc, who, params.timeout)
            emit(f"lost {who}: {problem}", kind="error",
                 data=arrow("error", "server", who, error=problem))
            return
        emit(f"closing the connection to {who}", data=arrow("close", "server", who))


# -- a client ------------------------------------------------------------------

def client(number, port, params, emit, stop, hang_up, clients_know, reports):
    name = f"client-{number}"
    message = make_message(name, params.size)
    report = {"number": number, "client": name, "sent": 0, "received": 0,
              "ok": False, "error": None}
    reports.append(report)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(TICK)
        # A client socket has an address too. Binding it first (port 0 again)
        # tells us its port before it connects, so the server can put a name
        # to each connection it accepts.
        sock.bind(("127.0.0.1", 0))
        clients_know[sock.getsockname()[1]] = name
        connected = False
        try:
            if stop.sleep(STEP * number / 2):       # start one after the other
                raise Stopped
            netwait.connect(sock, ("127.0.0.1", port), hang_up, Deadline(params.timeout, stop))
            connected = True
            emit(f"connected to port {port} from port {sock.getsockname()[1]}",
                 data=arrow("connect", name, "server"))
            stop.sleep(STEP)    # on Stop, carry on: the server's hang-up shows
            send_message(sock, message, params.framing, name, "server", emit, hang_up,
                         Deadline(params.timeout, stop))
            report["sent"] = len(message)
            reply = read_message(sock, params.framing, name, "server", emit, hang_up,
                                 Deadline(params.timeout, stop))
        except Stopped:
            report["error"] = "stopped" if connected else "stopped before connecting"
            emit(report["error"], data=arrow("close", name, "server") if connected else None)
            return
        except OSError as exc:      # refused, reset, closed early, timed out...
            report["error"] = explain(exc, "the server", params.timeout, port)
            emit(report["error"], kind="error",
                 data=arrow("error", name, "server", error=report["error"]))
            return
        report["received"] = len(reply)
        report["ok"] = reply == message
        if report["ok"]:
            emit(f"reply equals my {len(message)}-byte message; closing",
                 data=arrow("close", name, "server"))
        else:
            emit(f"wrong reply: got {len(reply)} of {len(message)} bytes back. One recv() "
                 f"is not one message!", kind="error",
                 data=arrow("close", name, "server", error="short reply"))


def make_message(name, size):
    """``size`` bytes that start with the sender's name and hold no newline."""
    text = f"{name}: hello " + "abcdefghijklmnopqrstuvwxyz" * (size // 26 + 1)
    return text.encode("ascii")[:size]


# -- framing: how a reader finds the end of a message ----------------------------

def send_message(sock, message, framing, me, peer, emit, stop, deadline):
    if framing == "length":
        wire = struct.pack("!I", len(message)) + message    # 4-byte size, then the bytes
    elif framing == "newline":
        wire = message + b"\n"                             # the bytes, then an end mark
    else:
        wire = message                                     # nothing: the reader must guess
    calls = netwait.send_all(sock, wire, stop, deadline)
    emit(f"sent {len(wire)} bytes to {peer} in {calls} send() call(s)",
         data=arrow("send", me, peer, wire, calls=calls))


def read_message(sock, framing, me, peer, emit, stop, deadline):
    """Read exactly one message, however many recv() calls it takes."""
    if framing == "none":
        return read_once(sock, me, peer, emit, stop, deadline)
    buffer = bytearray()
    pieces = []             # how many bytes each recv() gave

    def read_more(limit):
        piece = netwait.recv_some(sock, limit, stop, deadline)
        pieces.append(len(piece))
        if len(pieces) <= PIECES_SHOWN:
            emit(f"recv({limit}) gave {len(piece)} bytes",
                 data=arrow("recv", peer, me, piece, asked=limit))
        buffer.extend(piece)

    if framing == "length":
        while len(buffer) < 4:
            read_more(4 - len(buffer))
        (size,) = struct.unpack("!I", buffer[:4])
        while len(buffer) < 4 + size:
            # Never ask past this message: the next one's bytes are not ours.
            read_more(min(RECV_SIZE, 4 + size - len(buffer)))
        message = bytes(buffer[4:])
    else:
        while b"\n" not in buffer:
            read_more(RECV_SIZE)
        # (A real reader keeps what follows the newline for the next message.)
        message = bytes(buffer[:buffer.index(b"\n")])
    hidden = pieces[PIECES_SHOWN:]      # too many to draw one by one
    if hidden:
        emit(f"... and {len(hidden)} more recv() calls, {sum(hidden)} bytes",
             data=arrow("recv", peer, me, calls=len(hidden), bytes=sum(hidden)))
    emit(f"got a whole {len(message)}-byte message from {peer} in {len(pieces)} recv() calls")
    return message


def read_once(sock, me, peer, emit, stop, deadline):
    """The classic: one recv(1024), and hope it holds the whole message."""
    piece = netwait.recv_some(sock, CLASSIC_RECV, stop, deadline)
    emit(f"recv({CLASSIC_RECV}) gave {len(piece)} bytes; taking that as the message",
         data=arrow("recv", peer, me, piece, asked=CLASSIC_RECV))
    return piece


def format_result(data):
    lines = [f"  {r['client']:<10} sent {r['sent']:>8} B  got {r['received']:>8} B  "
             f"{'ok' if r['ok'] else r['error'] or 'wrong reply'}" for r in data["replies"]]
    return "\n".join(lines)


SELFTEST_PARAMS = {"clients": 3, "size": 5000}
