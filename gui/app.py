"""The PySysLab window: a tab per lesson, a menu, a status bar, and the pump."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tkinter as tk

import ttkbootstrap as ttk

from engine import catalog

from .firstdraw import report_first_draw
from .pump import EventPump
from .resources import window_icon_files
from .tabs import tab_class

log = logging.getLogger(__name__)

TITLE = "PySysLab"
LIGHT, DARK = "bootstrap-light", "bootstrap-dark"


class App(ttk.App):
    """The only Tk root of the program."""

    def __init__(self, theme: str = LIGHT):
        super().__init__(title=TITLE, theme=theme, size=(1260, 740), minsize=(900, 600),
                         iconphoto=None)  # ours, below
        self.set_icon()
        self.speed = 1.0
        self.closed = False
        self._signalled: int | None = None
        self.pump = EventPump(self)
        self.pump.add_hook(self._check_signals)
        self.create_menu()
        self.create_statusbar()
        self.create_notebook()
        self.create_shortcuts()
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.pump.start()

    # -- building -----------------------------------------------------------------
    def set_icon(self) -> None:
        """Our icon (assets/), in several sizes: the window manager picks the best fit."""
        try:
            self._icons = [tk.PhotoImage(master=self, file=str(p)) for p in window_icon_files()]
            self.iconphoto(True, *self._icons)
        except tk.TclError as exc:
            log.warning("no window icon: %s", exc)

    def create_menu(self) -> None:
        menubar = tk.Menu(self)
        file_menu = tk.Menu(menubar, tearoff=False)
        file_menu.add_command(label="Quit", accelerator="Ctrl+Q", command=self.close)
        view_menu = tk.Menu(menubar, tearoff=False)
        view_menu.add_command(label="Toggle light/dark", accelerator="Ctrl+D",
                              command=self.toggle_dark)
        menubar.add_cascade(label="File", menu=file_menu)
        menubar.add_cascade(label="View", menu=view_menu)
        self.configure(menu=menubar)
        self.menubar = menubar

    def create_statusbar(self) -> None:
        bar = ttk.Frame(self, padding=(8, 2))
        bar.pack(side="bottom", fill="x")
        self.status = ttk.Label(bar, text="Ready")
        self.status.pack(side="left")
        self.theme_button = ttk.Checkbutton(bar, text="Dark", bootstyle="round-toggle",
                                            command=self.toggle_dark)
        self.theme_button.pack(side="right")

    def create_notebook(self) -> None:
        self.notebook = ttk.Notebook(self)
        self.notebook.pack(fill="both", expand=True, padx=6, pady=(6, 0))
        self.tabs = {}
        for lesson in catalog.lessons():
            tab = tab_class(lesson.id)(self.notebook, self, lesson)
            self.notebook.add(tab, text=lesson.title)
            self.tabs[lesson.id] = tab

    def create_shortcuts(self) -> None:
        self.bind_all("<F5>", lambda e: self.current_tab().start_run())
        self.bind_all("<Control-r>", lambda e: self.current_tab().start_run())
        self.bind_all("<Escape>", lambda e: self.current_tab().stop_run())
        self.bind_all("<Control-q>", lambda e: self.close())
        self.bind_all("<Control-d>", lambda e: self.toggle_dark())

    # -- behaviour ----------------------------------------------------------------
    def current_tab(self):
        return self.nametowidget(self.notebook.select())

    def select(self, lesson_id: str):
        tab = self.tabs[lesson_id]
        self.notebook.select(tab)
        return tab

    def show_status(self, text: str) -> None:
        self.status.configure(text=text)

    def toggle_dark(self) -> None:
        self.toggle_theme()
        self.theme_button.state(["selected" if self.theme_mode == "dark" else "!selected"])

    def close(self) -> None:
        """Stop every run, wait for each to end, then destroy the window."""
        if self.closed:
            return
        self.closed = True
        self.pump.cancel()
        for tab in self.tabs.values():
            if not tab.shutdown(timeout=2.0):
                log.warning("%s did not end within 2 s", tab.lesson.id)
        self.destroy()

    # -- signals from outside (SIGTERM, SIGINT) ------------------------------------
    def install_signal_handlers(self) -> None:
        """Let SIGTERM and SIGINT close the app properly, ending every worker."""
        def on_signal(signum, frame):
            self._signalled = signum  # acted on by the next pump tick
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)

    def _check_signals(self) -> None:
        if self._signalled is not None:
            log.info("signal %s: closing", self._signalled)
            self.close()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pysyslab", description="Learn Python system "
                                     "programming by watching it run.")
    parser.add_argument("--self-test", action="store_true",
                        help="check this copy of the app without opening a window; "
                             "exit status 0 if all is well")
    parser.add_argument("--lesson", metavar="ID", help="open on this lesson's tab "
                        "(one of: " + ", ".join(lesson.id for lesson in catalog.lessons()) + ")")
    args = parser.parse_args(argv)
    if args.lesson is not None and args.lesson not in [x.id for x in catalog.lessons()]:
        parser.error(f"no lesson called {args.lesson!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.self_test:
        from .selftest import main as self_test
        return self_test()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        app = App()
    except tk.TclError as exc:
        print(f"PySysLab cannot open a window: {exc}\n"
              "Is a display available? (Try: python -m engine run LESSON on the command line.)",
              file=sys.stderr)
        return 1
    if args.lesson:
        app.select(args.lesson)
    report_first_draw(app)
    app.install_signal_handlers()
    app.mainloop()
    return 0
