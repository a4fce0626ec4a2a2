"""The app writes only its own settings file: never through a symbolic link.

(Issue 13, point 9.) Someone who can write into the settings folder plants
links to a victim file (here one in the test's temporary folder) where the
app writes:

* at the temporary name the app saved through before renaming it into place
  (``settings.tmp``), and at names like it. The old app wrote the victim
  through that link, and then renamed the link to ``settings.json``;
* at ``settings.json`` itself. A link there is never followed, neither to
  read nor to write: it is renamed aside, as a file that cannot be used, and
  the app saves a regular file in its place.

Each link is also tried dangling, pointing where no file is yet: the app
must not create the file there either. Every test starts and closes the real
window, which saves its settings on closing.
"""

from __future__ import annotations

import gc
import json
import os

import pytest

VICTIM_TEXT = '{"theme": "dark", "note": "the victim: nothing may change it"}\n'
#: The name the old app wrote through, and names a guess at a new one might try.
TEMPORARY_NAMES = ("settings.tmp", "settings.json.tmp", ".settings.json.tmp")


@pytest.fixture(params=["a victim file", "no file yet"])
def victim(request, tmp_path):
    path = tmp_path / "victim.json"
    if request.param == "a victim file":
        path.write_text(VICTIM_TEXT)
    return path


def victim_state(path) -> tuple | None:
    """The victim's bytes and identity, or None if there is no file."""
    if not path.exists():
        return None
    info = path.stat()
    return path.read_text(), info.st_ino, info.st_mtime_ns, info.st_size


def assert_saved_as_a_regular_file(config) -> None:
    settings = config / "settings.json"
    assert not settings.is_symlink(), "settings.json became a symbolic link"
    assert settings.is_file()
    saved = json.loads(settings.read_text())
    assert saved["theme"] == "light" and "note" not in saved, "the app's own settings"


@pytest.mark.gui
def test_links_at_the_temporary_names_are_not_written_through(app, victim, tmp_path):
    config = tmp_path / "config"     # the app fixture's settings folder
    config.mkdir(exist_ok=True)
    for name in TEMPORARY_NAMES:
        (config / name).symlink_to(victim)
    before = victim_state(victim)
    app.close()                      # saves the settings
    gc.collect()
    assert victim_state(victim) == before, "the victim was written through a link"
    assert_saved_as_a_regular_file(config)
    for name in TEMPORARY_NAMES:     # not the app's: left alone
        assert os.readlink(config / name) == str(victim)


@pytest.mark.gui
def test_a_link_at_settings_json_is_never_followed(victim, tmp_path, monkeypatch):
    from gui.app import App
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").symlink_to(victim)
    before = victim_state(victim)
    monkeypatch.setenv("PYSYSLAB_CONFIG_DIR", str(config))
    app = App()
    try:
        app.update()
        status = app.status.cget("text")
        theme = app.theme_mode
    finally:
        app.close()
        gc.collect()
    assert theme == "light", "the settings were read through the link"
    assert "symbolic link" in status and "renamed to" in status, status
    (aside,) = config.glob("settings.corrupt-*.json")
    assert os.readlink(aside) == str(victim), "the link itself is set aside"
    assert victim_state(victim) == before, "the victim was written through a link"
    assert_saved_as_a_regular_file(config)
