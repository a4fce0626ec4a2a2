"""The sockets lesson with real loopback sockets and real threads."""

import json
import socket
import struct
import subprocess
import sys
import threading
import time

import psutil
import pytest

from engine import start
from engine.control import Control
from engine.lessons import sockets
from engine.lessons.sockets import Params
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson

MB = 1_048_576


def address_of(events):
    for event in events:
        if event.kind == "state" and isinstance(event.data, dict) and "address" in event.data:
            return event.data["address"]
    raise AssertionError("no state event with an address")


def errors_of(events):
    return [e for e in events if e.kind == "error"]


def my_tcp_sockets():
    return psutil.Process().net_connections(kind="tcp")


# -- replies ------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 100, 1024, 1025, 65537, MB])
@pytest.mark.parametrize("framing", ["length", "newline"])
def test_replies_equal_requests_at_every_size(size, framing):
    events = run_lesson("sockets", {"clients": 3, "size": size, "framing": framing},
                        speed=10)
    result = result_of(events)
    assert result["clients"] == 3
    assert result["replies_ok"] == 3
    for reply in result["replies"]:
        assert reply["ok"] and reply["sent"] == reply["received"] == size
    assert not errors_of(events)
    # The diagram sees every client connect, be accepted and close.
    arrows = [e.data for e in events if isinstance(e.data, dict) and "seq" in e.data]
    for i in (1, 2, 3):
        name = f"client-{i}"
        assert {"seq": "connect", "from": name, "to": "server"}.items() <= \
            next(a for a in arrows if a["seq"] == "connect" and a["from"] == name).items()
        assert any(a["seq"] == "accept" and a["to"] == name for a in arrows)
        assert any(a["seq"] == "send" and a["from"] == name and a["bytes"] >= size
                   for a in arrows)
        assert any(a["seq"] == "close" and a["from"] == name for a in arrows)


def test_one_at_a_time_serves_every_client():
    result = result_of(run_lesson("sockets", {"clients": 6, "size": 70000,
                                              "mode": "one-at-a-time"}, speed=10))
    assert result["replies_ok"] == 6


def test_a_large_message_takes_many_recv_calls():
    events = run_lesson("sockets", {"clients": 1, "size": MB}, speed=10)
    whole = [e for e in events if e.actor.startswith("server") and "whole" in e.text]
    assert len(whole) == 1
    calls = int(whole[0].text.split(" in ")[1].split()[0])
    assert calls > 1, "1 MB cannot come in one recv() of at most 64 KiB"


def test_one_recv_is_not_a_message():
    """The classic: one recv(1024) gets at most 1024 of a 5000-byte message."""
    events = run_lesson("sockets", {"clients": 2, "size": 5000, "framing": "none"}, speed=10)
    result = result_of(events)
    assert result["replies_ok"] == 0
    for reply in result["replies"]:
        assert reply["received"] <= 1024
    assert len(errors_of(events)) >= 2


@pytest.mark.parametrize("framing", ["length", "newline"])
@pytest.mark.parametrize("size", [1, 3000, MB])
def test_server_echoes_to_an_outside_client(framing, size):
    """Our own client, not the lesson's, talks to the lesson's server code."""
    emitted, stop, finished = [], Control(speed=10), threading.Event()
    params = Params(framing=framing, size=size)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        server = threading.Thread(target=sockets.serve, args=(
            listener, params, lambda *a, **k: emitted.append(a), stop, finished, {}))
        server.start()
        try:
            message = bytes(range(256)).replace(b"\n", b"-") * (size // 256 + 1)
            message = message[:size]
            with socket.create_connection(listener.getsockname(), timeout=5) as me:
                if framing == "length":
                    me.sendall(struct.pack("!I", size) + message)
                else:
                    me.sendall(message + b"\n")
                reply = b""
                while True:
                    piece = me.recv(65536)
                    if not piece:
                        break
                    reply += piece
        finally:
            finished.set()
            server.join(5)
    expected = struct.pack("!I", size) + message if framing == "length" else message + b"\n"
    assert reply == expected


# -- where it listens ---------------------------------------------------------------

def test_listens_on_loopback_only():
    run = start("sockets", {"clients": 1, "server_delay": 3.0}, speed=1)
    try:
        events = read_until(run, lambda e: "accepted" in e.text)
        host, port = address_of(events)
        assert host == "127.0.0.1" and 0 < port < 65536
        listening = [c for c in my_tcp_sockets()
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
        assert [c.laddr.ip for c in listening] == ["127.0.0.1"]
    finally:
        run.stop()
        collect(run)


def test_all_interfaces_only_when_chosen_and_with_a_warning():
    # No server: the port is bound but nothing listens, so nothing is exposed.
    events = run_lesson("sockets", {"clients": 1, "host": "0.0.0.0", "server": False})
    assert address_of(events)[0] == "0.0.0.0"
    warnings = [e.text for e in events if isinstance(e.data, dict) and e.data.get("warning")]
    assert len(warnings) == 1 and "other machines" in warnings[0]
    default = run_lesson("sockets", {"clients": 1, "server": False})
    assert not [e for e in default if isinstance(e.data, dict) and e.data.get("warning")]


def test_host_is_a_choice_not_free_text():
    with pytest.raises(ValueError, match="must be one of"):
        start("sockets", {"host": "192.168.1.1"})


# -- errors a learner should see ------------------------------------------------------

def test_a_busy_port_fails_the_run_with_a_clear_message():
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen(1)
        port = other_program.getsockname()[1]
        events = run_lesson("sockets", {"port": port})
    errors = errors_of(events)
    assert len(errors) == 1
    assert f"port {port} is already in use" in errors[0].text
    assert events[-1].data["status"] == "error"


def test_a_busy_port_on_the_command_line_exits_1():
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen(1)
        port = other_program.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "engine", "run", "sockets",
                               "--port", str(port)], capture_output=True, text=True,
                              timeout=30)
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stdout


