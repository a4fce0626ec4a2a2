"""Colours: one per actor for a run, readable on the light and the dark theme.

Every view of a run (log, timeline, sequence diagram, code highlight) asks
the tab's one ``ActorColors`` for an actor's colour, so they always agree.
An actor keeps its place from the moment it first speaks until the next run
starts (``reset``); the theme picks which palette that place reads from, so
a theme switch recolours every view without changing who is which colour.

Each palette colour reaches WCAG AA (4.5:1) against its theme's backgrounds:
white and the timeline's stripe for light, the dark background, the text
boxes' and the stripe for dark. ``contrast_ratio`` is the WCAG formula; the
tests use it on the colours read back from the live widgets.
"""

from __future__ import annotations

import ttkbootstrap as ttk

LIGHT, DARK = "light", "dark"

# The classic ten-colour chart palette (grey swapped for indigo, since "main"
# is grey), darkened for white paper or lightened for dark paper until each
# reaches 4.8:1 there.
PALETTES = {
    LIGHT: ("#1d6fa7", "#cd2526", "#217a21", "#7f59a3", "#a65309", "#0e747e",
            "#8c564b", "#9a5184", "#3f51b5", "#6d6e14"),
    DARK: ("#6ba5ce", "#e78282", "#54b254", "#b292cf", "#ff7f0e", "#17becf",
           "#b99891", "#e47ac3", "#929cd5", "#bcbd22"),
}
MAIN_ACTOR = "main"

# Colours that are not an actor's, per theme: errors, quiet notes, the main
# thread, and the code view's syntax. Each reads at 4.5:1 or more on the
# theme's background and on every acting-line tint (see ``highlight_tint``).
THEME_COLOURS = {
    LIGHT: {"main": "#5c636a", "error": "#b02a37", "faint": "#5f6367",
            "keyword": "#5a32a3", "string": "#1a5e1a", "comment": "#4f5860",
            "number": "#7a4100", "definition": "#174a94", "gutter": "#4f5860"},
    DARK: {"main": "#adb5bd", "error": "#ff8787", "faint": "#a9b1b9",
           "keyword": "#dcbcff", "string": "#a8eaa8", "comment": "#bcc3ca",
           "number": "#f8c48a", "definition": "#a3c6ff", "gutter": "#bcc3ca"},
}

# The queue-depth line, on either theme and in the saved picture.
DEPTH_BLUE = "#2c7fb8"

# How much of the actor's colour tints its acting line in the code view:
# enough to see whose line it is, little enough for every syntax colour to
# keep 4.5:1 on it.
TINT = 0.22


def theme_mode() -> str:
    """"light" or "dark": the mode of the theme in use (light before any window)."""
    style = ttk.Style.get_instance()
    mode = style.theme_mode if style is not None else None
    return DARK if mode == DARK else LIGHT


def ink() -> str:
    """The theme's text colour now, for what a canvas draws."""
    return ttk.Style.get_instance().colors.fg


def paper() -> str:
    """The theme's background colour now, for what a canvas draws."""
    return ttk.Style.get_instance().colors.bg


def theme_colour(name: str, mode: str | None = None) -> str:
    """One of THEME_COLOURS ("error", "faint", "keyword"...) for ``mode`` (default: now)."""
    return THEME_COLOURS[mode or theme_mode()][name]


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0..1) of the way towards ``other`` (both #rrggbb)."""
    if not (len(colour) == len(other) == 7 and colour[0] == other[0] == "#"):
        return colour
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def highlight_tint(colour: str, paper: str) -> str:
    """The background of an actor's acting line: ``paper`` tinted with ``colour``."""
    return mix(paper, colour, TINT)


def hex_colour(widget, colour: str) -> str:
    """Any Tk colour (a name, #rgb, #rrrrggggbbbb) as #rrggbb, resolved by ``widget``."""
    red, green, blue = (value // 257 for value in widget.winfo_rgb(colour))
    return f"#{red:02x}{green:02x}{blue:02x}"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour (0 black .. 1 white)."""
    channels = []
    for i in (1, 3, 5):
        value = int(colour[i:i + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours: 1 (none) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class ActorColors:
    """The colours of one run's actors: the single source every view asks.

    ``mode`` pins a palette (the saved PNG is always on white); by default
    the palette follows the theme in use.
    """

    def __init__(self, mode: str | None = None):
        self.mode = mode
        self._places: dict[str, int] = {}   # actor -> its place in the palette

    def __call__(self, actor: str) -> str:
        mode = self.mode or theme_mode()
        place = self.place(actor)
        if place < 0:
            return THEME_COLOURS[mode]["main"]
        palette = PALETTES[mode]
        return palette[place % len(palette)]

    def place(self, actor: str) -> int:
        """``actor``'s place in this run, from first sight (-1 for main)."""
        place = self._places.get(actor)
        if place is None:
            place = -1 if actor == MAIN_ACTOR else sum(p >= 0 for p in self._places.values())
            self._places[actor] = place
        return place

    def reset(self) -> None:
        """A new run: colours are handed out afresh, in the order actors speak."""
        self._places.clear()
