"""PySysLab's engine: runs lessons headless and reports what they do as Events.

Nothing here imports tkinter, ttkbootstrap or the gui package.

The names below are imported on first use (PEP 562), so a process that only
needs ``engine.lab`` (a lab process) does not pay for the runner and its imports.
"""

import importlib

_WHERE = {"Event": "events", "LessonError": "errors", "ParamError": "params",
          "start": "runner"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
