"""gui/imagecache.py: ttkbootstrap's style images shipped in assets/style-images/ and
read at start instead of drawn; the app writes none of them; and the window's Style
knows only its own two themes (gui/themes.py).
"""

import base64
import gc
import json
import os
import shutil
import subprocess
import sys
import tkinter as tk
from pathlib import Path

import pytest
from PIL import Image
from ttkbootstrap.style.elements import RecolorRenderer

from gui import imagecache

ROOT = Path(__file__).resolve().parents[2]
RERUN = ("run: xvfb-run -a -s '-screen 0 1280x800x24' .venv/bin/python "
         "scripts/style_images.py (and commit assets/style-images/)")

# Every image scripts/style_images.py would ship today, drawn by ttkbootstrap (Pillow)
# in a fresh interpreter: file name -> PNG, in base64.
DRAW_TODAY = """
import base64, json, sys
sys.path.insert(0, "scripts")
import style_images
drawn = style_images.draw_all()
print(json.dumps({name: base64.b64encode(data).decode() for name, data in drawn.items()}))
"""

# One start of the real window (everything built) at the screen's scaling or at 96 dpi
# (as Xft.dpi would set it), in a fresh interpreter: the images ttkbootstrap drew
# (Pillow's, not Tk's own PhotoImage) before ready and after every tab was opened and
# the theme switched.
ONE_START = """
import json, sys, tkinter as tk
from gui.quickimport import import_ttkbootstrap
import_ttkbootstrap()
import gui.app
from gui.app import App
from gui.themes import DARK_THEME, LIGHT_THEME
if sys.argv[2:] == ["96dpi"]:
    gui.app.start_scaling = lambda: 96 / 72

def drawn(app):
    return sorted(repr(key) for key, value in app.style._image_cache.items()
                  if type(value[1]) is not tk.PhotoImage)

app = App(theme=DARK_THEME if sys.argv[1] == "dark" else LIGHT_THEME)
app.update()
report = {"drawn_to_ready": drawn(app), "asked_to_ready": len(app.style._image_cache),
          "png_plugin": "PIL.PngImagePlugin" in sys.modules}
for tab in app.notebook.tabs():
    app.notebook.select(tab)
    app.current_tab()
    app.update()
app.toggle_dark()
app.update()
report["drawn_in_all"] = drawn(app)
print(json.dumps(report))
app.close()
"""


