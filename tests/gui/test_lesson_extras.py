"""A lesson's extras are found by the lesson's id: ``gui/lessons/<id>.py``."""

import sys
from pathlib import Path

import pytest

import gui.lessons
from engine import catalog
from gui.lesson_tab import LessonTab
from gui.lessons import tab_class

LESSONS_DIR = Path(gui.lessons.__file__).parent


def extras_modules() -> set[str]:
    return {path.stem for path in LESSONS_DIR.glob("*.py") if path.stem != "__init__"}


def test_every_extras_module_is_named_after_a_lesson():
    """A misspelt module would be silently ignored, so check each name is a lesson id."""
    ids = {lesson.id for lesson in catalog.lessons()}
    assert extras_modules() <= ids
    assert {"filescan", "pipes", "signals", "sockets"} <= extras_modules()


@pytest.mark.parametrize("lesson_id", catalog.ORDER)
def test_each_lesson_gets_its_modules_tab_or_the_plain_one(lesson_id):
    cls = tab_class(lesson_id)
    if lesson_id in extras_modules():
        assert cls is not LessonTab and issubclass(cls, LessonTab)
        assert cls.__module__ == f"gui.lessons.{lesson_id}"
    else:
        assert cls is LessonTab


@pytest.fixture
def more_extras(tmp_path, monkeypatch):
    """A second folder of extras modules, searched after gui/lessons/ itself."""
    monkeypatch.setattr(gui.lessons, "__path__", [*gui.lessons.__path__, str(tmp_path)])
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("gui.lessons.extra_")]:
        del sys.modules[name]


def test_a_new_module_named_after_an_id_is_found(more_extras):
    (more_extras / "extra_new.py").write_text(
        "from gui.lesson_tab import LessonTab, RUNNING\n"
        "class Helper:\n    pass\n"
        "class NewTab(LessonTab):\n    pass\n")
    cls = tab_class("extra_new")
    assert cls.__name__ == "NewTab" and cls.__module__ == "gui.lessons.extra_new"


def test_a_missing_import_inside_an_extras_module_is_not_hidden(more_extras):
    (more_extras / "extra_broken.py").write_text("import no_such_module_for_pysyslab\n")
    with pytest.raises(ModuleNotFoundError, match="no_such_module_for_pysyslab"):
        tab_class("extra_broken")


def test_a_module_without_a_tab_class_says_so(more_extras):
    (more_extras / "extra_empty.py").write_text("from gui.lesson_tab import LessonTab\n")
    with pytest.raises(TypeError, match="exactly one LessonTab subclass"):
        tab_class("extra_empty")


def test_an_id_that_is_no_module_name_gets_the_plain_tab():
    assert tab_class("no-such lesson") is LessonTab
    assert tab_class("no_such_lesson") is LessonTab
