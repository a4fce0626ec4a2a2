"""A sortable, filterable table of files: rank, size, name, folder, modified.

Sizes are kept as integers and shown human-readable, so sorting is numeric.
Paths are kept exactly as the OS gave them (non-UTF-8 bytes surrogate-
escaped) for copying, opening and export, and escaped only for display.
Double-click opens the file's folder in the system file manager; right-click
copies the file's path.
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

from engine.lessons.filescan import human

from .exports import csv_bytes
from .logview import printable

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

    def __init__(self, master, on_message: Callable[[str], None] | None = None, **kw):
        super().__init__(master, **kw)
        self.on_message = on_message or (lambda text: None)
        self.tree = ttk.Treeview(self, columns=[c[0] for c in COLUMNS], show="headings",
                                 selectmode="browse", height=8)
        for column, heading, width, anchor, _ in COLUMNS:
            self.tree.heading(column, text=heading, anchor=anchor,
                              command=lambda c=column: self.sort_by(c))
            self.tree.column(column, width=width, anchor=anchor,
                             stretch=column in ("name", "folder"))
        yscroll = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview)
        xscroll = ttk.Scrollbar(self, orient="horizontal", command=self.tree.xview)
        self.tree.configure(yscrollcommand=yscroll.set, xscrollcommand=xscroll.set)
        self.tree.grid(row=0, column=0, sticky="nsew")
        yscroll.grid(row=0, column=1, sticky="ns")
        xscroll.grid(row=1, column=0, sticky="ew")
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        self.tree.bind("<Double-Button-1>", self._on_double_click)
        self.tree.bind("<Button-3>", self._on_right_click)
        self.tree.bind("<Return>", lambda _e: self.open_folder(self.selected()))
        self.rows: list[Row] = []
        self.shown: list[Row] = []
        self.items: dict[str, Row] = {}
        self.filter_text = ""
        self.sort_column = "rank"
        self.descending = False
        self.launched: list[subprocess.Popen] = []   # file managers not yet reaped
        self._reap_id = None
        self.bind("<Destroy>", self._on_destroy, add="+")

    # -- content ----------------------------------------------------------------------
    def set_rows(self, rows: list[Row]) -> None:
        self.rows = list(rows)
        self.refresh()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self.refresh()

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

    def selected(self) -> Row | None:
        chosen = self.tree.selection()
        return self.items.get(chosen[0]) if chosen else None

    def row_at(self, y: int) -> Row | None:
        item = self.tree.identify_row(y)
        if item:
            self.tree.selection_set(item)
            self.tree.focus(item)
        return self.items.get(item)

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
        self.on_message(f"Copied {printable(row.path)} to the clipboard.")

    def open_folder(self, row: Row | None) -> bool:
        """Show the row's folder in the system file manager; say so if there is none."""
        if row is None:
            return False
        folder = row.folder
        command = file_manager_command(folder)
        if command is None:
            self.on_message("No program to open folders was found (xdg-open is not "
                            f"installed). The folder is {printable(folder)}")
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
            self.on_message(f"Could not open {printable(folder)}: {exc.strerror or exc}")
            return False
        self.on_message(f"Opening {printable(folder)} in the file manager…")
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
