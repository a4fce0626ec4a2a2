"""The Find source files tab: progress while it walks, then the table.

Above the log: a progress bar with live counters (folders, rate, processes,
current folder); the smallest or largest files in a sortable, filterable
table with CSV export; a log2 size histogram; and an errors panel ("3
folders could not be read") that expands to the list.

The counters come from the lab's watching, not from the program: each process
of the run that lists folders (``os.scandir``, also inside ``os.walk``) sends
``progress`` events with its own count, a few times a second, and the tab adds
up the latest of each. The table, histogram and problems come from the run's
``result``, what the program's ``main()`` returned.
"""

from __future__ import annotations

from tkinter import filedialog

import ttkbootstrap as ttk

from engine import vocabulary as vocab
from engine.formatting import human_size

from ..lesson_tab import LessonTab
from ..widgets.filetable import FileTable, Row
from ..widgets.histogram import SizeHistogram
from ..widgets.logview import printable
from ..widgets.tips import tip
from ..widgets.wraplabel import WrapLabel

SMALLEST, LARGEST = vocab.SMALLEST, vocab.LARGEST


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def problems_text(result: dict) -> str:
    """'3 folders could not be read, 1 file vanished during the scan', or ''."""
    unreadable = result.get(vocab.UNREADABLE_FOLDERS, 0)
    vanished = result.get(vocab.VANISHED, 0)
    loops = result.get(vocab.LOOPS, 0)
    other = result.get(vocab.ERROR_COUNT, 0) - unreadable - vanished - loops
    parts = []
    if unreadable:
        parts.append(plural(unreadable, "folder", "folders") + " could not be read")
    if vanished:
        parts.append(plural(vanished, "entry", "entries") + " vanished during the scan")
    if loops:
        parts.append(plural(loops, "symlink loop", "symlink loops") + " skipped")
    if other:
        parts.append(plural(other, "other problem", "other problems"))
    return ", ".join(parts)


class ErrorsPanel(ttk.Frame):
    """One line that says what went wrong; click it to see the list."""

    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self.toggle = ttk.Button(self, text="No problems", bootstyle="link",
                                 command=self.toggle_list, state="disabled")
        self.toggle.pack(anchor="w")
        self.list = ttk.Treeview(self, columns=("path", "reason"), show="headings", height=5)
        self.list.heading("path", text="Path", anchor="w")
        self.list.heading("reason", text="Problem", anchor="w")
        self.list.column("path", width=380)
        self.list.column("reason", width=220)
        self.expanded = False
        self.summary = ""

    def show(self, result: dict | None) -> None:
        self.list.delete(*self.list.get_children())
        self.summary = problems_text(result) if result else ""
        if self.expanded:
            self.toggle_list()
        if not self.summary:
            self.toggle.configure(text="No problems" if result else "", state="disabled")
            return
        errors = result.get(vocab.ERRORS, [])
        for path, reason in errors:
            self.list.insert("", "end", values=(printable(path), reason))
        more = result.get(vocab.ERROR_COUNT, 0) - len(errors)
        if more > 0:
            self.list.insert("", "end", values=(f"… {more:,} more not listed", ""))
        self.toggle.configure(text=f"▸ {self.summary}", state="normal")

    def toggle_list(self) -> None:
        self.expanded = not self.expanded
        if self.expanded:
            self.list.pack(fill="both", expand=True)
            self.toggle.configure(text=f"▾ {self.summary}")
        else:
            self.list.pack_forget()
            self.toggle.configure(text=f"▸ {self.summary}")


