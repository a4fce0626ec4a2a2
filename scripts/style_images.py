"""Draw the style images the window asks ttkbootstrap for and ship them as PNGs.

The app reads them from assets/style-images/ttkbootstrap-<version>/ at start
(gui/imagecache.py) instead of drawing them with Pillow. Run this again after
upgrading ttkbootstrap or changing the themes or the widgets' styles (the test
tests/gui/test_imagecache.py fails and says so), on the same virtual screen
as the tests:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/style_images.py

It starts the whole window (every lesson tab built) in the light and in the dark
theme, switches each to the other theme, at two Tk scalings: the one Tk takes
from the screen (the tests' Xvfb) and 96 dpi, the usual desktop's. Every image
with a file name (gui.imagecache.file_name) is written; the old folders go.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Tk scalings to draw for: None is the screen's own; 96 dpi in points (1/72 inch).
SCALINGS = (None, 96 / 72)


def png_of(style, image_name: str) -> bytes:
    """What Tk holds under ``image_name``, as PNG (Tk's writer: the reader gets it back
    pixel for pixel)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "image.png"
        style.tk.call(image_name, "write", str(path), "-format", "png")
        return path.read_bytes()


def visit_every_tab(app) -> None:
    """Select each lesson tab, so that its widgets (and their styles) are built."""
    for tab in app.notebook.tabs():
        app.notebook.select(tab)
        app.current_tab()
        app.update()


def draw_one_start(theme_mode: str, scaling: float | None) -> dict[str, bytes]:
    """Start the window in ``theme_mode`` at ``scaling`` with no images to read, build
    everything, switch theme: file name -> PNG of every image ttkbootstrap drew."""
    import gui.app
    from gui import imagecache
    from gui.themes import DARK_THEME, LIGHT_THEME

    screens_scaling = gui.app.start_scaling
    gui.app.start_scaling = lambda: scaling   # (it would read Xft.dpi)
    with tempfile.TemporaryDirectory() as empty:
        imagecache.read_from(Path(empty))
        try:
            app = gui.app.App(theme=DARK_THEME if theme_mode == "dark" else LIGHT_THEME)
        finally:
            imagecache.read_from(None)
            gui.app.start_scaling = screens_scaling
        try:
            app.update()
            visit_every_tab(app)
            app.toggle_dark()
            app.update()
            visit_every_tab(app)
            images = app.style._image_cache
            drawn = {imagecache.file_name(key): png_of(app.style, value[0])
                     for key, value in images.items() if imagecache.file_name(key)}
        finally:
            app.close()
    return drawn


def draw_all() -> dict[str, bytes]:
    """Every image of every start this script makes (see the module's docstring)."""
    from gui.quickimport import import_ttkbootstrap
    import_ttkbootstrap()
    drawn: dict[str, bytes] = {}
    for scaling in SCALINGS:
        for theme_mode in ("light", "dark"):
            drawn.update(draw_one_start(theme_mode, scaling))
    return drawn


def write(drawn: dict[str, bytes]) -> Path:
    from gui import imagecache
    root, folder = imagecache.shipped_root(), imagecache.shipped_dir()
    if root.exists():
        shutil.rmtree(root)   # (another ttkbootstrap's folder is never read again)
    folder.mkdir(parents=True)
    for name, data in sorted(drawn.items()):
        (folder / name).write_bytes(data)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    drawn = draw_all()
    folder = write(drawn)
    size = sum(len(data) for data in drawn.values())
    print(f"{len(drawn)} images, {size / 1024:.0f} KiB, in {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
