"""The PySysLab window: a tab per lesson, a menu, a status bar, and the pump."""

from __future__ import annotations

import logging
import math
import signal
import sys
import tkinter as tk
import tkinter.font as tkfont
from types import SimpleNamespace
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from engine import catalog
from engine.control import clamp_speed
from engine.params import convert, specs

from . import imagecache
from .firstdraw import bind_root_only, note_first_draw, report_first_draw, report_ready
from .lessons import tab_class
from .pump import EventPump
from .resources import FIRST_ICON_SIZES, WINDOW_ICON_SIZES, window_icon_files
from .scaling import (
    announce_zoom,
    close_dpi_probe,
    create_fonts,
    fit_fixed_sizes,
    fit_table_rows,
    font_size,
    start_scaling,
)
from .settings import Settings, geometry_on_screen, parse_geometry, usable_fields
from .themes import DARK_THEME, LIGHT_THEME, register_themes, skip_builtin_themes
from .widgets.tips import tip

if TYPE_CHECKING:
    import argparse

log = logging.getLogger(__name__)

TITLE = "PySysLab"
LIGHT, DARK = LIGHT_THEME, DARK_THEME
ZOOMS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 1.8, 2.0)
DEFAULT_SIZE = (1260, 740)
# What a desktop takes from the screen's height besides our window's own
# content: a panel (~32 px), a title bar (~36 px) and our menu bar (~32 px).
# On a 1366x768 laptop that leaves 668 px: a window 700 px high in all.
SCREEN_RESERVE = (16, 100)
# Sent to the window once the visible lesson is built (what the learner waits for).
READY_EVENT = "<<WindowReady>>"
# Pane borders: a band wide enough to find and grab, with grip dots.
SASH_THICKNESS = 8
SASH_GRIP_DOTS = 12
SASH_GRIP_COLOUR = "#8a8a8a"   # mid grey: visible on the light and the dark theme
# Widgets where a digit is typed, not an actor chosen.
TYPING_CLASSES = frozenset({"TEntry", "Entry", "TSpinbox", "Spinbox", "TCombobox"})

def fit_geometry(saved: str, screen: tuple[int, int],
                 default: tuple[int, int] = DEFAULT_SIZE) -> str:
    """The window's geometry at start: the saved one if it fits this screen.

    A size saved on a bigger screen shrinks to what this one offers, leaving
    room for a panel and a title bar, and a position that would put the window
    off this screen is dropped (the window manager places it); one counted from
    the right or bottom edge ("-0-0") is kept there. With nothing saved, the
    default size, shrunk to fit. Once the window shows, ``App.keep_on_screen``
    checks the place again with the menu bar's real height.
    """
    room_w = max(400, screen[0] - SCREEN_RESERVE[0])
    room_h = max(300, screen[1] - SCREEN_RESERVE[1])
    parsed = parse_geometry(saved.strip()) if isinstance(saved, str) else None
    width, height = parsed[:2] if parsed else default
    width, height = min(width, room_w), min(height, room_h)
    geometry = f"{width}x{height}"
    if parsed and parsed[2]:
        x_from, x, y_from, y = parsed[2]
        if x_from == "-":
            x = screen[0] - width - x
        if y_from == "-":
            y = screen[1] - height - y
        if 0 <= x <= screen[0] - width and 0 <= y <= screen[1] - height:
            geometry += f"+{x}+{y}"
    return geometry


def quiet_root_watchers(root: tk.Tk) -> None:
    """Keep ttkbootstrap's handlers for the root window to the root window.

    ttkbootstrap binds <Map>, <Configure> and <Visibility> on the root's tag to
    watch the root itself, and every widget inside carries that tag: each widget
    that maps or moves called into Python to be ignored there, ~260 calls in the
    first draw of a lesson (~10 ms). Wrapped in a Tcl test of the event's window,
    they run for the root only, as they were written for. Its bind_all <Map>
    sends <<MapChild>> to the parent of every widget that maps, another ~90
    calls; nothing in ttkbootstrap 2.2 or here listens for that event
    (tests/gui/test_app.py checks), so that one goes.
    """
    for sequence in root.bind():   # only ttkbootstrap's own, just after its App.__init__
        script = root.tk.call("bind", ".", sequence)
        root.tk.call("bind", ".", sequence, f'if {{"%W" eq "."}} {{{script}}}')
    if "on_map_child" in str(root.tk.call("bind", "all", "<Map>")):
        root.unbind_all("<Map>")


