"""Which tab class shows which lesson. Lessons not listed get the plain LessonTab."""

from __future__ import annotations

import importlib

from .lesson_tab import LessonTab

# lesson id -> "module:Class" inside the gui package, imported when needed.
CUSTOM_TABS: dict[str, str] = {}
CUSTOM_TABS["filescan"] = "filescan_tab:FilescanTab"
CUSTOM_TABS["signals"] = "signals_tab:SignalsTab"
CUSTOM_TABS["sockets"] = "sockets_tab:SocketsTab"
CUSTOM_TABS["pipes"] = "pipes_tab:PipesTab"


def tab_class(lesson_id: str) -> type:
    target = CUSTOM_TABS.get(lesson_id)
    if target is None:
        return LessonTab
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"gui.{module_name}")
    return getattr(module, class_name)
