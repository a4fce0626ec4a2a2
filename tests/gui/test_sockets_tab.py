"""The Sockets tab on a virtual screen: real buttons, real sockets, the real diagram."""

import socket

import psutil
import pytest

from gui.lessons.sockets import Parties
from tests.engine.helpers import run_lesson
from tests.gui.conftest import pump_until

CLIENTS = [f"client-{i}" for i in range(1, 5)]


def listening_ports() -> set[int]:
    """Ports something on this machine listens on (any process)."""
    return {c.laddr.port for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN}


def arrows(tab, kind=None, sender=None):
    return [a for a in tab.diagram.arrows
            if (kind is None or a["seq"] == kind) and (sender is None or a["from"] == sender)]


def run_to_the_end(app, tab, **values):
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_diagram_joins_each_client_with_the_server_thread(app):
    tab = app.select("sockets")
    run_to_the_end(app, tab, clients=4, size=3000, delay=0)
    assert tab.last_status == "ok"
    # The lanes are the program's threads: no lane is left named by an address.
    assert tab.diagram.lane_names == ["server", *CLIENTS]
    for name in CLIENTS:
        for kind in ("connect", "send", "close"):
            assert [a["to"] for a in arrows(tab, kind, name)] == ["server"], (kind, name)
        assert [a for a in arrows(tab, "accept", "server") if a["to"] == name]
        # recv is drawn as the bytes go: from the sender to the reader.
        assert sum(a["bytes"] for a in arrows(tab, "recv", "server") if a["to"] == name) \
            == 3004
        assert sum(a["bytes"] for a in arrows(tab, "recv", name)) == 3004
    # Every arrow is really on the canvas, and the lanes are laid out left to right.
    assert all(tab.diagram.body.find_withtag(f"a{i}") for i in range(len(tab.diagram.arrows)))
    xs = [tab.diagram.lanes[name] for name in ["server", *CLIENTS]]
    assert xs == sorted(xs) and len(set(xs)) == 5
    port = tab.last_result["address"][1]
    assert f"127.0.0.1:{port}" in tab.address_label.cget("text")
    assert "4 of 4 replies" in tab.status_label.cget("text")


def test_hovering_an_arrow_shows_its_bytes(app):
    tab = app.select("sockets")
    run_to_the_end(app, tab, clients=1, size=500, delay=0)
    body = tab.diagram.body
    body.yview_moveto(0)
    body.xview_moveto(0)
    app.update()
    index = tab.diagram.arrows.index(arrows(tab, "send", "client-1")[0])
    x1, y1, x2, y2 = body.bbox(f"a{index}")
    x = (x1 + x2) / 2 - body.canvasx(0)
    y = (y1 + y2) / 2 - body.canvasy(0)
    body.event_generate("<Motion>", x=int(x), y=int(y), warp=True)
    pump_until(app, lambda: tab.diagram.hover_text is not None)
    assert "client-1 → server" in tab.diagram.hover_text
    assert "504 bytes" in tab.diagram.hover_text       # 4-byte length, then 500
    assert "client-1: hello" in tab.diagram.hover_text
    assert body.find_withtag("hover")


def test_busy_port_gives_the_programs_line_and_the_tab_keeps_working(app):
    tab = app.select("sockets")
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen(1)
        port = other_program.getsockname()[1]
        run_to_the_end(app, tab, port=port)
    assert tab.last_status == "error"
    line = (f"error: cannot listen on port {port}: Address already in use "
            "(--port 0 lets the OS pick a free one)")
    assert tab.problem_label.cget("text") == line
    assert tab.problem_label.winfo_ismapped()
    assert tab.status_label.cget("text") == f"Failed: {line}"
    assert "never got an address" in tab.address_label.cget("text")
    assert tab.diagram.lane_names == ["server", "client-1", "client-2", "client-3",
                                      "client-4", "client-5"]   # nothing drawn
    assert not tab.diagram.arrows
    run_to_the_end(app, tab, port=0, clients=2, delay=0)
    assert tab.last_status == "ok"
    assert tab.problem_label.cget("text") == ""
    assert not tab.problem_label.winfo_ismapped()


def test_the_address_line_says_loopback_and_stop_closes_the_server(app):
    tab = app.select("sockets")
    tab.form.set_values({"clients": 3, "delay": 5})
    assert "host" not in tab.form.inputs   # loopback only: no other interface to choose
    tab.run_button.invoke()
    pump_until(app, lambda: "listening" in tab.address_label.cget("text"))
    port = tab.address[1]
    assert tab.address_label.cget("text") == \
        f"Server address: 127.0.0.1:{port} (listening; this computer only)"
    assert not tab.warning_label.winfo_ismapped()
    assert port in listening_ports()
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    assert tab.status_label.cget("text").startswith("Stopped")
    assert port not in listening_ports()
    assert tab.address_label.cget("text") == \
        f"Server address: 127.0.0.1:{port} (closed: it listened until the run ended)"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.7", "::"])
