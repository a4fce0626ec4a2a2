"""engine/lessons/sockets/program.py: a TCP server thread and client threads on loopback."""

from __future__ import annotations

import re
import socket

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
    assert (figures["clients"], figures["replies_ok"], figures["bytes"]) == (3, 3, 3 * size)
    assert figures["address"][0] == "127.0.0.1" and figures["address"][1] > 0
    assert figures["framing"] == "length"
    assert sorted(r["client"] for r in figures["replies"]) == ["client-1", "client-2",
                                                               "client-3"]
    assert "3 of 3 replies equal their requests" in outputs(events)


def test_stop_ends_the_run_and_leaves_nothing():
    events, lab_pid = stop_at_first_output("sockets", "--delay=5")
    assert events[-1].data["status"] == "stopped", events[-1]
    assert_group_ends(lab_pid)