class App(ttk.App):
    """The only Tk root of the program."""

    def __init__(self, theme: str | None = None, settings: Settings | None = None,
                 staged: bool = False):
        """Build the window.

        ``staged=True`` (what ``main`` uses) leaves the visible lesson's
        widgets, the speed slider and the theme switch for later: built right
        after the window's first draw, which then shows a shell (the menu, the
        lesson tabs' names and the status line), or, when ``build_front_lesson``
        was called before the window shows, the lesson is in the first draw and
        only the status bar's controls follow it. Otherwise everything is built
        before the constructor returns.
        """
        self.settings = settings or Settings().load()
        theme = theme or (DARK if self.settings["theme"] == "dark" else LIGHT)
        skip_builtin_themes()   # (~12 ms)
        register_themes()
        imagecache.install()   # the theme's images shipped, not drawn (~20 ms)
        # scaling: the screen's DPI from Xft.dpi, before the theme is built at that size
        try:
            super().__init__(title=TITLE, theme=theme, size=DEFAULT_SIZE, minsize=(900, 600),
                             iconphoto=None, scaling=start_scaling())  # our icon, below
        finally:
            close_dpi_probe()   # Tk has its own connection now (or none: failed)
        quiet_root_watchers(self)
        self.set_icon(FIRST_ICON_SIZES)
        self.bind(READY_EVENT, lambda _e: self.after_idle(self.set_icon), add="+")
        self.style_sashes()
        self.speed = clamp_speed(self.settings["speed"])
        self.zoom = 1.0
        self.closed = False
        self.complete = False
        self._front_built = False   # see build_front_lesson
        self._check_place = False   # a restored geometry is checked once the window shows
        self._signalled: int | None = None
        create_fonts(self)   # before the sizes are noted: zoom scales them too
        self._front_tab = None   # the tab whose status the status bar shows
        self._base_fonts = {name: font_size(tkfont.nametofont(name))
                            for name in tkfont.names(self)}
        self.pump = EventPump(self)
        self.pump.add_hook(self._check_signals)
        fit_table_rows(self)
        self.create_menu()
        self.create_statusbar()
        self.create_notebook()
        self.create_shortcuts()
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.restore_settings()
        self.pump.start()
        bind_root_only(self, "<Map>", self._on_first_map)
        if not staged:
            self.complete_window()

    def _on_first_map(self, event) -> None:
        if event.widget is not self:
            return
        if self._check_place:
            self._check_place = False
            self.update_idletasks()   # the menu bar gets its height
            self.keep_on_screen()
        if not self.complete:
            self.update_idletasks()   # draw the window now...
            if self._front_built:     # ...the lesson in it: it is ready
                note_first_draw(self)
                self.complete_window()
            else:   # ...a shell: the lesson is built just after
                self.after(1, self.complete_window)

    def build_front_lesson(self) -> None:
        """Build the visible lesson before the window first shows (staged start).

        One draw then shows the window with its lesson, instead of a shell
        first and the lesson in a second round of layout and drawing: on a busy
        machine each round also waits for the X server and for a turn on the
        CPU. The status bar's controls still come after ready.
        """
        self._front_tab = self.current_tab()
        self._front_built = True

    def complete_window(self) -> None:
        """Build what a staged start left for after the first draw (once)."""
        if self.complete or self.closed:
            return
        self.complete = True
        self._front_tab = self.current_tab()  # builds the visible lesson's widgets
        report_ready(self)
        # Next, in this same call (no key or click is handled in between): the
        # other lessons' saved values are checked (parsing each program for its
        # settings, ~4 ms a lesson), the speed slider and the light/dark switch
        # are built (the slider's style alone is ~10 ms of image work). The
        # lesson is what the learner waits for.
        self.check_saved_params()
        if self.settings.problem:  # after the tab's own "Ready", so that it stays
            self.show_status(self.settings.problem)
            if self.settings.reset:   # (a damaged file was logged when it was read)
                log.warning(self.settings.problem)
        self.create_controls()
        self.restore_controls()
        self.event_generate(READY_EVENT)

    # -- building -----------------------------------------------------------------
    def set_icon(self, sizes: tuple[int, ...] = WINDOW_ICON_SIZES) -> None:
        """Our icon (assets/), in several sizes: the window manager picks the best fit.

        Sizes offered already are kept (the larger ones join once the window is ready).
        """
        offered = {image.width(): image for image in getattr(self, "_icons", [])}
        try:
            for size, path in zip(sizes, window_icon_files(sizes), strict=True):
                if size not in offered:
                    offered[size] = tk.PhotoImage(master=self, file=str(path))
            self._icons = [offered[size] for size in sorted(offered)]
            self.iconphoto(True, *self._icons)
        except tk.TclError as exc:
            log.warning("no window icon: %s", exc)

    def style_sashes(self) -> None:
        """Pane borders a learner can see and grab (ttkbootstrap's are 2 px, plain).

        ttkbootstrap keeps this override when the theme changes.
        """
        self.style.configure("Sash", sashthickness=SASH_THICKNESS, gripcount=SASH_GRIP_DOTS,
                             bordercolor=SASH_GRIP_COLOUR)

    def create_menu(self) -> None:
        menubar = tk.Menu(self)
        file_menu = tk.Menu(menubar, tearoff=False)
        file_menu.add_command(label="Save log…", accelerator="Ctrl+S", command=self.save_log)
        file_menu.add_command(label="Save timeline as PNG…", command=self.save_timeline)
        file_menu.add_separator()
        file_menu.add_command(label="Quit", accelerator="Ctrl+Q", command=self.close)
        lesson_menu = tk.Menu(menubar, tearoff=False)
        lesson_menu.add_command(label="Run", accelerator="F5",
                                command=lambda: self.current_tab().start_run())
        lesson_menu.add_command(label="Stop", accelerator="Esc",
                                command=lambda: self.current_tab().stop_run())
        lesson_menu.add_command(label="Step: next line, next actor in turn", accelerator="F10",
                                command=self.step_next)
        lesson_menu.add_separator()
        lesson_menu.add_command(label="Next lesson", accelerator="Ctrl+Tab",
                                command=lambda: self.next_lesson(1))
        lesson_menu.add_command(label="Previous lesson", accelerator="Ctrl+Shift+Tab",
                                command=lambda: self.next_lesson(-1))
        view_menu = tk.Menu(menubar, tearoff=False)
        view_menu.add_command(label="Zoom in", accelerator="Ctrl+Plus",
                              command=lambda: self.set_zoom(step=1))
        view_menu.add_command(label="Zoom out", accelerator="Ctrl+Minus",
                              command=lambda: self.set_zoom(step=-1))
        view_menu.add_command(label="Reset zoom", accelerator="Ctrl+0",
                              command=lambda: self.set_zoom(1.0))
        view_menu.add_separator()
        view_menu.add_command(label="Log or terminal", accelerator="Ctrl+T",
                              command=lambda: self.current_tab().toggle_output_page())
        view_menu.add_command(label="Toggle light/dark", accelerator="Ctrl+D",
                              command=self.toggle_dark)
        help_menu = tk.Menu(menubar, tearoff=False)
        help_menu.add_command(label="Help and shortcuts", accelerator="F1",
                              command=self.show_help)
        help_menu.add_command(label="About PySysLab", command=self.show_about)
        menubar.add_cascade(label="File", menu=file_menu)
        menubar.add_cascade(label="Lesson", menu=lesson_menu)
        menubar.add_cascade(label="View", menu=view_menu)
        menubar.add_cascade(label="Help", menu=help_menu)
        self.configure(menu=menubar)
        self.menubar = menubar

    def create_statusbar(self) -> None:
        bar = ttk.Frame(self, padding=(8, 2))
        bar.pack(side="bottom", fill="x")
        self.status = ttk.Label(bar, text="Ready")
        self.status.pack(side="left", fill="x", expand=True)
        self.statusbar = bar

    def create_controls(self) -> None:
        """The status bar's speed slider and light/dark switch."""
        bar = self.statusbar
        self.theme_button = ttk.Checkbutton(bar, text="Dark", bootstyle="round-toggle",
                                            command=self.toggle_dark)
        self.theme_button.pack(side="right")
        self.speed_label = ttk.Label(bar, width=6, anchor="e")
        self.speed_label.pack(side="right", padx=(0, 12))
        # The slider moves in powers of ten: -1 is 0.1x, 0 is 1x, +1 is 10x.
        self.speed_scale = ttk.Scale(bar, from_=-1.0, to=1.0, length=140,
                                     command=lambda value: self.set_speed(10 ** float(value)))
        self.speed_scale.pack(side="right")
        ttk.Label(bar, text="Speed").pack(side="right", padx=(0, 4))
        tip(self.speed_scale, "Scale every deliberate delay, from 0.1x to 10x; "
                                           "applies at once, to threads and processes")

    def create_notebook(self) -> None:
        self.notebook = ttk.Notebook(self)
        self.notebook.pack(fill="both", expand=True, padx=6, pady=(6, 0))
        self.tabs = {}
        for lesson in catalog.lessons():
            tab = tab_class(lesson.id)(self.notebook, self, lesson)
            self.notebook.add(tab, text=lesson.title)
            self.tabs[lesson.id] = tab
        # (A staged start builds the first tab itself, after the first draw.)
        self.notebook.bind("<<NotebookTabChanged>>", self._on_tab_changed, add="+")

    def create_shortcuts(self) -> None:
        run = lambda e: self.current_tab().start_run()  # noqa: E731
        keys = {
            "<F5>": run, "<Control-r>": run,
            "<Escape>": lambda e: self.current_tab().stop_run(),
            "<F10>": lambda e: self.step_next(),
            "<Control-q>": lambda e: self.close(),
            "<Control-d>": lambda e: self.toggle_dark(),
            "<Control-s>": lambda e: self.save_log(),
            "<Control-t>": lambda e: self.current_tab().toggle_output_page(),
            "<F1>": lambda e: self.show_help(),
            "<Control-plus>": lambda e: self.set_zoom(step=1),
            "<Control-equal>": lambda e: self.set_zoom(step=1),
            "<Control-KP_Add>": lambda e: self.set_zoom(step=1),
            "<Control-minus>": lambda e: self.set_zoom(step=-1),
            "<Control-KP_Subtract>": lambda e: self.set_zoom(step=-1),
            "<Control-0>": lambda e: self.set_zoom(1.0),
            "<Control-Tab>": lambda e: self.next_lesson(1),
            "<Control-Shift-Tab>": lambda e: self.next_lesson(-1),
            "<Control-ISO_Left_Tab>": lambda e: self.next_lesson(-1),
        }
        for key, action in keys.items():
            # On the window's own tag, not "all": there Tk's <<NextWindow>>
            # (Tab) would win over Ctrl+Tab. "break": F10 would also open the
            # menu bar, Ctrl+Tab move the focus.
            self.bind(key, lambda e, act=action: (act(e), "break")[1])
        for number in range(1, 10):   # step mode: the actor of that number runs a line
            for key in (f"<KeyPress-{number}>", f"<KeyPress-KP_{number}>"):
                self.bind(key, lambda e, n=number: self.choose_number(e, n))
                # Also where the focus is in a read-only text (the log, the code): there
                # the Text class's own binding would take the key first.
                self.bind_class("Text", key, lambda e, n=number: self.choose_number(e, n))
        # Text widgets have their own Ctrl+Tab; the app's wins. And every Text of
        # the app is read-only, but Tk's Emacs keys edit even a Text that refuses
        # typing (Ctrl+D deleted a letter of the log, Ctrl+K the rest of its line):
        # they do nothing in a Text, and the app's Ctrl+D and Ctrl+T still work.
        for key in ("<Control-Tab>", "<Control-Shift-Tab>", "<Control-ISO_Left_Tab>",
                    "<Control-d>", "<Control-k>", "<Control-o>", "<Control-t>", "<Control-h>",
                    "<Meta-d>", "<Meta-BackSpace>", "<Meta-Delete>"):
            self.bind_class("Text", key, lambda e: None)

    def _on_tab_changed(self, _event=None) -> None:
        if not self.complete:
            return
        tab = self.current_tab()
        if tab is not self._front_tab:   # not the start's own first selection, whose
            self._front_tab = tab        # status line may say what the settings lacked
            self.show_tab_status(tab)    # its own state, not the last tab's

    # -- behaviour ----------------------------------------------------------------
    def current_tab(self):
        return self.build_tab(self.nametowidget(self.notebook.select()))

    def select(self, lesson_id: str, build: bool = True):
        tab = self.tabs[lesson_id]
        self.notebook.select(tab)
        return self.build_tab(tab) if build else tab

    def build_tab(self, tab):
        """Build ``tab``'s widgets if not done yet, at today's zoom and DPI."""
        if not tab.built:
            tab.ensure_built()
            fit_fixed_sizes(tab)
        return tab

    def next_lesson(self, step: int = 1):
        ids = list(self.tabs)
        here = ids.index(self.current_tab().lesson.id)
        return self.select(ids[(here + step) % len(ids)])

    def show_status(self, text: str) -> None:
        """A message for the whole window (zoom, saving), shown at once."""
        self.status.configure(text=text)

    def show_tab_status(self, tab, text: str | None = None) -> None:
        """A tab's own line (its state, by default), shown only while it is the visible tab.

        A tab in the background (a run ending there, say) must not overwrite
        the status of the tab the learner is looking at; when it comes to the
        front, the app shows its state again.
        """
        if self.notebook.select() == str(tab):
            self.status.configure(text=tab.status_text if text is None else text)

    def toggle_dark(self) -> None:
        if not self.complete:
            return  # a key pressed in the first tenth of a second
        self.toggle_theme()
        self.theme_button.state(["selected" if self.theme_mode == "dark" else "!selected"])

    def set_speed(self, speed: float) -> None:
        """Applies at once to every running lesson, its threads and its processes."""
        self.speed = round(clamp_speed(speed), 2)
        self.speed_label.configure(text=f"{self.speed:g}x")
        for tab in self.tabs.values():
            if tab.run is not None:
                tab.run.set_speed(self.speed)

    def set_zoom(self, zoom: float | None = None, step: int = 0) -> None:
        """Scale every named font, then what is sized in pixels (gui/scaling.py)."""
        if zoom is None:
            nearest = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - self.zoom))
            zoom = ZOOMS[max(0, min(len(ZOOMS) - 1, nearest + step))]
        self.zoom = zoom
        for name, size in self._base_fonts.items():
            try:
                tkfont.nametofont(name).configure(size=round(size * zoom) or size)
            except tk.TclError:
                pass
        fit_table_rows(self)
        fit_fixed_sizes(self)
        announce_zoom(self)
        self.show_status(f"Zoom {round(zoom * 100)}%")

    def step_next(self) -> None:
        self.current_tab().step_next()

    def choose_number(self, event, number: int) -> str | None:
        """A number key: in step mode, that actor runs its next line. Not while the
        learner types a number into a field of the form."""
        if event.widget.winfo_class() in TYPING_CLASSES:
            return None
        tab = self.current_tab()
        if not tab.stepping():
            return None
        tab.choose_number(number)
        return "break"

    # -- exports and dialogs -------------------------------------------------------
    def save_log(self) -> None:
        from .widgets.exports import export_log
        tab = self.current_tab()
        if not tab.logview.events:
            self.show_status("Nothing to save yet: run the lesson first.")
            return
        saved = export_log(self, tab.logview.events, tab.lesson.id, tab.lesson.title,
                           tab.logview._dropped)
        if saved:
            self.show_status(saved.message)

    def save_timeline(self) -> None:
        from .widgets.exports import export_timeline
        tab = self.current_tab()
        if not tab.logview.events:
            self.show_status("Nothing to save yet: run the lesson first.")
            return
        saved = export_timeline(self, tab.logview.events, tab.lesson.id, tab.lesson.title)
        if saved:
            self.show_status(saved.message)

    def show_help(self, wait: bool = False):
        from .about import show_help
        return show_help(self, wait=wait)

    def show_about(self, wait: bool = False):
        from .about import show_about
        return show_about(self, wait=wait)

    # -- settings -------------------------------------------------------------------
    def restore_settings(self) -> None:
        """Apply the settings the window itself shows (Settings.load checked their types)."""
        s = self.settings
        # Fitted to this screen: a window saved on a screen that is gone, or one
        # bigger than this screen (or than the X server can draw), must still open
        # where it can be seen; the place is checked again once the window shows.
        screen = self.screen_size()
        self.minsize(min(900, screen[0] - SCREEN_RESERVE[0]),
                     min(600, screen[1] - SCREEN_RESERVE[1]))
        self.geometry(fit_geometry(s["geometry"], screen))
        self._check_place = True
        if s["zoom"] != 1.0:
            self.set_zoom(s["zoom"])
        if s["last_tab"] and s["last_tab"] not in self.tabs:
            self.settings.note_reset(["last_tab"])   # a lesson this version does not have
        last = s["last_tab"] if s["last_tab"] in self.tabs else next(iter(self.tabs))
        self.select(last, build=False)  # built by complete_window

    def screen_size(self) -> tuple[int, int]:
        return self.winfo_screenwidth(), self.winfo_screenheight()

    def menu_bar_height(self) -> int:
        """The height Tk's geometry leaves out above the content (0 where it cannot tell).

        On X11 the menu bar is a clone of the menu, a child of the root window
        whose name starts with "#"; it has its height once drawn.
        """
        try:
            for child in self.tk.splitlist(self.tk.call("winfo", "children", ".")):
                if child.startswith(".#") and self.tk.call("winfo", "class", child) == "Menu":
                    return int(self.tk.call("winfo", "height", child))
        except (tk.TclError, ValueError):
            pass
        return 0

    def geometry_to_keep(self) -> str:
        """Where the window is now, moved onto the screen (saved so, never off-screen)."""
        return geometry_on_screen(self.geometry(), self.screen_size(), self.menu_bar_height())

    def keep_on_screen(self) -> None:
        """Move the window up or in, if its menu bar pushed a part of it off the screen."""
        fitted = self.geometry_to_keep()
        if fitted and fitted != self.geometry():
            log.info("window moved onto the screen: %s", fitted)
            self.geometry(fitted)

    def restore_controls(self) -> None:
        """The status bar controls show the remembered theme and speed."""
        self.theme_button.state(["selected" if self.theme_mode == "dark" else "!selected"])
        self.speed_scale.set(math.log10(self.speed))
        self.set_speed(self.speed)

    def check_saved_params(self) -> None:
        """Check every lesson's saved values now, so that one message names all resets
        (the visible lesson's were checked as its form was filled)."""
        for lesson_id in list(self.settings["params"]):
            if lesson_id in self.tabs:
                self.saved_params(lesson_id)

    def saved_params(self, lesson_id: str) -> dict:
        """The form values saved for a lesson; those it cannot take fall back to defaults."""
        fields = self.settings["params"].get(lesson_id, {})
        if fields:
            lesson = catalog.get(lesson_id)
            fields, reset = usable_fields(lesson_id, fields, specs(lesson.params_cls), convert)
            self.settings["params"][lesson_id] = fields
            self.settings.note_reset(reset)
        saved = dict(fields)
        folder = self.settings["last_folder"]
        if lesson_id == "filescan" and folder and "root" not in saved:
            saved["root"] = folder
        return saved

    def remember_params(self, lesson_id: str, values: dict) -> None:
        self.settings["params"][lesson_id] = {k: v for k, v in values.items()
                                              if isinstance(v, (str, int, float, bool))}
        if lesson_id == "filescan" and values.get("root"):
            self.settings["last_folder"] = values["root"]

    def save_settings(self) -> None:
        s = self.settings
        s["theme"] = self.theme_mode or "light"
        s["zoom"] = self.zoom
        s["speed"] = self.speed
        try:
            if self.winfo_ismapped():   # (before the first draw, Tk says 1x1+0+0)
                s["geometry"] = self.geometry_to_keep()
            s["last_tab"] = self.nametowidget(self.notebook.select()).lesson.id
        except tk.TclError:
            pass
        s.save()

    def close(self) -> None:
        """Stop every run, wait for them to end (2 s at most), then destroy the window."""
        if self.closed:
            return
        self.closed = True
        self.pump.cancel()
        self.save_settings()
        for tab in self.tabs.values():
            if tab.run is not None:
                tab.run.stop()    # all at once: they end in parallel
        for tab in self.tabs.values():
            if not tab.shutdown(timeout=2.0):
                log.warning("%s did not end within 2 s", tab.lesson.id)
        if "engine.lab" in sys.modules:
            sys.modules["engine.lab"].keep_spare(False)   # the lab kept ready ends too
        self.destroy()

    # -- signals from outside (SIGTERM, SIGINT) ------------------------------------
    def install_signal_handlers(self, already: int | None = None) -> None:
        """Let SIGTERM and SIGINT close the app properly, ending every worker.

        ``already``: a signal that came while the window was being built.
        """
        def on_signal(signum, frame):
            self._signalled = signum  # acted on by the next pump tick
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        if already is not None:
            self._signalled = already

    def _check_signals(self) -> None:
        if self._signalled is not None:
            log.info("signal %s: closing", self._signalled)
            self.close()


