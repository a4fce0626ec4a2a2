"""Zoom and screen DPI, for every widget: named fonts, sizes measured from them.

Tk turns font sizes given in points into pixels with ``tk scaling`` (pixels
per point), which it takes from the size the X server reports for the
screen. Desktops that scale a HiDPI screen often set ``Xft.dpi`` in the X
resources instead; ``xft_dpi`` reads it so the window can start at that
scale. Zoom (View menu) then resizes every named font.

What is drawn in pixels (canvas rows, table rows, wrap widths) would not
follow either, so it is measured from the fonts here: every widget draws its
text in a named font (Tk's own, or one of ``DERIVED_FONTS``), takes its row
heights from that font's line spacing, and redraws when the window sends
``<<ZoomChanged>>``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import tkinter as tk
import tkinter.font as tkfont

log = logging.getLogger(__name__)

ZOOM_CHANGED = "<<ZoomChanged>>"
STANDARD_SCALING = 96 / 72   # Tk's pixels per point on a 96-dpi screen: our pixel sizes' base

# Fonts the canvases and formatted texts use, each following one of Tk's:
# name -> (the Tk font it follows, size relative to it, weight, slant).
LANE_FONT = "PslLaneFont"            # lane and party names
SMALL_FONT = "PslSmallFont"          # axis ticks, arrow labels
BOLD_FONT = "PslBoldFont"
ITALIC_FONT = "PslItalicFont"
COUNTER_FONT = "PslCounterFont"      # the problem counts under Run
HEADING1_FONT = "PslHeading1Font"
HEADING2_FONT = "PslHeading2Font"
DERIVED_FONTS = {
    LANE_FONT: ("TkDefaultFont", 0.9, "bold", "roman"),
    SMALL_FONT: ("TkDefaultFont", 0.8, "normal", "roman"),
    BOLD_FONT: ("TkDefaultFont", 1.0, "bold", "roman"),
    ITALIC_FONT: ("TkDefaultFont", 1.0, "normal", "italic"),
    COUNTER_FONT: ("TkDefaultFont", 1.1, "bold", "roman"),
    HEADING1_FONT: ("TkHeadingFont", 1.3, "bold", "roman"),
    HEADING2_FONT: ("TkHeadingFont", 1.1, "bold", "roman"),
}
TABLE_ROW_PAD = 6   # pixels of air in a table row, above and below the text together


def create_fonts(widget: tk.Misc) -> None:
    """Create the derived fonts that do not exist yet, sized from Tk's fonts now."""
    root = widget._root()
    # A tkinter Font deletes its Tk font when collected: the root keeps them.
    kept = root.__dict__.setdefault("_derived_fonts", {})
    existing = set(tkfont.names(root))
    for name, (base_name, ratio, weight, slant) in DERIVED_FONTS.items():
        if name in existing:
            continue
        base = tkfont.nametofont(base_name, root=root)
        size = font_size(base)
        # Keep the base's unit: positive sizes are points, negative are pixels.
        sign = -1 if size < 0 else 1
        kept[name] = tkfont.Font(root, name=name, family=font_family(base),
                                 size=sign * max(1, round(abs(size) * ratio)),
                                 weight=weight, slant=slant)


# A font's size and family as it was configured: asking Tk for the font it
# actually chose (``actual``) makes fontconfig find and load it, ~0.5 ms a font
# at start for fonts the window may never draw. Only a font configured without
# them (size 0, no family) is asked.
def font_size(named: tkfont.Font) -> int:
    return int(named.cget("size")) or int(named.actual("size"))


def font_family(named: tkfont.Font) -> str:
    return str(named.cget("family")) or str(named.actual("family"))


def font(widget: tk.Misc, name: str) -> tkfont.Font:
    """The named font ``name`` (a derived one is created on first use)."""
    if name in DERIVED_FONTS and name not in tkfont.names(widget):
        create_fonts(widget)
    return tkfont.nametofont(name, root=widget)


def line_height(widget: tk.Misc, name: str) -> int:
    """The pixels one line of ``name`` takes, at today's zoom and DPI."""
    return int(font(widget, name).metrics("linespace"))


def ui_factor(widget: tk.Misc) -> float:
    """How much larger than on a 96-dpi screen at 100% the window is drawn.

    For the few sizes that are not measured from a font (margins, minimum
    widths): screen DPI times the window's zoom.
    """
    root = widget._root()
    dpi_factor = float(root.tk.call("tk", "scaling")) / STANDARD_SCALING
    return dpi_factor * float(getattr(root, "zoom", 1.0))


def fit_table_rows(widget: tk.Misc) -> int:
    """Make every table's rows tall enough for its font; returns the row height.

    A ttk Treeview keeps a fixed row height in pixels (17 here), which clips
    the underscores of ``__init__.py`` once the font grows.
    """
    from ttkbootstrap import Style
    style = Style.get_instance()
    named = style.lookup("Treeview", "font") or "TkDefaultFont"
    try:
        height = int(tkfont.nametofont(named, root=widget).metrics("linespace"))
    except tk.TclError:   # a font description, not a name
        height = int(tkfont.Font(widget, font=named).metrics("linespace"))
    rows = height + TABLE_ROW_PAD
    style.configure("Treeview", rowheight=rows)
    return rows


