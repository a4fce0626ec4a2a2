"""The About box (versions, where the settings live) and the F1 help.

``show_about(app)`` and ``show_help(app)`` open a small dialog over the
window; Close, Escape or Enter closes it. Both texts are also plain strings
(``about_text(app)``, ``help_text()``) for copying or printing.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
import tkinter as tk

import ttkbootstrap as ttk

from . import __version__
from .scaling import ui_factor
from .settings import config_dir

BLURB = ("PySysLab teaches Python system programming by running it: threads and "
         "locks, queues, processes, pipes, signals and sockets. Each lesson runs for "
         "real while you watch what every actor says, when it acts, and which line "
         "of its code is acting.")

#: (keys, what they do), shown by F1 and in the menus' accelerators.
SHORTCUTS = [
    ("F5 or Ctrl+R", "Run the lesson"),
    ("Esc", "Stop the run"),
    ("F10", "Step: the next ready actor, in turn, runs one line"),
    ("1-9", "Step: the actor of that number runs one line"),
    ("Ctrl+Plus / Ctrl+Minus", "Bigger / smaller text"),
    ("Ctrl+0", "Normal text size"),
    ("Ctrl+Tab", "Next lesson"),
    ("Ctrl+Shift+Tab", "Previous lesson"),
    ("Ctrl+T", "Log or terminal output"),
    ("Ctrl+S", "Save the log"),
    ("Ctrl+D", "Light or dark theme"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit (every run is stopped first)"),
]

HOW_TO = [
    ("Pick a lesson", "Each tab is one lesson. The text on the left explains what it "
     "shows; the pane on the right is the very code that runs."),
    ("Run it", "Set the parameters (hover over one for a hint) and press Run. The log "
     "lists what each thread or process says, the timeline shows when each one acts, "
     "and the code pane marks the line each actor is at, in its colour. The Terminal "
     "page beside the log (Ctrl+T) shows the output as a terminal would, garbled "
     "lines and all."),
    ("Look closer", "Click an event in the log or on the timeline to jump to the line "
     "that made it. Switch on Step to pause every actor at each event, then press Next "
     "to let one event through or Continue to let the run go on."),
    ("Slow down or speed up", "The speed slider scales every deliberate pause, from "
     "0.1x to 10x, even while a lesson runs."),
    ("Stop", "Stop ends the run at once: every thread and process it started is "
     "ended and waited for, so nothing is left behind."),
    ("Keep a record", "The File menu saves the run's log as text and its timeline as "
     "a PNG picture."),
]


def app_version() -> str:
    """PySysLab's version: the installed package's, else the one built in."""
    try:
        return importlib.metadata.version("pysyslab")
    except importlib.metadata.PackageNotFoundError:
        return __version__


def settings_path(app=None) -> str:
    settings = getattr(app, "settings", None)
    path = getattr(settings, "path", None)
    return str(path if path is not None else config_dir() / "settings.json")


def _library_version(module, name: str) -> str:
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def about_rows(app) -> list[tuple[str, str]]:
    """(what, value) for the About box."""
    import PIL
    frozen = " (standalone executable)" if getattr(sys, "frozen", False) else ""
    return [
        ("PySysLab", app_version() + frozen),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Tk / Tcl", f"{app.tk.call('set', 'tk_patchLevel')} / "
                     f"{app.tk.call('info', 'patchlevel')}"),
        ("ttkbootstrap", _library_version(ttk, "ttkbootstrap")),
        ("Pillow", _library_version(PIL, "pillow")),
        ("System", platform.platform(terse=True)),
        ("Settings file", settings_path(app)),
    ]


def about_text(app) -> str:
    rows = about_rows(app)
    width = max(len(name) for name, _ in rows)
    return "\n".join([BLURB, ""] + [f"{name:<{width}}  {value}" for name, value in rows])


def help_text() -> str:
    width = max(len(keys) for keys, _ in SHORTCUTS)
    lines = ["Keyboard shortcuts", ""]
    lines += [f"  {keys:<{width}}  {action}" for keys, action in SHORTCUTS]
    lines += ["", "How to use PySysLab", ""]
    for heading, words in HOW_TO:
        lines += [f"{heading}: {words}", ""]
    return "\n".join(lines).rstrip() + "\n"


class InfoDialog(ttk.Dialog):
    """Sections of text and two-column tables, side by side in columns, then
    Close (and Copy).

    Each column is a list of (heading, content): a str content is a
    paragraph, a list of (name, value) pairs is a table. An empty heading
    shows none. Paragraphs wrap at ``wrap`` pixels (at 100% on a 96-dpi
    screen: scaled to the zoom and DPI of the day).
    """

    def __init__(self, parent, title: str, columns: list[list[tuple[str, str | list]]],
                 copy_text: str | None = None, wrap: int = 540):
        super().__init__(parent, title)
        self.columns = columns
        self.copy_text = copy_text
        self.wrap = round(wrap * ui_factor(parent))
        self.value_labels: dict[str, ttk.Label] = {}   # a table's values by name
        self.close_button: ttk.Button | None = None
        self.copy_button: ttk.Button | None = None

    @property
    def window(self) -> tk.Toplevel | None:
        return self._toplevel

    def create_body(self, master) -> None:
        body = ttk.Frame(master, padding=(20, 14, 20, 8))
        body.pack(fill="both", expand=True)
        for index, sections in enumerate(self.columns):
            column = ttk.Frame(body)
            column.pack(side="left", fill="y", anchor="n", padx=(0 if index == 0 else 24, 0))
            for heading, content in sections:
                if heading:
                    ttk.Label(column, text=heading, font="TkHeadingFont").pack(
                        anchor="w", pady=(8, 2))
                if isinstance(content, str):
                    if not content:
                        continue
                    ttk.Label(column, text=content, wraplength=self.wrap,
                              justify="left").pack(anchor="w", pady=(0, 4))
                else:
                    self._create_table(column, content)

    def _create_table(self, body, rows: list[tuple[str, str]]) -> None:
        table = ttk.Frame(body)
        table.pack(anchor="w", fill="x", pady=(2, 4))
        for row, (name, value) in enumerate(rows):
            ttk.Label(table, text=name, bootstyle="secondary").grid(
                row=row, column=0, sticky="nw", padx=(0, 16), pady=1)
            label = ttk.Label(table, text=value, wraplength=max(200, self.wrap - 160),
                              justify="left")
            label.grid(row=row, column=1, sticky="nw", pady=1)
            self.value_labels[name] = label

    def create_buttonbox(self, master) -> None:
        ttk.Separator(master).pack(fill="x")
        box = ttk.Frame(master, padding=(10, 8))
        box.pack(side="bottom", fill="x")
        self.close_button = ttk.Button(box, text="Close", bootstyle="primary",
                                       command=self.close)
        self.close_button.pack(side="right", padx=2)
        if self.copy_text is not None:
            self.copy_button = ttk.Button(box, text="Copy", bootstyle="secondary",
                                          command=self.copy)
            self.copy_button.pack(side="right", padx=2)
        self.close_button.bind("<Return>", lambda _e: self.close())
        self._initial_focus = self.close_button

    def copy(self) -> None:
        """Put the dialog's text on the clipboard (for a bug report, say)."""
        self._toplevel.clipboard_clear()
        self._toplevel.clipboard_append(self.copy_text or "")


def show_about(app, wait: bool = True) -> InfoDialog:
    """The About box. With ``wait`` it is modal and returns once closed."""
    dialog = InfoDialog(app, "About PySysLab",
                        [[("PySysLab", BLURB), ("", about_rows(app))]],
                        copy_text=about_text(app))
    dialog.show(wait_for_result=wait)
    return dialog


def show_help(app, wait: bool = True) -> InfoDialog:
    """The F1 help: the keyboard shortcuts, then how to use the app."""
    columns = [[("Keyboard shortcuts", SHORTCUTS)], [("How to use PySysLab", "")] + HOW_TO]
    dialog = InfoDialog(app, "PySysLab help", columns, copy_text=help_text(), wrap=400)
    dialog.show(wait_for_result=wait)
    return dialog
