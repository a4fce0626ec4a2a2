"""Settings that PySysLab remembers between runs, in one JSON file.

The file lives in the per-user config folder (platformdirs' rule, see
``user_dir``), or in ``$PYSYSLAB_CONFIG_DIR`` when that is set (the tests use
it). It is the only file the app writes on its own.

Whatever is in that file, the app starts:

* a file that cannot be settings as a whole (not JSON, not UTF-8, not a JSON
  object, nested too deep, too big, not a regular file, or a symbolic link,
  which is never followed) is renamed aside, and the app starts with defaults;
* a value of the wrong type or out of range falls back to its default, and
  the others are kept.

Either way there is one message for the person (``Settings.problem``).

Saving never follows a link and never lets two instances mix their files:
each save writes a temporary file of its own, created exclusively in the same
folder, and renames it over ``settings.json`` in one step. When two windows
close at once, the file is the whole of one of them: the last to rename wins.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.control import MAX_SPEED, MIN_SPEED

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "theme": "light",      # "light" or "dark"
    "zoom": 1.0,           # font scale
    "geometry": "",        # Tk geometry string, e.g. "1260x740+10+10"
    "last_tab": "",        # lesson id
    "last_folder": "",     # the folder the find-files lesson scanned last
    "speed": 1.0,
    "params": {},          # lesson id -> {parameter: value as typed}
}

THEMES = ("light", "dark")
ZOOM_RANGE = (0.5, 3.0)
SPEED_RANGE = (MIN_SPEED, MAX_SPEED)   # the engine's: one range everywhere
#: A settings file holds a few hundred bytes; a bigger one is not ours to read.
MAX_FILE_BYTES = 1 << 20
#: Folder paths (PATH_MAX) and anything typed in a form field fit in this.
MAX_TEXT = 4096
#: X11 sizes and positions are 16-bit: a window cannot be larger or farther.
MAX_SIDE = 32767
#: How many reset values a message names before it says "and N more".
NAMED_IN_MESSAGE = 6

_GEOMETRY = re.compile(r"(\d{1,5})x(\d{1,5})(?:([+-])(-?\d{1,5})([+-])(-?\d{1,5}))?")


def config_dir() -> Path:
    override = os.environ.get("PYSYSLAB_CONFIG_DIR")
    if override:
        return Path(override)
    return user_dir("config")


def user_dir(kind: str) -> Path:
    """The per-user ``config`` folder of the app.

    On Linux and the BSDs, the XDG rule platformdirs follows, written out:
    importing platformdirs costs ~4 ms at every start (it brings tempfile and
    more). Elsewhere (Windows, macOS), platformdirs itself.
    """
    if sys.platform.startswith(("win", "darwin")):
        import platformdirs
        finder = {"config": platformdirs.user_config_dir}[kind]
        return Path(finder("pysyslab", appauthor=False))
    variable, default = {"config": ("XDG_CONFIG_HOME", "~/.config")}[kind]
    base = os.environ.get(variable, "").strip() or os.path.expanduser(default)
    return Path(base) / "pysyslab"


class UnusableFile(Exception):
    """The settings file as a whole cannot be used.

    ``reason`` completes "The settings file ...", for a person.
    """

    def __init__(self, reason: str, seen: os.stat_result | None = None):
        super().__init__(reason)
        self.reason = reason
        self.seen = seen   # what was read, so that only that file is renamed aside


class Unfit(ValueError):
    """One value has the wrong type or is out of range."""


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.json"
        self.values: dict[str, Any] = json.loads(json.dumps(DEFAULTS))
        self.problem: str | None = None   # one message for the person: what loading did
        self.reset: list[str] = []        # the values that fell back to their defaults

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    # -- loading ----------------------------------------------------------------------
    def load(self) -> Settings:
        try:
            data, seen = read_settings_file(self.path)
        except FileNotFoundError:
            return self
        except UnusableFile as exc:
            self.set_aside(exc.reason, exc.seen)
            return self
        except OSError as exc:
            self.problem = f"Could not read settings ({exc.strerror or exc}); using defaults."
            log.warning(self.problem)
            return self
        self.note_reset(self.take_usable(data))
        return self

    def take_usable(self, data: dict) -> list[str]:
        """Keep each value of ``data`` that fits; return the names of those that did not."""
        reset = []
        for key, default in DEFAULTS.items():
            if key not in data:
                continue
            try:
                if key == "params":
                    self.values[key], bad_params = usable_params(data[key])
                    reset += bad_params
                else:
                    self.values[key] = CHECKS[key](data[key])
            except Unfit:
                self.values[key] = json.loads(json.dumps(default))
                reset.append(key)
        return reset

    def note_reset(self, names: Iterable[str]) -> str | None:
        """Record values that fell back to their defaults; the message now names them all."""
        self.reset += list(names)
        if self.reset:
            self.problem = reset_message(self.reset)
        return self.problem

    def set_aside(self, reason: str, seen: os.stat_result | None) -> None:
        aside = self.path.with_name(f"settings.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
        renamed = rename_aside(self.path, aside, seen)
        where = f"it was renamed to {renamed}" if renamed else "it could not be renamed"
        self.problem = (f"The settings file {reason}; {where}. "
                        "Starting with default settings.")
        log.warning(self.problem)

    # -- saving -----------------------------------------------------------------------
    def save(self) -> bool:
        """Replace the file in one step, with a temporary file no one else can share.

        A crash mid-write never leaves half a file, two instances saving at
        once never mix their texts, and a link planted in the folder is never
        written through (mkstemp creates its file exclusively, O_EXCL).
        """
        text = json.dumps(self.values, indent=2, ensure_ascii=True)
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            import tempfile  # (here: saving comes after start; ~3 ms less before ready)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            log.warning("could not save settings to %s: %s", self.path, exc)
            return False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())   # the text is on disk before the name points to it
            os.replace(tmp, self.path)   # replaces a link at that name, never follows it
        except OSError as exc:
            log.warning("could not save settings to %s: %s", self.path, exc)
            _remove_quietly(tmp)
            return False
        _sync_folder(folder)
        return True


# -- reading the file ---------------------------------------------------------------------
def read_settings_file(path: Path) -> tuple[dict, os.stat_result]:
    """The JSON object in ``path``, read without following a link or blocking on a FIFO.

    Raises FileNotFoundError, UnusableFile (rename it aside) or OSError (leave it).
    """
    if not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):
        # Windows: no flag refuses a link, so look first (a link made in between
        # is followed; making one there needs a privilege Windows rarely grants).
        raise UnusableFile("is a symbolic link, which is never followed", os.lstat(path))
    try:
        fd = os.open(path, _open_flags("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "O_BINARY"))
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise UnusableFile("is a symbolic link, which is never followed",
                               os.lstat(path)) from None
        raise
    seen = os.fstat(fd)
    if not stat.S_ISREG(seen.st_mode):   # a folder, a FIFO, a device...
        os.close(fd)
        raise UnusableFile("is not a regular file", seen)
    with os.fdopen(fd, "rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise UnusableFile(f"is larger than {MAX_FILE_BYTES >> 20} MiB", seen)
    try:
        text = raw.decode("utf-8-sig")   # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as exc:
        raise UnusableFile(f"was damaged (not UTF-8 text at byte {exc.start})", seen) from None
    try:
        data = json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise UnusableFile("was damaged (nested too deeply)", seen) from None
    except ValueError as exc:
        raise UnusableFile(f"was damaged ({exc})", seen) from None
    if not isinstance(data, dict):
        raise UnusableFile("was damaged (not a JSON object)", seen)
    return data, seen


class _HugeNumber:
    """An integer too long to be any setting (float() would overflow); no check accepts it."""

    def __init__(self, digits: str):
        self.digits = digits


def _parse_int(digits: str) -> int | _HugeNumber:
    # int() refuses more than 4300 digits, which would make the whole file unusable.
    return int(digits) if len(digits) <= 30 else _HugeNumber(digits)


def rename_aside(path: Path, aside: Path, seen: os.stat_result | None) -> Path | None:
    """Rename ``path`` to ``aside``, or to a free name like it; return the name used.

    Only if ``path`` is still the file that was read: another instance may
    have saved a good file since, and that one stays.
    """
    try:
        now = os.lstat(path)
        if seen is not None and (now.st_dev, now.st_ino) != (seen.st_dev, seen.st_ino):
            return None
        for n in range(1, 100):
            candidate = aside if n == 1 else aside.with_name(f"{aside.stem}-{n}{aside.suffix}")
            if not os.path.lexists(candidate):   # an older file set aside is kept too
                os.rename(path, candidate)       # renames a link itself, never its target
                return candidate
    except OSError:
        pass
    return None


# -- checking values --------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _number_between(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if not _is_number(value) or not low <= value <= high:
            raise Unfit
        return value
    return check


def showable_text(value: Any) -> bool:
    """A string Tk can show: UTF-8 encodable (no lone surrogates), not huge."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any) -> str:
    if not showable_text(value):
        raise Unfit
    return value


