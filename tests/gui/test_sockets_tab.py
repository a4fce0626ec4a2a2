"""The Sockets tab on a virtual screen: real buttons, real sockets, the real diagram."""

import socket

import psutil

from tests.gui.conftest import pump_until


def tcp_addresses():
    return {c.laddr for c in psutil.Process().net_connections(kind="tcp")}


def arrows(tab, kind=None, sender=None):
    return [a for a in tab.diagram.arrows
            if (kind is None or a["seq"] == kind) and (sender is None or a["from"] == sender)]


def run_to_the_end(app, tab, **values):
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_diagram_has_a_lane_per_client_after_a_run(app):
    tab = app.select("sockets")
    run_to_the_end(app, tab, clients=4, size=3000)
    assert tab.last_status == "ok"
    clients = [f"client-{i}" for i in range(1, 5)]
    assert tab.diagram.lane_names == ["server", *clients]
    for name in clients:
        for kind in ("connect", "send", "close"):
            assert arrows(tab, kind, name), f"no {kind} arrow from {name}"
        assert [a for a in arrows(tab, "accept") if a["to"] == name]
    # Every arrow is really on the canvas, and the lanes are laid out left to right.
    assert all(tab.diagram.body.find_withtag(f"a{i}") for i in range(len(tab.diagram.arrows)))
    xs = [tab.diagram.lanes[name] for name in ["server", *clients]]
    assert xs == sorted(xs) and len(set(xs)) == 5
    port = tab.last_result["address"][1]
    assert f"127.0.0.1:{port}" in tab.address_label.cget("text")
    assert "4 of 4 replies" in tab.status_label.cget("text")


def test_hovering_an_arrow_shows_its_bytes(app):
    tab = app.select("sockets")
    run_to_the_end(app, tab, clients=1, size=500)
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


def test_busy_port_gives_a_message_and_the_tab_keeps_working(app):
    tab = app.select("sockets")
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen(1)
        port = other_program.getsockname()[1]
        run_to_the_end(app, tab, port=port)
    assert tab.last_status == "error"
    expected = f"port {port} is already in use"
    assert expected in tab.problem_label.cget("text")
    assert tab.problem_label.winfo_ismapped()
    assert expected in tab.status_label.cget("text")
    run_to_the_end(app, tab, port=0, clients=2)
    assert tab.last_status == "ok"
    assert tab.problem_label.cget("text") == ""


def test_no_server_shows_refused_for_each_client(app):
    tab = app.select("sockets")
    run_to_the_end(app, tab, clients=3, server=False)
    errors = arrows(tab, "error")
    assert sorted(a["from"] for a in errors) == ["client-1", "client-2", "client-3"]
    assert tab.diagram.body.find_withtag("a0")
    assert tab.logview.content().count("connection refused") == 3
    assert "bound, but nobody listened" in tab.address_label.cget("text")
    assert "0 of 3 replies" in tab.status_label.cget("text")


def test_all_interfaces_warning_shows_as_soon_as_it_is_chosen(app):
    tab = app.select("sockets")
    assert not tab.warning_label.winfo_ismapped()
    tab.form.set_values({"host": "0.0.0.0"})
    app.update()
    assert "other machines" in tab.warning_label.cget("text")
    assert tab.warning_label.winfo_ismapped()
    tab.form.set_values({"host": "127.0.0.1"})
    app.update()
    assert not tab.warning_label.winfo_ismapped()


def test_stop_mid_conversation_reports_each_client(app):
    tab = app.select("sockets")
    tab.form.set_values({"clients": 3, "server_delay": 20})
    tab.run_button.invoke()
    pump_until(app, lambda: len(arrows(tab, "send")) == 3)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "stopped"
    hung_up = arrows(tab, "error")
    assert sorted(a["from"] for a in hung_up) == ["client-1", "client-2", "client-3"]
    assert all("closed" in a["error"] or "reset" in a["error"] for a in hung_up)


def test_close_mid_run_leaves_no_socket_or_thread(app):
    before = tcp_addresses()
    tab = app.select("sockets")
    tab.form.set_values({"clients": 5, "server_delay": 20})
    tab.run_button.invoke()
    pump_until(app, lambda: len(arrows(tab, "send")) >= 2)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"
    assert tcp_addresses() <= before
