"""engine/lessons/sockets/program.py: a TCP server thread and client threads on loopback."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import psutil
import pytest

from engine import start
from tests.bounds import HANG
from tests.engine.helpers import collect, read_until, result_of, run_lesson
from tests.engine.programs.plain import (
    assert_group_ends,
    assert_help_lists_every_setting,
    assert_refused,
    outputs,
    plumbing_lines,
    result,
    run_alone,
    run_in_lab,
    stop_at_first_output,
)


def test_runs_alone_and_ends_after_serving_every_client():
    done = run_alone("sockets")
    assert done.returncode == 0, done.stderr
    # Threads print at once: one print() is two writes (the text, then "\n"), so two
    # lines can interleave, as on a terminal. Each text itself is written whole.
    out = done.stdout
    port = re.match(r"server listening on 127\.0\.0\.1:(\d+)\n", out)
    assert port and int(port[1]) > 0, out        # port 0 asked, a real port got
    assert sorted(re.findall(r"client-\d+: got 100 of 100 bytes back", out)) == [
        f"client-{n}: got 100 of 100 bytes back" for n in range(1, 6)]
    assert len(re.findall(r"server: sent 100 bytes back to 127\.0\.0\.1:\d+", out)) == 5
    assert out.endswith("5 of 5 replies equal their requests\n")


def test_a_busy_port_is_one_clear_line_and_exit_status_1():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        done = run_alone("sockets", f"--port={busy}")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: cannot listen on port {busy}: Address already in use "
        "(--port 0 lets the OS pick a free one)"]


def test_in_the_lab_a_busy_port_is_the_same_line_on_stderr_and_an_error():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        events, _ = run_in_lab("sockets", f"--port={busy}")
    assert events[-1].data["status"] == "error" and events[-1].data["exit_code"] == 1
    said = [(e.data["stream"], e.text) for e in events if e.kind == "output"]
    assert said == [("stderr", f"error: cannot listen on port {busy}: Address already in use "
                                "(--port 0 lets the OS pick a free one)")]
    assert not [e for e in events if e.kind == "error"]   # a clear line, not a traceback


def test_one_recv_is_not_one_message():
    # The classic single recv(1024) can never hold a 100000-byte message.
    done = run_alone("sockets", "--framing=none", "--size=100000", "--clients=2", "--delay=0")
    assert done.returncode == 0, done.stderr
    short = re.findall(r"(client-\d+): got (\d+) of 100000 bytes back: one recv\(\) is not "
                       r"one message!", done.stdout)
    assert sorted(name for name, _ in short) == ["client-1", "client-2"], done.stdout
    assert all(int(got) <= 1024 for _, got in short)
    assert done.stdout.endswith("0 of 2 replies equal their requests\n")


def test_help_lists_every_setting():
    assert_help_lists_every_setting("sockets")


def test_a_bad_value_is_refused():
    assert_refused("sockets", "--framing", "newline")
    assert_refused("sockets", "--clients", "five")


def test_the_program_holds_no_plumbing():
    assert plumbing_lines("sockets") == []


def test_in_the_lab_server_and_clients_speak_and_big_messages_come_back_whole():
    size = 300_000      # many recv() calls per message, with the length framing
    events, _ = run_in_lab("sockets", "--clients=3", f"--size={size}", "--delay=0")
    assert events[-1].data["status"] == "ok", events[-1]
    said = {(e.actor, e.text.split(":")[0]) for e in events if e.kind == "output"}
    assert {("server", "server"), ("client-1", "client-1"), ("client-2", "client-2"),
            ("client-3", "client-3")} <= said
    figures = result(events)
    assert (figures["clients"], figures["replies_ok"]) == (3, 3)
    assert figures["address"][0] == "127.0.0.1" and figures["address"][1] > 0
    assert sorted(line for line in outputs(events) if " bytes back" in line
                  and line.startswith("client-")) == [
        f"client-{n}: got {size} of {size} bytes back" for n in (1, 2, 3)]
    assert "3 of 3 replies equal their requests" in outputs(events)


def test_stop_ends_the_run_and_leaves_nothing():
    events, lab_pid = stop_at_first_output("sockets", "--delay=5")
    assert events[-1].data["status"] == "stopped", events[-1]
    assert_group_ends(lab_pid)


# -- through the engine, as the window and the CLI run it ------------------------------------

MB = 1_048_576


def probes(events: list, actor: str | None = None, call: str | None = None) -> list[dict]:
    """The data of the socket probes (of one actor, one call), in order."""
    return [e.data for e in events if e.kind == "probe" and (actor is None or e.actor == actor)
            and (call is None or e.data.get("call") == call)]


def listening_ports() -> set[int]:
    """Ports something on this machine listens on (any process)."""
    return {c.laddr.port for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN}


@pytest.mark.parametrize("size", [1, 1025, 65537, MB])
def test_replies_equal_requests_at_every_size_and_each_end_names_the_other(size):
    events = run_lesson("sockets", {"clients": 2, "size": size, "delay": 0.0}, speed=10)
    figures = result_of(events)
    assert (figures["clients"], figures["replies_ok"]) == (2, 2)
    server_at = "{}:{}".format(*figures["address"])
    accepted = {a["to"] for a in probes(events, "server", "accept")}
    for name in ("client-1", "client-2"):
        [connect] = probes(events, name, "connect")
        # What the diagram joins on: this end's address is the peer the server accepted.
        assert connect["seq"] == "connect" and connect["to"] == server_at
        assert connect["local"] in accepted
        sent = sum(a["bytes"] for a in probes(events, name, "sendall"))
        got = sum(a["bytes"] for a in probes(events, name, "recv"))
        assert sent == got == 4 + size                  # the length, then the bytes
        assert [a["seq"] for a in probes(events, name, "close")] == ["close"]
    assert all(a["local"] == server_at for a in probes(events, "server", "accept"))


def test_a_large_message_takes_many_recv_calls():
    events = run_lesson("sockets", {"clients": 1, "size": MB, "delay": 0.0}, speed=10)
    assert result_of(events)["replies_ok"] == 1
    reads = probes(events, "server", "recv")
    assert len(reads) > 2, "1 MB cannot come in one recv() of at most 64 KiB"
    assert sum(a["bytes"] for a in reads) == 4 + MB
    assert all(a["asked"] <= 65536 for a in reads)


def test_the_classic_single_recv_asks_1024_and_the_replies_are_short():
    events = run_lesson("sockets", {"clients": 2, "size": 5000, "framing": "none",
                                    "delay": 0.0}, speed=10)
    assert events[-1].data["status"] == "ok"
    assert result_of(events)["replies_ok"] == 0
    reads = probes(events, "server", "recv")
    assert [a["asked"] for a in reads] == [1024, 1024]
    assert all(a["bytes"] <= 1024 for a in reads)


def test_the_server_listens_on_loopback_only_and_not_after_stop():
    run = start("sockets", {"clients": 1, "delay": 5.0})
    try:
        events = read_until(run, lambda e: e.kind == "probe" and e.data.get("listening"),
                            HANG, "the listen() call")
        port = int(events[-1].data["local"].rsplit(":", 1)[1])
        mine = [c for c in psutil.Process(run.pid).net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN]
        assert [(c.laddr.ip, c.laddr.port) for c in mine] == [("127.0.0.1", port)]
    finally:
        run.stop()
        events = collect(run, HANG)
    assert events[-1].data["status"] == "stopped"
    assert port not in listening_ports()


def test_a_fixed_free_port_can_be_used_twice_in_a_row():
    with socket.socket() as finder:
        finder.bind(("127.0.0.1", 0))
        port = finder.getsockname()[1]
    for _ in range(2):   # the first run's closed connections must not block the second
        events = run_lesson("sockets", {"clients": 2, "port": port, "delay": 0.0}, speed=10)
        figures = result_of(events)
        assert figures["address"] == ["127.0.0.1", port] and figures["replies_ok"] == 2


def test_step_mode_each_next_lets_one_thing_happen_and_the_run_ends_ok():
    run = start("sockets", {"clients": 2, "delay": 0.0}, stepping=True)
    events = []
    try:
        while not (events and events[-1].kind == "done"):
            events += read_until(run, lambda e: e.kind in ("paused", "done"), HANG,
                                 "an actor waiting for Next")
            if events[-1].kind == "paused":
                run.step()
    finally:
        run.stop()
        run.join(HANG)
    assert events[-1].data["status"] == "ok"
    assert result_of(events)["replies_ok"] == 2


def test_command_line_json_has_the_result_keys():
    done = subprocess.run([sys.executable, "-m", "engine", "run", "sockets", "--clients", "5",
                           "--delay", "0", "--json"], capture_output=True, text=True,
                          timeout=HANG)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    figures = next(e["data"] for e in events if e["kind"] == "result")
    assert (figures["clients"], figures["replies_ok"]) == (5, 5)
    assert figures["address"][0] == "127.0.0.1" and figures["address"][1] > 0
    assert events[-1]["kind"] == "done"


def test_command_line_refuses_a_bad_port():
    done = subprocess.run([sys.executable, "-m", "engine", "run", "sockets", "--port",
                           "70000"], capture_output=True, text=True, timeout=HANG)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --port must be between 0 and 65535 (got 70000)"
