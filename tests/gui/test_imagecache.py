"""gui/imagecache.py: ttkbootstrap's style images kept on disk between starts; and the
window's Style knows only its own two themes (gui/themes.py).

A start after the first reads them back with Tk (no Pillow drawing, no PNG
plugin), pixel for pixel what Pillow drew; a damaged file is drawn again.
"""

import gc
import json
import os
import subprocess
import sys
import tkinter as tk
from pathlib import Path

from PIL import Image
from ttkbootstrap.style.elements import RecolorRenderer

from gui import imagecache

ROOT = Path(__file__).resolve().parents[2]

# One start of the real window (everything built), in a fresh interpreter: what it
# drew, what it read from disk, and whether Pillow's PNG plugin was imported.
ONE_START = """
import json, sys, tkinter as tk
from gui.quickimport import import_ttkbootstrap
import_ttkbootstrap()
from gui.app import App
from gui import imagecache
app = App()
app.update()   # <<WindowReady>>'s idle call writes what was drawn
images = app.style._image_cache
toggles = [value[1] for key, value in images.items() if key[:2] == ("recolor", "switch_round")]
print(json.dumps({
    "png_plugin": "PIL.PngImagePlugin" in sys.modules,
    "toggle_images": len(toggles),
    "toggles_from_disk": sum(type(image) is tk.PhotoImage for image in toggles),
    "written_after_ready": imagecache.save_new(),
}))
app.close()
"""


def start_once(cache: Path) -> dict:
    env = dict(os.environ, PYSYSLAB_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", ONE_START], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_second_start_reads_the_style_images_instead_of_drawing_them(tmp_path):
    first = start_once(tmp_path)
    kept = list(imagecache.cache_dir(tmp_path).glob("*.png"))
    assert first["png_plugin"], "the first start draws the round toggle with Pillow"
    assert first["toggle_images"] >= 2 and first["toggles_from_disk"] == 0
    assert len(kept) >= first["toggle_images"], "the drawn images were not written"
    second = start_once(tmp_path)
    assert second["toggles_from_disk"] == second["toggle_images"] == first["toggle_images"]
    assert not second["png_plugin"], "Pillow's PNG plugin was imported on a second start"
    assert second["written_after_ready"] == 0


def transparent_as_one(image: Image.Image) -> list:
    """RGBA pixels, every fully transparent one the same (its colour is not seen)."""
    data = image.convert("RGBA").tobytes()
    pixels = (data[i:i + 4] for i in range(0, len(data), 4))
    return [p if p[3] else b"\0\0\0\0" for p in pixels]


def open_window(cache: Path, monkeypatch):
    from gui.app import App
    monkeypatch.setenv("PYSYSLAB_CACHE_DIR", str(cache))
    window = App()
    window.update()
    return window


def toggle_images(window) -> dict:
    return {key: value[1] for key, value in window.style._image_cache.items()
            if key[:2] == ("recolor", "switch_round")}


def close(window) -> None:
    window.close()
    gc.collect()


def test_the_kept_images_are_what_pillow_drew_and_a_damaged_one_is_drawn_again(
        tmp_path, monkeypatch):
    window = open_window(tmp_path, monkeypatch)
    imagecache.save_new()
    folder = imagecache.cache_dir()
    drawn = toggle_images(window)
    assert drawn and not any(type(image) is tk.PhotoImage for image in drawn.values())
    for key in drawn:
        name, size, white, black, magenta, transform = key[1:]
        expected = RecolorRenderer.render(name, size, white, black, magenta, transform)
        on_disk = Image.open(folder / imagecache.file_name(key))
        assert on_disk.size == expected.size
        assert transparent_as_one(on_disk) == transparent_as_one(expected), key
    close(window)

    damaged_key = next(iter(drawn))
    damaged = folder / imagecache.file_name(damaged_key)
    damaged.write_bytes(b"not a png")
    window = open_window(tmp_path, monkeypatch)
    again = toggle_images(window)
    assert type(again[damaged_key]) is not tk.PhotoImage, "a damaged file was used"
    for key, image in again.items():
        if key != damaged_key:
            assert type(image) is tk.PhotoImage, f"{key} was drawn, not read"
            back = tmp_path / "back.png"
            image.write(str(back), format="png")   # what Tk holds, pixel for pixel
            assert transparent_as_one(Image.open(back)) == \
                transparent_as_one(Image.open(folder / imagecache.file_name(key)))
    assert imagecache.save_new() == 0, "<<WindowReady>> wrote the redrawn image already"
    assert transparent_as_one(Image.open(damaged)) == transparent_as_one(
        RecolorRenderer.render(*damaged_key[1:]))
    close(window)


def test_a_key_with_an_object_in_it_is_never_put_on_disk():
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
