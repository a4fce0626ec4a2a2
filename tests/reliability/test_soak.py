"""A short soak: every lesson 5 times through the engine and twice in the real window.

``make soak`` (scripts/soak.py) runs the long one (50 and 10 times) and
publishes the table. Here each run must end with status ok or stopped, and
leave no thread, process, zombie, socket or file descriptor behind.
"""

import pytest

from engine import catalog
from tests.reliability import leaky_lesson
from tests.reliability.lessons import lesson_ids
from tests.reliability.soak import LEAK_KINDS, soak_engine, soak_gui, table

ENGINE_RUNS = 5
GUI_RUNS = 2


def explain(tally) -> str:
    return table([tally]) + "\n" + "\n".join(tally.problems)


@pytest.mark.parametrize("lesson", lesson_ids())
def test_engine_runs_in_a_row_leave_nothing(lesson):
    tally = soak_engine(lesson, ENGINE_RUNS)
    assert tally.runs == tally.ended + tally.stopped == ENGINE_RUNS, explain(tally)
    assert tally.clean, explain(tally)


@pytest.mark.gui
@pytest.mark.parametrize("lesson", lesson_ids())
def test_gui_runs_in_a_row_leave_nothing(app, lesson):
    tally = soak_gui(app, lesson, GUI_RUNS)
    assert tally.runs == tally.ended + tally.stopped == GUI_RUNS, explain(tally)
    assert tally.clean, explain(tally)


@pytest.mark.allow_leaks
def test_the_soak_counts_each_kind_of_leftover(monkeypatch):
    """A lesson that leaves one of everything: the soak must see each kind."""
    leaky = catalog.Lesson("leaky", "Leaky", leaky_lesson)
    monkeypatch.setattr(catalog, "get", lambda lesson_id: leaky)
    try:
        tally = soak_engine("leaky", 2, params_for=lambda lesson, variant: {})
    finally:
        leaky_lesson.clean_up()
    assert not tally.clean
    for kind in LEAK_KINDS:
        assert tally.leaks[kind] >= 1, explain(tally)
    assert tally.leaks["processes"] == 2, explain(tally)   # one per run, both counted
