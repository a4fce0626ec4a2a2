"""The Pipes tab: the lesson plus a table of every chunk the parent read.

One row per ``os.read``: how many bytes it returned, the bytes as text and as
byte values. Messages that merged into one read, or split across two, show
at a glance.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import LessonTab

COLUMNS = (  # id, heading, width, anchor, stretch
    ("read", "Read", 50, "e", False),
    ("size", "Bytes", 55, "e", False),
    ("text", "As text", 270, "w", False),   # wide enough for 32 bytes of text
    ("values", "Byte values (hex)", 300, "w", True),
)


def as_text(chunk: bytes) -> str:
    """The bytes as a learner would type them: b'Spam 1\\n' shows as Spam 1\\n."""
    return repr(bytes(chunk))[2:-1]


def byte_values(chunk: bytes) -> str:
    return " ".join(f"{b:02x}" for b in chunk)


class PipesTab(LessonTab):
    # -- building -----------------------------------------------------------------
    def create_extra(self, parent):
        frame = ttk.Labelframe(parent, text="What each read returned", padding=4)
        self.summary = ttk.Label(frame, text="No reads yet.")
        self.summary.pack(anchor="w", pady=(0, 4))
        body = ttk.Frame(frame)
        body.pack(fill="both", expand=True)
        self.chunks = ttk.Treeview(body, columns=[c[0] for c in COLUMNS], show="headings",
                                   height=6)
        for name, title, width, anchor, stretch in COLUMNS:
            self.chunks.heading(name, text=title, anchor=anchor)
            self.chunks.column(name, width=width, anchor=anchor, stretch=stretch)
        scroll = ttk.Scrollbar(body, orient="vertical", command=self.chunks.yview)
        self.chunks.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.chunks.pack(side="left", fill="both", expand=True)
        return frame

    def rows(self) -> list[tuple]:
        """The table as shown: (read, size, text, byte values) per row."""
        return [tuple(self.chunks.item(i, "values")) for i in self.chunks.get_children()]

    # -- a run ----------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        self.chunks.delete(*self.chunks.get_children())
        self.summary.configure(text="Waiting for the first read…")

    def on_events(self, events: list) -> None:
        last, finished = None, False
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            if vocab.CHUNK in data:
                chunk = data[vocab.CHUNK]
                last = self.chunks.insert("", "end", values=(
                    data[vocab.READ], len(chunk), as_text(chunk), byte_values(chunk)))
            elif event.kind == vocab.RESULT and vocab.BYTES_READ in data:
                finished = True
                written = data[vocab.BYTES_WRITTEN]
                self.summary.configure(text=(
                    f"{'?' if written is None else written} bytes written, "
                    f"{data[vocab.BYTES_READ]} read in {data[vocab.READS]} reads."))
        if last is not None:
            self.chunks.see(last)
            if self.state == "running" and not finished:   # the result says it all
                reads = len(self.chunks.get_children())
                self.summary.configure(text=f"{reads} read{'s' if reads != 1 else ''} so far…")
        super().on_events(events)   # last: it may finish the run