def test_a_fixed_free_port_can_be_used_twice_in_a_row():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for _ in range(2):  # the first run's closed connections must not block the second
        events = run_lesson("sockets", {"clients": 2, "port": port}, speed=10)
        assert address_of(events) == ["127.0.0.1", port]
        assert result_of(events)["replies_ok"] == 2


def test_no_server_means_connection_refused_for_each_client():
    events = run_lesson("sockets", {"clients": 3, "server": False}, speed=10)
    result = result_of(events)
    assert result["replies_ok"] == 0
    refused = [e for e in errors_of(events) if "connection refused" in e.text]
    assert sorted(e.actor for e in refused) == ["client-1", "client-2", "client-3"]
    assert events[-1].data["status"] == "ok"


def test_a_slow_server_makes_clients_time_out():
    events = run_lesson("sockets", {"clients": 2, "server_delay": 1.0, "timeout": 0.2})
    result = result_of(events)
    assert result["replies_ok"] == 0
    for reply in result["replies"]:
        assert "timed out" in reply["error"] and "Timeout (0.2 s)" in reply["error"]
    assert sorted(e.actor for e in errors_of(events)) == ["client-1", "client-2"]


@pytest.mark.parametrize("mode", ["thread-per-client", "one-at-a-time"])
def test_stop_mid_conversation_closes_every_client_cleanly(mode):
    before = {c.laddr for c in my_tcp_sockets()}
    run = start("sockets", {"clients": 4, "server_delay": 20.0, "mode": mode}, speed=1)
    # Wait until every client has sent its message and waits for the reply.
    senders = set()

    def everyone_sent(event):
        if event.actor.startswith("client") and event.text.startswith("sent"):
            senders.add(event.actor)
        return len(senders) == 4
    read_until(run, everyone_sent)
    run.stop()
    assert run.join(HANG), "Stop must end the run"
    events = collect(run)
    assert events[-1].data["status"] == "stopped"
    lost = {e.actor: e.text for e in errors_of(events)}
    assert sorted(lost) == ["client-1", "client-2", "client-3", "client-4"]
    for text in lost.values():
        assert "closed the connection" in text or "reset" in text
    left = [c for c in my_tcp_sockets() if c.laddr not in before]
    assert not left, f"sockets left after Stop: {left}"
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if n.startswith(("server", "client"))]


def test_stop_before_anyone_connects():
    before = {c.laddr for c in my_tcp_sockets()}
    run = start("sockets", {"clients": 5}, speed=0.1)
    read_until(run, lambda e: "address" in (e.data or {}))
    run.stop()
    events = collect(run)
    assert events[-1].data["status"] == "stopped"
    assert all(r["error"] == "stopped before connecting" for r in result_of(events)["replies"])
    assert not [c for c in my_tcp_sockets() if c.laddr not in before]


# -- the command line ----------------------------------------------------------------------

def test_command_line_json():
    done = subprocess.run([sys.executable, "-m", "engine", "run", "sockets", "--clients", "5",
                           "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    address = next(e["data"]["address"] for e in events
                   if e["kind"] == "state" and "address" in (e["data"] or {}))
    assert address[0] == "127.0.0.1" and isinstance(address[1], int) and address[1] > 0
    result = next(e["data"] for e in events if e["kind"] == "result")
    assert result["clients"] == 5 and result["replies_ok"] == 5
    assert events[-1]["kind"] == "done"


def test_command_line_refuses_a_bad_port():
    done = subprocess.run([sys.executable, "-m", "engine", "run", "sockets", "--port",
                           "70000"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --port must be between 0 and 65535 (got 70000)"


def test_step_mode_causes_no_time_outs():
    """Time-outs stand still while the learner steps through the run."""
    run = start("sockets", {"clients": 2, "timeout": 0.1}, stepping=True)
    events, deadline = [], time.monotonic() + 30
    while time.monotonic() < deadline and not (events and events[-1].kind == "done"):
        run.step()      # Next, every 0.1 s: a reply comes several steps after its request
        time.sleep(0.1)
        while not run.events.empty():
            events.append(run.events.get())
    run.stop()
    assert run.join(5)
    assert events[-1].kind == "done" and events[-1].data["status"] == "ok"
    assert result_of(events)["replies_ok"] == 2
