"""The Sockets tab: the lesson plus a live sequence diagram of the conversation.

Above the diagram a line shows where the server listens (the port the OS
picked when the port is 0), a warning whenever the host is 0.0.0.0 (shown as
soon as it is chosen in the form, before anything runs), and what went wrong
when a run fails, such as a busy port.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import DONE, LessonTab
from ..widgets.seqdiagram import SeqDiagram
from ..widgets.wraplabel import WrapLabel

ALL_INTERFACES = "0.0.0.0"
EXPOSED_WARNING = ("⚠ Host 0.0.0.0 listens on every network interface: other machines "
                   "on your network can connect to this server. Choose 127.0.0.1 to keep "
                   "it on this computer.")


class SocketsTab(LessonTab):
    def __init__(self, master, app, lesson, **kw):
        self.run_error: str | None = None
        self.address: tuple[str, int] | None = None   # where this run's server is bound
        self.listened = False                            # and whether it listened there
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
        host = self.form.vars["host"]
        host.trace_add("write", lambda *_: self.show_host_warning(host.get()))
        self.show_host_warning(host.get())
        return frame

    def show_host_warning(self, host: str) -> None:
        self.show_message(self.warning_label,
                          EXPOSED_WARNING if host == ALL_INTERFACES else "")

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
        clients = [f"client-{i}" for i in range(1, run.params.clients + 1)]
        self.diagram.reset(["server", *clients])
        self.address_label.configure(text="Server address: binding…", bootstyle="default")
        self.show_message(self.problem_label, "")
        self.show_host_warning(run.params.host)

    def on_events(self, events: list) -> None:
        self.diagram.add(events)
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            if event.kind == vocab.STATE and vocab.ADDRESS in data:
                host, port = self.address = tuple(data[vocab.ADDRESS])
                self.listened = bool(data.get(vocab.LISTENING))
                how = "listening" if self.listened else "bound, but nobody listens"
                self.address_label.configure(text=f"Server address: {host}:{port} ({how})",
                                             bootstyle="info")
            elif event.kind == vocab.ERROR and event.actor == "main":
                explained = isinstance(event.data, dict) and event.data.get(vocab.EXPLAINED)
                # an unexpected error reads "TypeName: message"; drop the name
                self.run_error = event.text if explained else event.text.split(": ", 1)[-1]
                self.show_message(self.problem_label, self.run_error)
        super().on_events(events)   # last: it may finish the run

    def finish(self, event) -> None:
        super().finish(event)
        self.show_server_closed()
        if self.last_status == vocab.FAILED and self.run_error:
            self.set_state(DONE, f"Failed: {self.run_error}", "danger")
        elif self.last_result:
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
