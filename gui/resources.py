"""Where the app's own files are, whether it runs from source or frozen.

From source the ``assets/`` folder sits next to ``gui/``. In an executable
built by PyInstaller (see ``build.spec``) it is unpacked under ``sys._MEIPASS``.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The icon sizes the window offers the window manager (it picks the best fit).
WINDOW_ICON_SIZES = (16, 32, 48, 64, 128, 256)
#: Those it offers from the start: what title bars and task bars draw. The larger
#: ones (task switchers, HiDPI) follow once the window is ready; reading the
#: 256 px one alone costs more than the other five together.
FIRST_ICON_SIZES = (16, 32, 48, 64)
#: Every size ``assets/make_icon.py`` writes.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def assets_dir() -> Path:
    base = getattr(sys, "_MEIPASS", None)
    if is_frozen() and base:
        return Path(base) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def icon_png(size: int) -> Path:
    return assets_dir() / f"pysyslab-{size}.png"


def window_icon_files(sizes: tuple[int, ...] = WINDOW_ICON_SIZES) -> list[Path]:
    return [icon_png(size) for size in sizes]