SPARE_AFTER_MS = 300   # after the window is ready: the window comes first


def keep_a_lab_ready(app: App) -> None:
    if not app.closed:
        from engine.lab import keep_spare
        keep_spare(True)


def keep_a_lab_ready_once_ready(app: App) -> None:
    """Once the window is ready, keep a lab process ready, so that Run starts a lesson
    program at once (engine/lab/run.py: keep_spare). Closing the window ends it.

    Counted from ready, not from now: on a busy machine the window can take
    longer than SPARE_AFTER_MS, and starting a process then would slow it.
    """
    app.bind(READY_EVENT, lambda _e: app.after(SPARE_AFTER_MS, keep_a_lab_ready, app), add="+")


def parse_args(argv: list[str]) -> argparse.Namespace | SimpleNamespace:
    """The command line's options; with none (the usual start, from a menu), their
    defaults without argparse, which costs a few ms to import and build."""
    if not argv:
        return SimpleNamespace(self_test=False, lesson=None)
    return full_parse_args(argv)


def full_parse_args(argv: list[str]) -> argparse.Namespace:
    import argparse
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
    # A SIGTERM or Ctrl+C that comes while the window is being built (it is on
    # screen before it is finished) is kept and acted on once the app can close
    # itself properly, instead of killing it half-built.
    early: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: early.append(signum))
    try:
        app = App(staged=True)
    except tk.TclError as exc:
        print(f"PySysLab cannot open a window: {exc}\n"
              "Is a display available? (Try: python -m engine run LESSON on the command line.)",
              file=sys.stderr)
        return 1
    if args.lesson:
        app.select(args.lesson, build=False)
    report_first_draw(app)
    app.install_signal_handlers(early[0] if early else None)
    keep_a_lab_ready_once_ready(app)
    app.build_front_lesson()   # in the first draw: ready as the window shows
    app.mainloop()
    return 0
