"""A sortable, filterable table of files: rank, size, name, folder, modified.

Sizes are kept as integers and shown human-readable, so sorting is numeric.
Paths are kept exactly as the OS gave them (non-UTF-8 bytes surrogate-
escaped) for copying, opening and export, and escaped only for display.
Double-click opens the file's folder in the system file manager; right-click
copies the file's path. Hovering a row shows its full path (the Folder
column is often too narrow for it) and says what the clicks do.

A caption above the rows says what they are ("Showing 4 of 10 rows that
match “init” (the 10 smallest of 20,779 files).") and, when they do not all
fit, a line under them says which are in view ("Rows 1–3 of 4 are in view:
scroll for the rest.").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import NamedTuple

import ttkbootstrap as ttk

from engine.formatting import human_size as human

from .exports import csv_bytes
from .logview import printable
from .wraplabel import WrapLabel

CSV_HEADER = ("rank", "size_bytes", "size", "name", "folder", "modified", "path")


class Row(NamedTuple):
    rank: int
    size: int
    path: str
    modified: float | None

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)


# column id, heading, width, anchor, how to sort (a key on Row)
COLUMNS = (
    ("rank", "#", 50, "e", lambda r: r.rank),
    ("size", "Size", 90, "e", lambda r: (r.size, r.path)),
    ("name", "Name", 200, "w", lambda r: (r.name.lower(), r.path)),
    ("folder", "Folder", 360, "w", lambda r: (r.folder.lower(), r.name)),
    ("modified", "Modified", 130, "w", lambda r: (r.modified or 0.0, r.path)),
)
SORT_KEYS = {c[0]: c[4] for c in COLUMNS}


def modified_text(mtime: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime)) if mtime else ""


def file_manager_command(folder: str) -> list[str] | None:
    """The command that shows ``folder`` in the file manager here, or None."""
    if sys.platform == "darwin":
        return ["open", folder]
    if sys.platform.startswith("win"):
        return ["explorer", folder]
    opener = shutil.which("xdg-open")
    return [opener, folder] if opener else None


class FileTable(ttk.Frame):
    REAP_EVERY_MS = 300
    ROWS_ASKED = 10     # the default top 10 fits whole when the pane has the room
    TIP_DELAY_MS = 400

    def __init__(self, master, on_message: Callable[..., None] | None = None, **kw):
        super().__init__(master, **kw)
        self.on_message = on_message or (lambda text, style="secondary": None)
        self.caption = WrapLabel(self, text="")
        self.caption.grid(row=0, column=0, columnspan=2, sticky="ew")
        self.tree = ttk.Treeview(self, columns=[c[0] for c in COLUMNS], show="headings",
                                 selectmode="browse", height=self.ROWS_ASKED)
        for column, heading, width, anchor, _ in COLUMNS:
            self.tree.heading(column, text=heading, anchor=anchor,
                              command=lambda c=column: self.sort_by(c))
            self.tree.column(column, width=width, anchor=anchor,
                             stretch=column in ("name", "folder"))
        yscroll = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview)
        xscroll = ttk.Scrollbar(self, orient="horizontal", command=self.tree.xview)

        # Shown only while some rows are out of view. It never wraps: if its
        # height followed its text, "Rows 1–10" wrapping where "Rows 1–9" did
        # not would take a row from the table, which changes the text back...
        # (Showing it can only push more rows out of view, and hiding it can
        # only bring more in, so neither flips back.)
        self.in_view = ttk.Label(self, text="")

        def scrolled(first, last) -> None:   # also when a resize changes the rows in view
            yscroll.set(first, last)
            self.update_in_view()
        self.tree.configure(yscrollcommand=scrolled, xscrollcommand=xscroll.set)
        self.tree.grid(row=1, column=0, sticky="nsew")
        yscroll.grid(row=1, column=1, sticky="ns")
        xscroll.grid(row=2, column=0, sticky="ew")
        self.in_view.grid(row=3, column=0, columnspan=2, sticky="ew")
        self.in_view.grid_remove()
        self.rowconfigure(1, weight=1)
        self.columnconfigure(0, weight=1)
        self.tree.bind("<Double-Button-1>", self._on_double_click)
        self.tree.bind("<Button-3>", self._on_right_click)
        self.tree.bind("<Return>", lambda _e: self.open_folder(self.selected()))
        self.tree.bind("<Motion>", self._on_motion, add="+")
        self.tree.bind("<Leave>", lambda _e: self._hover(None), add="+")
        self.hover_row: Row | None = None
        self.hover_tip = RowTip(self.tree, text="", delay=self.TIP_DELAY_MS,
                                wraplength=max(300, self.winfo_screenwidth() // 2))
        self.rows: list[Row] = []
        self.shown: list[Row] = []
        self.items: dict[str, Row] = {}
        self.described_as = ""   # what the rows are, e.g. "the 10 smallest of 20,779 files"
        self.filter_text = ""
        self.sort_column = "rank"
        self.descending = False
        self.launched: list[subprocess.Popen] = []   # file managers not yet reaped
        self._reap_id = None
        self.bind("<Destroy>", self._on_destroy, add="+")

    # -- content ----------------------------------------------------------------------
    def set_rows(self, rows: list[Row], described_as: str = "") -> None:
        """Show ``rows``; ``described_as`` says what they are, for the caption."""
        self.rows = list(rows)
        self.described_as = described_as
        self.refresh()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self.refresh()

    def rows_in_view(self) -> tuple[int, int]:
        """(first, last) of the rows shown that are in view, counted from 1; (0, 0) if none."""
        count = len(self.shown)
        if not count:
            return 0, 0
        top, bottom = self.tree.yview()
        return round(float(top) * count) + 1, round(float(bottom) * count)

    def caption_text(self) -> str:
        """What the rows are, and how many pass the filter."""
        total, count = len(self.rows), len(self.shown)
        if not total:
            return ""
        what = f" ({self.described_as})" if self.described_as else ""
        if not self.filter_text:
            return f"Showing {total} {'row' if total == 1 else 'rows'}{what}."
        if not count:
            return f"No row of {total} matches “{self.filter_text}”{what}."
        return f"Showing {count} of {total} rows that match “{self.filter_text}”{what}."

    def in_view_text(self) -> str:
        """Which rows are in view, when some are not ('' when all are)."""
        count = len(self.shown)
        first, last = self.rows_in_view()
        if not count or (first, last) == (1, count):
            return ""
        return f"Rows {first}–{last} of {count} are in view: scroll for the rest."

    def update_in_view(self) -> None:
        text = self.in_view_text()
        if self.in_view.cget("text") != text:
            self.in_view.configure(text=text)
        if text and not self.in_view.winfo_manager():
            self.in_view.grid()
        elif not text and self.in_view.winfo_manager():
            self.in_view.grid_remove()

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        """Sort on ``column``; the same heading clicked again reverses the order."""
        if descending is None:
            descending = not self.descending if column == self.sort_column else False
        self.sort_column, self.descending = column, descending
        self.refresh()

    def refresh(self) -> None:
        """Show the rows that pass the filter, in the chosen order."""
        wanted = self.filter_text
        rows = [r for r in self.rows if not wanted or wanted in printable(r.path).lower()]
        rows.sort(key=SORT_KEYS[self.sort_column], reverse=self.descending)
        self.shown = rows
        tree = self.tree
        tree.delete(*tree.get_children())
        self.items = {}
        for row in rows:
            item = tree.insert("", "end", values=(
                row.rank, human(row.size), printable(row.name), printable(row.folder),
                modified_text(row.modified)))
            self.items[item] = row
        for column, heading, *_ in COLUMNS:
            mark = (" ▼" if self.descending else " ▲") if column == self.sort_column else ""
            tree.heading(column, text=heading + mark)
        self._hover(None)
        self.caption.configure(text=self.caption_text())
        self.update_in_view()

    def selected(self) -> Row | None:
        chosen = self.tree.selection()
        return self.items.get(chosen[0]) if chosen else None

    def row_at(self, y: int) -> Row | None:
        item = self.tree.identify_row(y)
        if item:
            self.tree.selection_set(item)
            self.tree.focus(item)
        return self.items.get(item)

    # -- hovering: the full path of the row under the pointer ------------------------------
    def _on_motion(self, event) -> None:
        item = self.tree.identify_row(event.y)
        in_rows = self.tree.identify_region(event.x, event.y) == "cell"
        self._hover(self.items.get(item) if in_rows else None)

    def _hover(self, row: Row | None) -> None:
        """Let the tooltip show ``row`` (None: no tooltip)."""
        if row is self.hover_row:
            return
        self.hover_row = row
        tip = self.hover_tip
        tip.configure(text=row_tip(row) if row is not None else "")
        if row is None:
            tip.leave()
        elif tip.toplevel is None:
            tip.schedule()   # the pointer is already inside: no <Enter> will come

    # -- actions --------------------------------------------------------------------------
    def _on_double_click(self, event) -> str | None:
        if self.tree.identify_region(event.x, event.y) == "heading":
            return None
        row = self.row_at(event.y)
        if row is not None:
            self.open_folder(row)
        return "break"

    def _on_right_click(self, event) -> str:
        row = self.row_at(event.y)
        if row is not None:
            self.copy_path(row)
        return "break"

    def copy_path(self, row: Row) -> None:
        self.clipboard_clear()
        self.clipboard_append(printable(row.path))
        self.on_message(f"Copied the path of {printable(row.name)} to the clipboard: "
                        f"{printable(row.path)}", "success")

    def open_folder(self, row: Row | None) -> bool:
        """Show the row's folder in the system file manager; say so if there is none."""
        if row is None:
            return False
        folder = row.folder
        command = file_manager_command(folder)
        if command is None:
            self.on_message("No program to open folders was found (xdg-open is not "
                            f"installed). The folder is {printable(folder)}", "danger")
            return False
        try:
            if sys.platform.startswith("win"):
                os.startfile(folder)  # type: ignore[attr-defined]  # noqa: S606
            else:
                self.launched.append(subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True))
                self._schedule_reap()
        except OSError as exc:
            self.on_message(f"Could not open {printable(folder)}: {exc.strerror or exc}",
                            "danger")
            return False
        self.on_message(f"Opening {printable(folder)} in the file manager…", "success")
        return True

    def _schedule_reap(self) -> None:
        if self._reap_id is None:
            self._reap_id = self.after(self.REAP_EVERY_MS, self._reap)

    def _reap(self) -> None:
        """Collect file-manager launchers that have ended, so no zombie remains."""
        self._reap_id = None
        self.launched = [p for p in self.launched if p.poll() is None]
        if self.launched:
            self._schedule_reap()

    def _on_destroy(self, event) -> None:
        if event.widget is not self:
            return
        if self._reap_id is not None:
            self.after_cancel(self._reap_id)
            self._reap_id = None
        for process in self.launched:
            try:
                process.wait(0.5)
            except subprocess.TimeoutExpired:
                pass   # a file manager keeps running on its own; it is not ours to end

    def export_csv(self, path: str) -> int:
        """Write the rows shown (filtered, in their order) to ``path``; returns how many.

        The file is safe to open in a spreadsheet and valid UTF-8 (see csv_bytes).
        """
        data = csv_bytes(CSV_HEADER, ([row.rank, row.size, human(row.size), row.name,
                                       row.folder, modified_text(row.modified), row.path]
                                      for row in self.shown))
        with open(path, "wb") as f:
            f.write(data)
        return len(self.shown)


class RowTip(ttk.ToolTip):
    """A tooltip whose text follows the row under the pointer, and none between rows.

    (One tip for the table's life: ToolTip.destroy() unbinds every handler of
    <Motion> and <Leave> on the tree, ours too, as tkinter's unbind does.)
    """

    def show_tip(self, *args) -> None:
        if self.text:
            super().show_tip(*args)


def row_tip(row: Row) -> str:
    """The tooltip of a row: its full path, its size, and what the clicks do."""
    return (f"{printable(row.path)}\n{human(row.size)} · double-click: open its folder"
            " · right-click: copy the path")


def demo(parent) -> FileTable:
    """The Python files of gui/ itself, largest first (real files: the folder opens)."""
    from pathlib import Path
    gui_dir = Path(__file__).resolve().parent.parent
    paths = sorted(gui_dir.rglob("*.py"), key=lambda p: p.stat().st_size, reverse=True)
    rows = [Row(rank, path.stat().st_size, str(path), path.stat().st_mtime)
            for rank, path in enumerate(paths, start=1)]
    table = FileTable(parent, on_message=print)
    table.set_rows(rows)
    return table


if __name__ == "__main__":
    from .demo import run
    run(demo, "File table")
