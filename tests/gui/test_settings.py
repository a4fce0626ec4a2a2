"""Settings on disk: saved, loaded, and a damaged file is set aside."""

import json
import os
from pathlib import Path

import pytest

from gui.settings import Settings


def test_round_trip(tmp_path):
    s = Settings(tmp_path / "settings.json")
    s["theme"] = "dark"
    s["params"] = {"mutex": {"threads": "7"}}
    assert s.save()
    again = Settings(tmp_path / "settings.json").load()
    assert again["theme"] == "dark"
    assert again["params"] == {"mutex": {"threads": "7"}}
    assert again.problem is None


def test_missing_file_gives_defaults(tmp_path):
    s = Settings(tmp_path / "nothing-here.json").load()
    assert s["theme"] == "light" and s.problem is None


def test_corrupt_file_is_renamed_aside(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{ this is not json")
    s = Settings(path).load()
    assert s["theme"] == "light"
    assert "damaged" in s.problem
    assert not path.exists()
    aside = list(tmp_path.glob("settings.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"


def test_wrong_types_fall_back_per_key(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": 3, "zoom": 1.5, "params": []}))
    s = Settings(path).load()
    assert s["theme"] == "light" and s["zoom"] == 1.5 and s["params"] == {}


def test_without_posix_open_flags_it_saves_loads_and_refuses_a_link(tmp_path, monkeypatch):
    # Windows has no O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC or O_DIRECTORY: loading and
    # saving used to raise AttributeError there, at the window's start and close.
    for flag in ("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "O_DIRECTORY"):
        monkeypatch.delattr(os, flag, raising=False)
    s = Settings(tmp_path / "settings.json")
    s["theme"] = "dark"
    assert s.save()
    again = Settings(tmp_path / "settings.json").load()
    assert again["theme"] == "dark" and again.problem is None
    target = tmp_path / "elsewhere.json"
    target.write_text('{"theme": "dark"}')
    link = tmp_path / "linked" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(target)
    linked = Settings(link).load()
    assert linked["theme"] == "light" and "symbolic link" in linked.problem
    assert target.read_text() == '{"theme": "dark"}'   # never followed, never changed


@pytest.mark.parametrize("kind", ["config"])
def test_the_app_folders_are_where_platformdirs_puts_them(kind, monkeypatch, tmp_path):
    """user_dir writes out platformdirs' XDG rule (importing it costs ~4 ms at start)."""
    import platformdirs

    from gui.settings import user_dir
    finder = {"config": platformdirs.user_config_dir}[kind]
    variable = {"config": "XDG_CONFIG_HOME"}[kind]
    for value in (None, "", "  ", str(tmp_path / "xdg")):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
        assert user_dir(kind) == Path(finder("pysyslab", appauthor=False)), value
