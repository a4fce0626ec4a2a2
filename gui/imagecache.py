"""ttkbootstrap's style images, kept on disk between starts.

ttkbootstrap draws each image its styles use (arrows, check marks, the round
toggle's track, the slider's handle) with Pillow when a style is first built:
supersampled, filtered, recoloured. At start that is ~20 ms of the theme and
~20 ms more for the first round toggle (Pillow's PNG loader alone imports in
~8 ms). The images depend only on what ttkbootstrap puts in their key (the
recipe, its colours, the size in pixels), so once drawn they are the same at
every start: this module saves each as a PNG the first time it is drawn and
hands the saved one to ttkbootstrap at the next start, read by Tk's own PNG
reader (~0.1 ms an image), so Pillow draws nothing.

How: ttkbootstrap keeps its images in one dict, ``Style._image_cache``, that it
reads with ``get`` and fills on a miss. ``install`` makes that dict one of
ours, which looks on disk before it reports a miss. The files are written
after the window is ready (``save_new``), never on the way to it. A file that
cannot be read is drawn again and written again; a key that is not plain data
(a repr with an address in it) is never put on disk. The folder is named
after ttkbootstrap's version: another version may draw differently.
"""

from __future__ import annotations

import base64
import logging
import os
import tkinter as tk
from pathlib import Path

log = logging.getLogger(__name__)

ENV = "PYSYSLAB_CACHE_DIR"
_PLAIN = (str, int, float, bool, type(None))
MAX_NAME = 240   # bytes in a file name (255 on most file systems, with room for ".part")


def cache_dir(base: Path | None = None) -> Path:
    """Where the images are kept: under ``base``, ``$PYSYSLAB_CACHE_DIR`` or else the
    user's cache folder."""
    override = base or os.environ.get(ENV)
    if override:
        base = Path(override)
    else:
        from .settings import user_dir
        base = user_dir("cache")
    from ttkbootstrap import __version__
    return base / f"style-images-{__version__}"


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(part) for part in value)
    return isinstance(value, _PLAIN)


def file_name(key) -> str | None:
    """The file an image of ``key`` is kept in, or None for a key not made of plain data
    (or too long to name a file: the name is the key, spelt in URL-safe base64)."""
    if not isinstance(key, tuple) or not _plain(key):
        return None
    name = base64.urlsafe_b64encode(repr(key).encode()).decode() + ".png"
    return name if len(name) <= MAX_NAME else None


class DiskImages(dict):
    """ttkbootstrap's image dict (key -> (Tcl name, image)), backed by a folder of PNGs."""

    def __init__(self, style, folder: Path):
        super().__init__()
        self.style = style
        self.folder = folder
        self.new: dict[str, object] = {}     # file name -> image drawn this run
        self._listed: set[str] | None = None  # the folder's files, read at the first miss

    def _on_disk(self) -> set[str]:
        if self._listed is None:
            try:
                self._listed = set(os.listdir(self.folder))
            except OSError:
                self._listed = set()
        return self._listed

    def get(self, key, default=None):
        found = super().get(key)
        if found is not None:
            return found
        name = file_name(key)
        if name is None or name not in self._on_disk():
            return default
        try:
            image = tk.PhotoImage(master=self.style.master, file=str(self.folder / name))
        except tk.TclError as exc:   # damaged or unreadable: drawn (and written) again
            log.info("style image %s not used: %s", name, exc)
            self._on_disk().discard(name)
            return default
        found = (str(image), image)
        super().__setitem__(key, found)
        return found

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        name = file_name(key)
        if name is not None and name not in self._on_disk():
            self.new[name] = value[1]

    def save_new(self) -> int:
        """Write the images drawn since the last call; how many were written."""
        if not self.new:
            return 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.info("style images not kept: %s", exc)
            self.new.clear()
            return 0
        written = 0
        for name, image in list(self.new.items()):
            partial = self.folder / f"{name}.{os.getpid()}.part"  # renamed into place whole
            try:
                self.style.tk.call(str(image), "write", str(partial), "-format", "png")
                os.replace(partial, self.folder / name)
            except (tk.TclError, OSError) as exc:
                log.info("style image %s not kept: %s", name, exc)
                partial.unlink(missing_ok=True)
                continue
            self._on_disk().add(name)
            written += 1
        self.new.clear()
        return written


def install() -> None:
    """Make every ttkbootstrap Style created from now on keep its images on disk.

    Call before the root is made: the theme's images are drawn while it is.
    """
    from ttkbootstrap.style.engine import Style
    if isinstance(Style.__dict__.get("_image_cache"), property):
        return

    def read(style) -> dict:
        return style.__dict__["_disk_images"]

    def replace(style, plain: dict) -> None:
        images = DiskImages(style, cache_dir())
        images.update(plain)   # (ttkbootstrap starts it empty)
        style.__dict__["_disk_images"] = images

    Style._image_cache = property(read, replace)


def save_new() -> int:
    """Write the style images drawn so far this run (after the window is ready)."""
    from ttkbootstrap.style.engine import Style
    style = Style.instance
    images = getattr(style, "_image_cache", None) if style is not None else None
    if not isinstance(images, DiskImages):
        return 0
    return images.save_new()
