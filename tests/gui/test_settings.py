"""Settings on disk: saved, loaded, and a damaged file is set aside."""

import json

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
