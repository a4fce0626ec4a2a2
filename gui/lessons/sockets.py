"""The Sockets tab: the lesson plus a live sequence diagram of the conversation.

Above the diagram a line shows where the server listens (the port the OS
picked when the port is 0), and whether other machines could reach it; when a
run fails (a busy port), the line the program wrote on stderr says why.

The diagram's parties are the program's actors (the ``server`` thread, the
``client-N`` threads). The lab's socket probes name only the acting actor and
the two ends' addresses (``local`` and ``to``, see engine/lab/probes.py);
:class:`Parties` joins the ends: a connection seen from one end is
(``local``, ``to``), and from the other end the same pair reversed. So the
peer of an arrow is the actor that has acted on the reversed pair.
"""

from __future__ import annotations

import ipaddress
from collections import deque

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import DONE, LessonTab
from ..widgets.seqdiagram import SeqDiagram
from ..widgets.wraplabel import WrapLabel

#: Arrows that may wait for their peer to be known before the oldest is drawn
#: anyway, with the peer's address as its lane (a peer outside the run).
MOST_HELD = 100

EXPOSED_WARNING = ("⚠ The server listens on {host}: other machines on your network can "
                   "connect to it. Bind 127.0.0.1 to keep it on this computer.")


def is_loopback(host: str) -> bool:
    """True for an address only this computer can reach (127.x.x.x, ::1)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:   # a name, or '': not a plain loopback address
        return False


class Parties:
    """Turns the probes' socket events into arrows between actors, in their order.

    An arrow whose peer is not known yet is held, and so is every arrow after
    it, so the diagram keeps the run's order: the first client's connect can
    come before the server's first accept, which tells who has the server's
    address. Each batch is learned from first, so two ends that arrive together
    are joined at once.
    """

    def __init__(self) -> None:
        self._by_pair: dict[tuple[str, str], str] = {}   # (local, to) -> actor
        self._by_address: dict[str, str] = {}            # local -> actor
        self._connected: dict[tuple[str, str], str] = {}  # (actor, local) -> server
        self._held: deque[tuple[float, dict]] = deque()   # a flood is drained from the left

    def add(self, events: list) -> list[tuple[float, dict]]:
        """The arrows (time, data with ``from``/``to`` as parties) now ready to draw."""
        for event in events:
            data = event.data if isinstance(event.data, dict) else None
            if not data or vocab.SEQ not in data or not self._worth_drawing(data):
                continue
            self._learn(data)
            self._held.append((event.t, data))
        ready = []
        while self._held:
            t, data = self._held[0]
            arrow = self._joined(data, last_chance=len(self._held) > MOST_HELD)
            if arrow is None:
                break
            ready.append((t, arrow))
            self._held.popleft()
        return ready

    def flush(self) -> list[tuple[float, dict]]:
        """The run is over: every arrow still held, its unknown peers named by address."""
        held, self._held = self._held, deque()
        return [(t, self._joined(data, last_chance=True)) for t, data in held]

    @staticmethod
    def _worth_drawing(data: dict) -> bool:
        # Closing a socket that never had an address (the listener of a failed
        # bind) touched nobody: no arrow.
        local = data.get(vocab.LOCAL)
        return bool(data.get(vocab.TO)) or not (local is None or local.endswith(":0"))

    def _learn(self, data: dict) -> None:
        local, peer, actor = data.get(vocab.LOCAL), data.get(vocab.TO), data.get(vocab.FROM)
        if not (local and actor):
            return
        self._by_address.setdefault(local, actor)
        if peer and data.get(vocab.SEQ) != vocab.ARROW_ERROR:   # an error may name no peer
            self._by_pair[(local, peer)] = actor
        if peer and data.get(vocab.SEQ) == vocab.CONNECT:
            self._connected[(actor, local)] = peer

    def _peer(self, data: dict) -> str | None:
        local, peer = data.get(vocab.LOCAL), data.get(vocab.TO)
        # The actor at the other end of this very connection; else (a client that
        # talks while it waits in the listen() queue, not accepted yet, or a
        # refused connect) the actor that has acted from that address.
        return self._by_pair.get((peer, local)) or self._by_address.get(peer)

    def _joined(self, data: dict, last_chance: bool) -> dict | None:
        """The arrow between parties, or None while its peer is not known."""
        actor, peer_address = str(data.get(vocab.FROM)), data.get(vocab.TO)
        if not peer_address:
            # A connection the peer has reset has no peer address any more; a
            # client's socket still goes to the server it connected to.
            peer_address = self._connected.get((actor, data.get(vocab.LOCAL)))
            if peer_address:
                data = {**data, vocab.TO: peer_address}
        if not peer_address:
            peer = actor           # no peer: the actor acts on its own socket (a loop)
        else:
            peer = self._peer(data)
            if peer is None and not last_chance:
                return None
            peer = peer or peer_address
        arrow = dict(data)
        if data.get(vocab.SEQ) == vocab.RECV:   # drawn as the bytes go: peer -> reader
            arrow[vocab.FROM], arrow[vocab.TO] = peer, actor
        else:
            arrow[vocab.FROM], arrow[vocab.TO] = actor, peer
        return arrow


class SocketsTab(LessonTab):
    def __init__(self, master, app, lesson, **kw):
        self.run_error: str | None = None
        self.address: tuple[str, int] | None = None   # where this run's server is bound
        self.listened = False                            # and whether it listened there
        self.parties = Parties()
        super().__init__(master, app, lesson, **kw)

    # -- building -----------------------------------------------------------------
    def create_extra(self, parent):
        frame = ttk.Frame(parent)
        info = ttk.Frame(frame)
        info.pack(fill="x", pady=(0, 4))
        self.address_label = WrapLabel(info, text="Server address: not started yet")
        self.address_label.pack(anchor="w", fill="x")
        # Shown only when they have something to say (see show_message).
        self.warning_label = WrapLabel(info, text="", bootstyle="danger")
        self.problem_label = WrapLabel(info, text="", bootstyle="danger")
        self.diagram = SeqDiagram(frame, colors=self.colors)
        self.diagram.pack(fill="both", expand=True)
        return frame

    def show_message(self, label, text: str) -> None:
        label.configure(text=text)
        if text and label is self.warning_label:
            label.pack(anchor="w", fill="x", after=self.address_label)
        elif text:
            label.pack(anchor="w", fill="x")
        else:
            label.pack_forget()

    # -- a run ----------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        self.run_error = None
        self.address, self.listened = None, False
        self.parties = Parties()
        clients = [f"client-{i}" for i in range(1, run.params.clients + 1)]
        self.diagram.reset(["server", *clients])   # the threads the program names
        self.address_label.configure(text="Server address: binding…", bootstyle="default")
        self.show_message(self.problem_label, "")
        self.show_message(self.warning_label, "")

    def on_events(self, events: list) -> None:
        self.diagram.add_arrows(self.parties.add(events))
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            if vocab.ADDRESS in data and event.kind == vocab.PROBE:
                self.show_address(tuple(data[vocab.ADDRESS]), listening=False)
            elif data.get(vocab.LISTENING) and self.address is not None:
                self.show_address(self.address, listening=True)
            elif event.kind == vocab.OUTPUT and data.get(vocab.STREAM) == vocab.STDERR:
                self.run_error = event.text        # a program says why it fails on stderr
            elif event.kind == vocab.ERROR and not self.run_error and event.text.strip():
                self.run_error = event.text.strip().splitlines()[0]   # "ValueError: ..."
            elif event.kind == vocab.DONE:
                self.diagram.add_arrows(self.parties.flush())
        super().on_events(events)   # last: it may finish the run

    def show_address(self, address: tuple[str, int], listening: bool) -> None:
        self.address, self.listened = address, listening
        host, port = address
        reach = "this computer only" if is_loopback(host) else "other machines too"
        how = f"listening; {reach}" if listening else "bound"
        self.address_label.configure(text=f"Server address: {host}:{port} ({how})",
                                     bootstyle="info")
        self.show_message(self.warning_label,
                          "" if is_loopback(host) else EXPOSED_WARNING.format(host=host))

    def finish(self, event) -> None:
        super().finish(event)
        self.show_server_closed()
        if self.last_status == vocab.FAILED and self.run_error:
            self.show_message(self.problem_label, self.run_error)
            self.set_state(DONE, f"Failed: {self.run_error}", "danger")
        elif self.last_result and not self.killed:
            ok, clients = self.last_result[vocab.REPLIES_OK], self.last_result[vocab.CLIENTS]
            word = "Finished" if self.last_status == vocab.OK else "Stopped"
            self.set_state(DONE, f"{word}: {ok} of {clients} replies equal their requests.",
                           "success" if ok == clients else "warning")

    def show_server_closed(self) -> None:
        """The run is over, and its server socket with it: no longer "listening"."""
        if self.address is None:
            text = "Server address: none (the server never got an address)"
        else:
            host, port = self.address
            how = "it listened until the run ended" if self.listened \
                else "it was bound, but nobody listened"
            text = f"Server address: {host}:{port} (closed: {how})"
        self.address_label.configure(text=text, bootstyle="secondary")
