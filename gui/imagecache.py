"""ttkbootstrap's style images, shipped with the app instead of drawn at start.

ttkbootstrap draws each image its styles use (arrows, check marks, the round
toggle's track, the slider's handle) with Pillow when a style is first built:
supersampled, filtered, recoloured. At start that is ~20 ms of the theme and
~20 ms more for the first round toggle (Pillow's PNG loader alone imports in
~8 ms). The images depend only on what ttkbootstrap puts in their key (the
recipe, its colours, the size in pixels), so they can be drawn once, by
``scripts/style_images.py``, and shipped in ``assets/style-images/``: Tk's
own PNG reader reads one in ~0.1 ms.

How: ttkbootstrap keeps its images in one dict, ``Style._image_cache``, that it
reads with ``get`` and fills on a miss. ``install`` makes that dict one of
ours, which looks in the shipped folder before it reports a miss. A miss
(another scaling, a file that is missing or cannot be read) is drawn by
ttkbootstrap as usual. This module never writes a file: the app writes only
what the learner saves and its own settings file. The folder is named after
ttkbootstrap's version: another version may draw differently, so it finds no
folder and draws everything.
"""

from __future__ import annotations

import base64
import logging
import os
import tkinter as tk
from pathlib import Path

log = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, type(None))
MAX_NAME = 240   # bytes in a file name (255 on most file systems)

#: The folder read instead of the shipped one (``read_from``), or None.
_folder_instead: Path | None = None


def shipped_root() -> Path:
    """The folder that holds one subfolder of images per ttkbootstrap version."""
    from .resources import assets_dir
    return assets_dir() / "style-images"


def shipped_dir() -> Path:
    """The images shipped for the ttkbootstrap this runs with."""
    from ttkbootstrap import __version__
    return shipped_root() / f"ttkbootstrap-{__version__}"


def read_from(folder: Path | None) -> None:
    """Styles created from now on read their images from ``folder`` (None: the shipped
    one). scripts/style_images.py reads from an empty folder, to have every image drawn."""
    global _folder_instead
    _folder_instead = folder


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(part) for part in value)
    return isinstance(value, _PLAIN)


def file_name(key) -> str | None:
    """The file an image of ``key`` is shipped in, or None for a key not made of plain
    data (or too long to name a file: the name is the key, spelt in URL-safe base64)."""
    if not isinstance(key, tuple) or not _plain(key):
        return None
    name = base64.urlsafe_b64encode(repr(key).encode()).decode() + ".png"
    return name if len(name) <= MAX_NAME else None


class ShippedImages(dict):
    """ttkbootstrap's image dict (key -> (Tcl name, image)), backed by a folder of PNGs
    that it only reads."""

    def __init__(self, style, folder: Path):
        super().__init__()
        self.style = style
        self.folder = folder
        self.drawn: list = []                 # keys ttkbootstrap drew: not in the folder
        self._listed: set[str] | None = None  # the folder's files, read at the first miss

    def _in_folder(self) -> set[str]:
        if self._listed is None:
            try:
                self._listed = set(os.listdir(self.folder))
            except OSError:   # no folder for this ttkbootstrap: everything is drawn
                self._listed = set()
        return self._listed

    def get(self, key, default=None):
        found = super().get(key)
        if found is not None:
            return found
        name = file_name(key)
        if name is None or name not in self._in_folder():
            return default
        try:
            image = tk.PhotoImage(master=self.style.master, file=str(self.folder / name))
        except tk.TclError as exc:   # damaged or unreadable: ttkbootstrap draws it
            log.info("style image %s not used: %s", name, exc)
            self._in_folder().discard(name)
            return default
        found = (str(image), image)
        super().__setitem__(key, found)
        return found

    def __setitem__(self, key, value) -> None:
        # Only ttkbootstrap sets items, after a miss: it drew this one.
        super().__setitem__(key, value)
        self.drawn.append(key)


def install() -> None:
    """Make every ttkbootstrap Style created from now on read its images from the
    shipped folder.

    Call before the root is made: the theme's images are asked for while it is.
    """
    from ttkbootstrap.style.engine import Style
    if isinstance(Style.__dict__.get("_image_cache"), property):
        return

    def read(style) -> dict:
        return style.__dict__["_shipped_images"]

    def replace(style, plain: dict) -> None:
        images = ShippedImages(style, _folder_instead or shipped_dir())
        images.update(plain)   # (ttkbootstrap starts it empty)
        style.__dict__["_shipped_images"] = images

    Style._image_cache = property(read, replace)
