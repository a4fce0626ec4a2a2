"""The Pipes tab: each write of the child beside each read of the parent.

Drawn only from the lab's probes (``engine/lab/probes.py``), never from what
the program prints: the ``os.pipe`` probe names the pipe's two descriptors;
each ``os.write`` to its write end (made in the forked child, actor
"child pid N") is a row on the left, each ``os.read`` from its read end (in
the parent) a row on the right, with the bytes it carried. Ten writes beside
three reads show messages merging and splitting at a glance. Under each list
is its byte total: once the child has closed its end and the parent has read
to the end of file, the two are equal, and the line above the lists says so.

Only the pipe counts. The probes report every ``os.read`` and ``os.write`` a
line of the program makes, so a call on another descriptor (``os.write(1,
...)``) is left out, by descriptor. Each lab process sends its events on its
own connection, so the child's first write may arrive before the parent's
``os.pipe`` event: until the descriptors are known, reads and writes wait.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import LessonTab
from ..widgets.wraplabel import WrapLabel

PIPE, WRITE, READ = "os.pipe", "os.write", "os.read"
COLUMNS = (  # id, heading, width, anchor, stretch
    ("n", "#", 30, "e", False),
    ("size", "Bytes", 54, "e", False),
    ("text", "As text", 130, "w", True),   # 16 bytes of text; wider when there is room
)


def as_text(chunk: str) -> str:
    """A chunk as it would be typed between b'...': a newline shows as \\n.

    The probe already wrote undecodable bytes as \\xNN; only characters a
    table cell cannot show are escaped here."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in chunk)


def counted(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ChunkList(ttk.Frame):
    """One end of the pipe: a row per call, and the count and bytes under it."""

    def __init__(self, master, title: str, call_word: str) -> None:
        super().__init__(master)
        self.title = title
        self.call_word = call_word      # "write" or "read"
        self.heading = WrapLabel(self, text=title)
        self.heading.pack(fill="x")
        body = ttk.Frame(self)
        body.pack(fill="both", expand=True)
        self.tree = ttk.Treeview(body, columns=[c[0] for c in COLUMNS], show="headings",
                                 height=6)
        for name, text, width, anchor, stretch in COLUMNS:
            self.tree.heading(name, text=text, anchor=anchor)
            self.tree.column(name, width=width, anchor=anchor, stretch=stretch)
        scroll = ttk.Scrollbar(body, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.tree.pack(side="left", fill="both", expand=True)
        self.total_label = ttk.Label(self, text="")
        self.total_label.pack(anchor="w")
        self.clear()

    def clear(self) -> None:
        self.tree.delete(*self.tree.get_children())
        self.heading.configure(text=self.title)
        self.calls = 0          # calls that carried bytes (an end-of-file read carries none)
        self.total = 0          # bytes they carried
        self.actor: str | None = None
        self.show_total()

    def add(self, actor: str, size: int, chunk: str) -> str:
        """A row for one call; returns its item id."""
        if self.actor is None:
            self.actor = actor
            self.heading.configure(text=f"{self.title}, {actor}")
        if size == 0:   # what os.read returns once every write end is closed
            return self.tree.insert("", "end", values=("", 0, "b'' (end of file)"))
        self.calls += 1
        self.total += size
        self.show_total()
        return self.tree.insert("", "end", values=(self.calls, size, as_text(chunk)))

    def show_total(self) -> None:
        self.total_label.configure(
            text=f"{counted(self.calls, self.call_word)}, {self.total} bytes")

    def rows(self) -> list[tuple]:
        """The list as shown: (number, bytes, text) per row, as strings."""
        return [tuple(str(v) for v in self.tree.item(i, "values"))
                for i in self.tree.get_children()]


class PipesTab(LessonTab):
    # -- building -----------------------------------------------------------------
    def create_extra(self, parent):
        frame = ttk.Labelframe(parent, text="The pipe: what each write put in, what each "
                                            "read took out", padding=4)
        self.summary = WrapLabel(frame, text="No writes or reads yet.")
        self.summary.pack(fill="x", pady=(0, 4))
        ends = ttk.Frame(frame)
        ends.pack(fill="both", expand=True)
        self.writes = ChunkList(ends, "os.write", "write")
        self.reads = ChunkList(ends, "os.read", "read")
        self.writes.grid(row=0, column=0, sticky="nsew", padx=(0, 4))
        self.reads.grid(row=0, column=1, sticky="nsew", padx=(4, 0))
        ends.columnconfigure(0, weight=1, uniform="ends")
        ends.columnconfigure(1, weight=1, uniform="ends")
        ends.rowconfigure(0, weight=1)
        self.reset_pipe()
        return frame

    def reset_pipe(self) -> None:
        self.fds: tuple[int, int] | None = None   # (read end, write end) of this run's pipe
        self.waiting: list = []                   # reads and writes before the fds were known
        self.writes.clear()
        self.reads.clear()

    def totals(self) -> tuple[int, int]:
        """(bytes written, bytes read), as the lists show them."""
        return self.writes.total, self.reads.total

    # -- a run ----------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        self.reset_pipe()
        self.summary.configure(text="Waiting for the pipe…", bootstyle="default")

    def on_events(self, events: list) -> None:
        last = {}
        for event in events:
            data = event.data
            if event.kind != vocab.PROBE or not isinstance(data, dict):
                continue
            call = data.get(vocab.CALL)
            if call == PIPE and self.fds is None:
                self.fds = tuple(data[vocab.FDS])
                for early in self.waiting:
                    self.take(early, last)
                self.waiting = []
            elif call in (WRITE, READ):
                if self.fds is None:
                    self.waiting.append(event)
                else:
                    self.take(event, last)
        for chunks, item in last.items():
            chunks.tree.see(item)
        ended = any(event.kind == vocab.DONE for event in events)
        if last or ended:
            self.show_summary(ended)
        super().on_events(events)   # last: it may finish the run

    def take(self, event, last: dict) -> None:
        """A row for a write to the pipe's write end or a read from its read end."""
        data = event.data
        read_end, write_end = self.fds
        call, fd = data[vocab.CALL], data.get(vocab.FD)
        if call == WRITE and fd == write_end:
            chunks = self.writes
        elif call == READ and fd == read_end:
            chunks = self.reads
        else:
            return   # another descriptor: not this pipe
        last[chunks] = chunks.add(event.actor, data[vocab.BYTES], data[vocab.CHUNK])

    def show_summary(self, ended: bool) -> None:
        written, read = self.totals()
        wrote = self.writes.total_label.cget("text")   # "10 writes, 60 bytes"
        took = self.reads.total_label.cget("text")
        if not ended:
            text, style = f"So far: {wrote} in; {took} out.", "default"
        elif written == read:
            text, style = (f"Equal: the child wrote {written} bytes in "
                           f"{counted(self.writes.calls, 'write')}, the parent read all "
                           f"{read} in {counted(self.reads.calls, 'read')}."), "success"
        else:
            text, style = (f"Not equal: {wrote} written, {took} read. The run ended "
                           "before the reader reached the end of the pipe."), "danger"
        self.summary.configure(text=text, bootstyle=style)