def fit_fixed_sizes(widget: tk.Misc) -> None:
    """Scale the pixel sizes written in the code under ``widget`` to the zoom and DPI.

    These are label wrap widths (``wraplength=300``) and table column widths,
    meant for a 96-dpi screen at 100%. The first time a widget is seen here
    its value is kept as that base. A label that sets its own wrap width
    when it is resized (it binds ``<Configure>``) is left alone.
    """
    factor = ui_factor(widget)
    for child in _descendants(widget):
        kind = child.winfo_class()
        if kind in ("TLabel", "Label") and not child.bind("<Configure>"):
            _fit_wraplength(child, factor)
        elif kind == "Treeview":
            _fit_columns(child, factor)


def _fit_wraplength(label, factor: float) -> None:
    base = getattr(label, "_base_wraplength", None)
    if base is None:
        try:
            base = label._base_wraplength = int(float(str(label.cget("wraplength")) or 0))
        except (ValueError, tk.TclError):
            return
    if base > 0:
        label.configure(wraplength=round(base * factor))


def _fit_columns(tree, factor: float) -> None:
    base = getattr(tree, "_base_column_widths", None)
    if base is None:
        base = tree._base_column_widths = {
            column: int(tree.column(column, "width")) for column in tree["columns"]}
    for column, width in base.items():
        tree.column(column, width=round(width * factor))


def announce_zoom(widget: tk.Misc) -> None:
    """Send ``<<ZoomChanged>>`` to ``widget`` and everything in it.

    Tk has no event for a font change; the widgets that draw in pixels bind
    this one to measure again.
    """
    for child in _descendants(widget):
        child.event_generate(ZOOM_CHANGED)


def _descendants(widget: tk.Misc):
    stack = [widget]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.winfo_children())


# -- the screen's DPI from the X resources ---------------------------------------
def parse_xft_dpi(resources: str) -> float | None:
    """The ``Xft.dpi`` value in an X resources text, or None if absent or absurd."""
    for line in resources.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "Xft.dpi":
            try:
                dpi = float(value.strip())
            except ValueError:
                return None
            return dpi if 48 <= dpi <= 480 else None
    return None


# The X connection start_scaling read Xft.dpi through, held open until the root
# window has its own connection (close_dpi_probe): an X server whose last client
# leaves resets itself, and on a server with no other client yet (a fresh Xvfb,
# as in the start-up bench) that reset took ~25 ms of the server's time just
# as Tk connected and waited for it.
_held: list[tuple] = []


def xft_dpi(display: str | None = None, hold: bool = False) -> float | None:
    """``Xft.dpi`` from the X server's resources (what desktops set for HiDPI), or None.

    Read with Xlib through ctypes: Tk keeps the X resources in its option
    database, but only under its own application name, not under ``Xft``.
    ``hold``: leave the connection open until ``close_dpi_probe``.
    """
    display = display or os.environ.get("DISPLAY")
    if not display or sys.platform in ("win32", "darwin"):
        return None
    xlib = _load_xlib()
    if xlib is None:
        return None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XResourceManagerString.restype = ctypes.c_char_p
    xlib.XResourceManagerString.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        return None
    try:
        resources = xlib.XResourceManagerString(connection)
    finally:
        if hold:
            _held.append((xlib, connection))
        else:
            xlib.XCloseDisplay(connection)
    return parse_xft_dpi(resources.decode("latin-1")) if resources else None


def _load_xlib():
    """libX11 (Tk's own is loaded already), or None where there is none."""
    # By its usual name first: find_library runs ldconfig, ~20 ms at every start.
    try:
        return ctypes.CDLL("libX11.so.6")
    except OSError:
        pass
    from ctypes.util import find_library  # (only here: it imports tempfile and more)
    name = find_library("X11")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def start_scaling() -> float | None:
    """The Tk scaling to start with: from ``Xft.dpi`` if set, else None (Tk's own).

    Tk already takes the X server's reported DPI; ``Xft.dpi`` wins because a
    desktop sets it when the server's figure is wrong (often 96 on a HiDPI
    screen).
    """
    dpi = xft_dpi(hold=True)   # closed by close_dpi_probe, once Tk has connected
    if dpi is None:
        return None
    log.info("Xft.dpi is %g: Tk scaling %.3f", dpi, dpi / 72)
    return dpi / 72


def close_dpi_probe() -> None:
    """Close the connection ``start_scaling`` read Xft.dpi through (call it once the
    root window exists: the X server then keeps a client and does not reset)."""
    while _held:
        xlib, connection = _held.pop()
        xlib.XCloseDisplay(connection)
