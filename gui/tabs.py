"""Which tab class shows which lesson. Lessons not listed get the plain LessonTab."""

from __future__ import annotations

import importlib

from .lesson_tab import LessonTab

# lesson id -> "module:Class" inside the gui package, imported when needed.
CUSTOM_TABS: dict[str, str] = {}
CUSTOM_TABS["filescan"] = "lessons.filescan:FilescanTab"
CUSTOM_TABS["signals"] = "lessons.signals:SignalsTab"
CUSTOM_TABS["sockets"] = "lessons.sockets:SocketsTab"
CUSTOM_TABS["pipes"] = "lessons.pipes:PipesTab"


def tab_class(lesson_id: str) -> type:
    target = CUSTOM_TABS.get(lesson_id)
    if target is None:
        return LessonTab
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"gui.{module_name}")
    return getattr(module, class_name)
