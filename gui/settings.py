"""Settings that PySysLab remembers between runs, in one JSON file.

The file lives in the per-user config folder (platformdirs), or in
``$PYSYSLAB_CONFIG_DIR`` when that is set (the tests use it). It is the only
file the app writes on its own. A file that cannot be read as settings is
renamed aside, and the app starts with defaults and says so.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

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


def config_dir() -> Path:
    override = os.environ.get("PYSYSLAB_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir
    return Path(user_config_dir("pysyslab", appauthor=False))


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.json"
        self.values: dict[str, Any] = json.loads(json.dumps(DEFAULTS))
        self.problem: str | None = None   # a message for the person, if loading failed

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    def load(self) -> Settings:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self
        except OSError as exc:
            self.problem = f"Could not read settings ({exc.strerror}); using defaults."
            return self
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            aside = self.path.with_name(f"settings.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
            try:
                os.replace(self.path, aside)
                where = f"it was renamed to {aside}"
            except OSError:
                where = "it could not be renamed"
            self.problem = (f"The settings file was damaged ({exc}); {where}. "
                            "Starting with default settings.")
            log.warning(self.problem)
            return self
        for key, default in DEFAULTS.items():
            value = data.get(key, default)
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, type(default))
            self.values[key] = value if ok else json.loads(json.dumps(default))
        return self

    def save(self) -> bool:
        """Write atomically: a crash mid-write never leaves half a file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.values, indent=2, ensure_ascii=True),
                           encoding="utf-8")
            os.replace(tmp, self.path)
            return True
        except OSError as exc:
            log.warning("could not save settings to %s: %s", self.path, exc)
            return False