def _folder(value: Any) -> str:
    if not showable_text(value) or "\0" in value:
        raise Unfit
    return value


def _theme(value: Any) -> str:
    if value not in THEMES:
        raise Unfit
    return value


def parse_geometry(text: str) -> tuple[int, int, tuple[str, int, str, int] | None] | None:
    """``"WxH+X+Y"`` as (W, H, (sign, X, sign, Y)), or (W, H, None) for ``"WxH"``; else None."""
    match = _GEOMETRY.fullmatch(text)
    if not match:
        return None
    width, height = int(match[1]), int(match[2])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        return None
    if match[3] is None:
        return width, height, None
    x, y = int(match[4]), int(match[6])
    if abs(x) > MAX_SIDE or abs(y) > MAX_SIDE:
        return None
    return width, height, (match[3], x, match[5], y)


def _geometry(value: Any) -> str:
    if value == "":
        return value
    if not isinstance(value, str) or parse_geometry(value) is None:
        raise Unfit
    return value


def geometry_on_screen(text: str, screen: tuple[int, int], above: int = 0) -> str:
    """``text`` moved, and shrunk if need be, so that the whole window is on the screen.

    ``above`` is what Tk's geometry leaves out above the window's content (on
    X11, the menu bar). The result counts from the top left corner ("+X+Y");
    "" if ``text`` is not a geometry.
    """
    parsed = parse_geometry(text)
    if parsed is None:
        return ""
    width, height, place = parsed
    screen_width, screen_height = screen
    width = max(1, min(width, screen_width))
    height = max(1, min(height, screen_height - above))
    if place is None:
        return f"{width}x{height}"
    x_from, x, y_from, y = place
    if x_from == "-":   # from the right edge to the window's right edge
        x = screen_width - width - x
    if y_from == "-":
        y = screen_height - height - above - y
    x = max(0, min(x, screen_width - width))
    y = max(0, min(y, screen_height - height - above))
    return f"{width}x{height}+{x}+{y}"