def run_python(code: str, *args: str, env: dict | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def transparent_as_one(image: Image.Image) -> list:
    """RGBA pixels, every fully transparent one the same (its colour is not seen)."""
    data = image.convert("RGBA").tobytes()
    pixels = (data[i:i + 4] for i in range(0, len(data), 4))
    return [p if p[3] else b"\0\0\0\0" for p in pixels]


def same_pixels(one: Path | Image.Image, other: Path | Image.Image) -> bool:
    one, other = (Image.open(x) if isinstance(x, Path) else x for x in (one, other))
    return one.size == other.size and transparent_as_one(one) == transparent_as_one(other)


def shipped() -> dict[str, Path]:
    return {path.name: path for path in imagecache.shipped_dir().glob("*.png")}


def test_every_shipped_image_is_what_ttkbootstrap_draws_for_its_key_today(tmp_path):
    today = json.loads(run_python(DRAW_TODAY))
    files = shipped()
    assert files, f"no style images shipped for this ttkbootstrap in " \
                  f"{imagecache.shipped_dir()}; {RERUN}"
    assert sorted(files) == sorted(today), f"the shipped set is not what the window " \
                                           f"asks for today; {RERUN}"
    for name, data in today.items():
        drawn = tmp_path / name
        drawn.write_bytes(base64.b64decode(data))
        assert same_pixels(files[name], drawn), \
            f"{base64.urlsafe_b64decode(name[:-4])} is drawn differently now; {RERUN}"


def fresh_home(tmp_path: Path) -> tuple[Path, dict]:
    """An empty home folder, and an environment whose HOME and XDG folders are in it
    (and no folder of the app's named by a variable)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYSYSLAB_CONFIG_DIR", "PYSYSLAB_CACHE_DIR")}
    env["HOME"] = str(home)
    for variable, folder in [("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                             ("XDG_DATA_HOME", ".local/share"),
                             ("XDG_STATE_HOME", ".local/state")]:
        env[variable] = str(home / folder)
    return home, env


@pytest.mark.parametrize("scaling", ["screen", "96dpi"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_start_reads_every_style_image(theme, scaling, tmp_path):
    start = json.loads(run_python(ONE_START, theme, scaling, env=fresh_home(tmp_path)[1]))
    assert start["asked_to_ready"] >= 20   # (the theme's arrows, the toggle, the slider)
    assert start["drawn_to_ready"] == [], f"drawn by Pillow before ready; {RERUN}"
    assert not start["png_plugin"], "Pillow's PNG plugin was imported before ready"
    assert start["drawn_in_all"] == [], f"drawn by Pillow in a lesson or the other theme; {RERUN}"


def test_a_start_writes_nothing_but_the_settings_file(tmp_path):
    home, env = fresh_home(tmp_path)
    run_python(ONE_START, "light", env=env)   # (closes the window: settings saved)
    written = sorted(str(path.relative_to(home)) for path in home.rglob("*")
                     if not path.is_dir())
    assert written == [".config/pysyslab/settings.json"]


def style_toggles(window) -> dict:
    return {key: value[1] for key, value in window.style._image_cache.items()
            if key[:2] == ("recolor", "switch_round")}


def open_window():
    from gui.app import App
    window = App()
    window.update()
    return window


def close(window) -> None:
    window.close()
    gc.collect()


def test_a_damaged_or_missing_shipped_image_is_drawn_instead(tmp_path):
    folder = tmp_path / "shipped"
    shutil.copytree(imagecache.shipped_dir(), folder)
    imagecache.read_from(folder)
    try:
        window = open_window()
        read = style_toggles(window)
        close(window)
        assert len(read) >= 2 and all(type(image) is tk.PhotoImage for image in read.values())
        damaged_key, missing_key = list(read)[:2]
        damaged = folder / imagecache.file_name(damaged_key)
        damaged.write_bytes(b"not a png")
        (folder / imagecache.file_name(missing_key)).unlink()
        before = sorted(p.name for p in folder.iterdir())

        window = open_window()
        again = style_toggles(window)
        for key in (damaged_key, missing_key):
            assert type(again[key]) is not tk.PhotoImage, f"{key} was not drawn"
            back = tmp_path / "back.png"
            window.style.tk.call(str(again[key]), "write", str(back), "-format", "png")
            assert same_pixels(back, RecolorRenderer.render(*key[1:])), key
        assert all(type(again[key]) is tk.PhotoImage for key in again
                   if key not in (damaged_key, missing_key))
        close(window)
    finally:
        imagecache.read_from(None)
    assert sorted(p.name for p in folder.iterdir()) == before, "a file was written"
    assert damaged.read_bytes() == b"not a png"


def test_a_key_with_an_object_in_it_has_no_file():
    assert imagecache.file_name(("circle", "#fff", (10, 10), None, 0)).endswith(".png")
    assert imagecache.file_name(("draw", (4, 4), object())) is None
    assert imagecache.file_name("not a tuple") is None


def test_the_window_knows_its_own_two_themes_only_and_switches_between_them(app):
    """ttkbootstrap's 30 built-in themes are not generated (gui/themes.py)."""
    from gui.themes import DARK_THEME, LIGHT_THEME
    assert sorted(app.style.theme_names()) == sorted([LIGHT_THEME, DARK_THEME])
    before = app.style.theme.name
    app.toggle_dark()
    app.update()
    assert {before, app.style.theme.name} == {LIGHT_THEME, DARK_THEME}