class FilescanTab(LessonTab):
    SHOW_TIMELINE = False   # one walker and its progress: the table needs the room

    def __init__(self, master, app, lesson, **kw):
        self.result: dict | None = None
        self.walkers: dict[int, int] = {}   # pid -> folders that process has listed
        self.walk_root = ""
        self._filter_id = None
        super().__init__(master, app, lesson, **kw)

    # A scan logs a few lines (the log scrolls, and its pane border can be
    # dragged), and the sizes need only a glance: the table of the top 10 needs
    # the height more, all 10 rows in view in a 700-px-high window.
    LOG_LINES = 2
    HISTOGRAM_HEIGHT = 60

    # -- building -----------------------------------------------------------------------
    def create_layout(self) -> None:
        super().create_layout()
        self.logview._widget.configure(height=self.LOG_LINES)
        self.terminal._widget.configure(height=self.LOG_LINES)

    def create_extra(self, parent):
        frame = ttk.Frame(parent)
        self.create_progress(frame)
        self.create_toolbar(frame)
        # Packed from the bottom up before the table: when the pane is short,
        # the table gives up rows (it scrolls, and its caption says which rows
        # are in view) instead of the message line being cut off.
        bottom = ttk.Frame(frame)
        bottom.pack(side="bottom", fill="x", pady=(4, 0))
        self.histogram = SizeHistogram(bottom, height=self.HISTOGRAM_HEIGHT)
        self.histogram.pack(side="left", fill="both", expand=True)
        self.errors = ErrorsPanel(bottom, padding=(8, 0, 0, 0))
        self.errors.pack(side="left", fill="both", expand=True)
        self.message = WrapLabel(frame, text="")
        self.message.pack(side="bottom", fill="x")
        self.table = FileTable(frame, on_message=self.show_message)
        self.table.pack(fill="both", expand=True)
        return frame

    def create_progress(self, parent) -> None:
        self.progress = ttk.Progressbar(parent, mode="indeterminate", bootstyle="info striped")
        self.progress.pack(fill="x")
        self.counters = WrapLabel(parent, text="Press Run to walk the folder.")
        self.counters.pack(fill="x")
        self.current = WrapLabel(parent, text="", bootstyle="secondary")
        self.current.pack(fill="x")

    def create_toolbar(self, parent) -> None:
        bar = ttk.Frame(parent)
        bar.pack(fill="x", pady=4)
        # Packed first, so that when the bar is short of room (a zoomed
        # window) the filter field gives way, not this button's text.
        self.export_button = ttk.Button(bar, text="Export CSV…", bootstyle="secondary",
                                        command=self.ask_export, state="disabled")
        self.export_button.pack(side="right")
        tip(self.export_button, "Save the rows shown as a CSV file")
        self.view = ttk.StringVar(value=SMALLEST)
        for value, text in ((SMALLEST, "Smallest"), (LARGEST, "Largest")):
            # outline: the unchosen one keeps readable text (the solid style greys it out)
            ttk.Radiobutton(bar, text=text, value=value, variable=self.view,
                            bootstyle="primary outline toolbutton",
                            command=self.show_view).pack(side="left")
        ttk.Label(bar, text="Filter").pack(side="left", padx=(12, 4))
        self.filter_text = ttk.StringVar()
        self.filter_entry = ttk.Entry(bar, textvariable=self.filter_text, width=24)
        self.filter_entry.pack(side="left")
        self.filter_text.trace_add("write", lambda *_: self._filter_soon())
        self._filter_id = None
        self.summary = WrapLabel(parent, text="")
        self.summary.pack(fill="x")

    # -- a run ---------------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        self.result = None
        self.walkers = {}
        self.table.set_rows([], "")
        self.histogram.show([])
        self.errors.show(None)
        self.summary.configure(text="")
        self.show_message("")
        self.export_button.configure(state="disabled")
        self.counters.configure(text="Walking…")
        self.walk_root = printable(run.params.root)
        self.current.configure(text=self.walk_root)
        self.progress.configure(mode="indeterminate", value=0)
        self.progress.start(40)

    def on_events(self, events: list) -> None:
        progress = [e for e in events if e.kind == vocab.PROGRESS]
        for event in progress:
            self.walkers[event.pid] = event.data[vocab.FOLDERS]
        if progress:            # drawn once per tick, from the latest
            self.show_progress(progress[-1])
        for event in events:
            if event.kind == vocab.RESULT:
                self.show_scan(event.data)
        super().on_events(events)   # last: it may finish the run

    def show_progress(self, latest) -> None:
        """The folders listed by every process of the run so far, how fast, and where
        the latest report came from."""
        folders = sum(self.walkers.values())
        walkers = plural(len(self.walkers), "process", "processes")
        rate = folders / latest.t if latest.t > 0 else 0.0
        self.counters.configure(
            text=f"{folders:,} folders · {rate:,.0f} folders/s · {walkers}")
        folder = latest.data.get(vocab.FOLDER)
        if folder:
            self.current.configure(text=printable(folder))

    def show_scan(self, result: dict) -> None:
        self.result = result
        self.summary.configure(
            text=f"{result[vocab.COUNT]:,} files, {human_size(result[vocab.BYTES])}, "
                 f"{result[vocab.FOLDERS]:,} folders, {result[vocab.ELAPSED]:.2f} s")
        self.histogram.show(result.get(vocab.HISTOGRAM, []))
        self.errors.show(result)
        self.show_view()
        self.export_button.configure(state="normal")

    def finish(self, event) -> None:
        self.progress.stop()
        self.progress.configure(mode="determinate", value=100)
        self.current.configure(text=self.walk_root)   # what was walked, not where it ended
        if self.result is None:
            self.counters.configure(text="No result: see the log.")
        else:
            self.counters.configure(
                text=f"Done: {self.result[vocab.COUNT]:,} matches in "
                     f"{self.result[vocab.FOLDERS]:,} folders"
                     + ("" if self.result.get(vocab.COMPLETE, True) else " (stopped early)"))
        super().finish(event)

    # -- the table -------------------------------------------------------------------------
    def show_view(self) -> None:
        """Fill the table with the smallest or the largest files of the last result."""
        if self.result is None:
            return
        which = self.view.get()
        pairs = self.result.get(which, [])
        times = (self.result.get(vocab.MODIFIED) or {}).get(which) or [None] * len(pairs)
        rows = [Row(rank, size, path, mtime)
                for rank, ((size, path), mtime) in enumerate(zip(pairs, times, strict=False),
                                                             start=1)]
        self.table.set_rows(rows, f"the {len(rows):,} {which} of "
                                  f"{plural(self.result[vocab.COUNT], 'file', 'files')}")

    def _filter_soon(self) -> None:
        """Filter after a short pause in typing, not on every key."""
        if self._filter_id is not None:
            self.after_cancel(self._filter_id)
        self._filter_id = self.after(150, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_id = None
        self.table.set_filter(self.filter_text.get())

    def ask_export(self) -> str | None:
        """Ask where to save, then write the rows shown there (and only there)."""
        path = filedialog.asksaveasfilename(
            parent=self.winfo_toplevel(), title="Export the table as CSV", defaultextension=".csv",
            initialfile=f"{self.view.get()}-files.csv",
            filetypes=[("CSV files", "*.csv"), ("All files", "*")])
        if not path:
            return None
        try:
            count = self.table.export_csv(path)
        except OSError as exc:
            self.show_message(f"Could not save {path}: {exc.strerror or exc}", "danger")
            return None
        self.show_message(f"Saved {plural(count, 'row', 'rows')} to {path}", "success")
        return path

    def show_message(self, text: str, style: str = "secondary") -> None:
        """The line under the table: what the last action on it did, in full."""
        self.message.configure(text=text, bootstyle=style)

    def shutdown(self, timeout: float = 2.0) -> bool:
        if self._filter_id is not None:
            self.after_cancel(self._filter_id)
            self._filter_id = None
        if self.built:
            self.progress.stop()   # its animation is an after() timer of its own
        return super().shutdown(timeout)