CHECKS: dict[str, Callable[[Any], Any]] = {
    "theme": _theme,
    "zoom": _number_between(*ZOOM_RANGE),
    "geometry": _geometry,
    "last_tab": _text,
    "last_folder": _folder,
    "speed": _number_between(*SPEED_RANGE),
}


def _field_value_fits(value: Any) -> bool:
    """What a form field can hold: text as typed, a number, or a yes/no."""
    return isinstance(value, bool) or _is_number(value) or showable_text(value)


def usable_params(saved: Any) -> tuple[dict, list[str]]:
    """The lesson -> {field: value} table, without what no form field can hold.

    Which fields a lesson has, and their ranges, is checked when its tab is
    built (``usable_fields``): that imports the lesson, which a start need not.
    """
    if not isinstance(saved, dict):
        raise Unfit
    kept, reset = {}, []
    for lesson_id, fields in saved.items():
        if not showable_text(lesson_id) or not isinstance(fields, dict):
            reset.append(f"params.{lesson_id}")
        else:
            kept[lesson_id] = {}
            for name, value in fields.items():
                if showable_text(name) and _field_value_fits(value):
                    kept[lesson_id][name] = value
                else:
                    reset.append(f"params.{lesson_id}.{name}")
    return kept, reset


def usable_fields(lesson_id: str, fields: dict, specs: Iterable,
                  convert: Callable[[Any, Any], Any]) -> tuple[dict, list[str]]:
    """Saved form values of one lesson, checked against its parameters.

    ``convert(spec, value)`` is the lesson's own check (engine.params.convert).
    A folder is only checked for its type: one that no longer exists is the
    form's to report, when Run is pressed, not a damaged setting.
    """
    by_name = {spec.name: spec for spec in specs}
    kept, reset = {}, []
    for name, value in fields.items():
        spec = by_name.get(name)
        if spec is None:
            kept[name] = value   # a field of another version of the lesson: harmless
            continue
        try:
            if spec.kind == "folder":
                _folder(value)
            else:
                convert(spec, value)
            kept[name] = value
        except (ValueError, TypeError, OverflowError):   # ParamError is a ValueError
            reset.append(f"params.{lesson_id}.{name}")
    return kept, reset


def reset_message(names: list[str]) -> str:
    shown = [_short(name) for name in names[:NAMED_IN_MESSAGE]]
    more = len(names) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more else "")
    return (f"Some saved settings were unusable and were reset to their defaults: {listed}. "
            "The others were kept.")


def _short(name: str, most: int = 40) -> str:
    """``name`` fit for a status line: Tk cannot show a lone surrogate, so it is escaped."""
    name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name if len(name) <= most else name[:most - 1] + "…"


# -- file system helpers ------------------------------------------------------------------
def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _open_flags(*names: str) -> int:
    """O_RDONLY with those of the flags ``names`` this system has: Windows has none of
    O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC and O_DIRECTORY (and only it has O_BINARY)."""
    flags = os.O_RDONLY
    for name in names:
        flags |= getattr(os, name, 0)
    return flags


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can fsync a folder)."""
    if not hasattr(os, "O_DIRECTORY"):
        return   # Windows opens no folder as a file; NTFS journals the rename itself
    try:
        fd = os.open(folder, _open_flags("O_DIRECTORY", "O_CLOEXEC"))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