def test_a_server_bound_beyond_loopback_gets_a_warning(app, host):
    """The program binds 127.0.0.1; one a learner edited to bind more is said to be reachable."""
    tab = app.select("sockets")
    tab.show_address((host, 5000), listening=True)
    app.update()
    assert tab.address_label.cget("text").endswith("(listening; other machines too)")
    assert "other machines on your network can connect" in tab.warning_label.cget("text")
    assert tab.warning_label.winfo_ismapped()
    tab.show_address(("127.0.0.1", 5000), listening=True)
    app.update()
    assert not tab.warning_label.winfo_ismapped()


def test_close_mid_conversation_leaves_no_listening_socket(app):
    tab = app.select("sockets")
    tab.form.set_values({"clients": 5, "delay": 1})
    tab.run_button.invoke()
    pump_until(app, lambda: len(arrows(tab, "send")) >= 2)   # client-1 talks; 4 to come
    run, port = tab.run, tab.address[1]
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert port not in listening_ports()


# -- joining the two ends of each connection -------------------------------------------------

@pytest.fixture(scope="module")
def real_run():
    """The events of one real run with three clients, through the engine."""
    return run_lesson("sockets", {"clients": 3, "size": 3000, "delay": 0.0}, speed=10)


def joined(batches: list[list]) -> list[tuple[str, str, str]]:
    parties = Parties()
    out = []
    for batch in batches:
        out += parties.add(batch)
    out += parties.flush()
    return [(a["seq"], a["from"], a["to"]) for _, a in out]


def connect_and_accept_swapped(events: list) -> list:
    """The same events, each server accept moved before the connect it answers."""
    events = list(events)
    for i, event in enumerate(events):
        if event.kind == "probe" and event.data.get("call") == "accept":
            peer = event.data["to"]
            j = next(k for k, e in enumerate(events) if e.kind == "probe"
                     and e.data.get("call") == "connect" and e.data["local"] == peer)
            if j < i:
                events.insert(j, events.pop(i))
    return events


def test_the_ends_are_joined_whatever_the_batches_and_the_order(real_run):
    whole = joined([real_run])
    one_by_one = joined([[event] for event in real_run])
    swapped = joined([[event] for event in connect_and_accept_swapped(real_run)])
    assert one_by_one == whole
    assert sorted(swapped) == sorted(whole)
    parties = {"server", "client-1", "client-2", "client-3"}
    for drawn in (whole, one_by_one, swapped):
        assert {party for _, a, b in drawn for party in (a, b)} == parties
    for client in ("client-1", "client-2", "client-3"):
        assert ("connect", client, "server") in whole
        assert ("accept", "server", client) in whole


def test_an_arrow_waits_for_its_peer_and_keeps_its_place(real_run):
    """A client's connect seen before the server's accept is held, then drawn first."""
    first = next(e for e in real_run if e.kind == "probe" and e.data.get("call") == "connect")
    parties = Parties()
    assert parties.add([first]) == []          # its peer is not known yet: held
    drawn = parties.add([e for e in real_run if e is not first])
    assert drawn[0][0] == first.t
    assert (drawn[0][1]["seq"], drawn[0][1]["to"]) == ("connect", "server")


def test_a_client_waiting_to_be_accepted_is_drawn_talking_to_the_server(real_run):
    """Its connect and send come before the server's accept (it waits in the listen
    queue while the server serves another): they are drawn at once, to the server."""
    last = next(e for e in real_run if e.actor == "client-3" and e.data
                and e.data.get("call") == "connect")
    its_sendall = next(e for e in real_run if e.actor == "client-3" and e.data
                       and e.data.get("call") == "sendall")
    later = real_run[real_run.index(its_sendall) + 1:]
    # As if the server had not got to client-3 yet: none of its calls on that
    # connection, and client-3 still waiting for the reply.
    waiting = [e for e in real_run
               if not (e.actor == "server" and e.data and e.data.get("to") == last.data["local"])
               and not (e.actor == "client-3" and e in later)]
    drawn = [a for _, a in Parties().add(waiting)]
    assert [(a["seq"], a["to"]) for a in drawn if a["from"] == "client-3"] == [
        ("connect", "server"), ("send", "server")]


def test_a_reset_connection_still_joins_its_client_to_the_server(real_run):
    """After a reset, the client's socket has no peer address (getpeername fails)."""
    def reset(event):
        if event.actor == "client-1" and event.data and event.data.get("seq") in ("recv",
                                                                                 "close"):
            return event._replace(data={**event.data, "to": None})
        return event
    drawn = joined([[reset(e) for e in real_run]])
    assert ("recv", "server", "client-1") in drawn and ("close", "client-1", "server") in drawn
    # The listening socket never had a peer: its close is the server's own loop.
    assert drawn.count(("close", "server", "server")) == 1


def test_a_peer_outside_the_run_is_named_by_its_address_at_the_end(real_run):
    server_only = [e for e in real_run if e.actor == "server"]
    parties = Parties()
    assert parties.add(server_only) == []      # no client end in sight: all held
    drawn = parties.flush()
    accepts = [a for _, a in drawn if a["seq"] == "accept"]
    assert len(accepts) == 3 and all(a["to"].startswith("127.0.0.1:") for a in accepts)
