"""The window's speed stays within the engine's range (engine.control.clamp_speed)."""

import gc

import pytest

from engine.control import MAX_SPEED, MIN_SPEED
from gui.settings import Settings


@pytest.mark.parametrize("saved, expected", [(50.0, MAX_SPEED), (0.001, MIN_SPEED), (2.5, 2.5)])
def test_a_saved_speed_out_of_range_is_brought_into_it(tmp_path, saved, expected):
    from gui.app import App
    settings = Settings(tmp_path / "settings.json")
    settings["speed"] = saved
    window = App(settings=settings)
    try:
        window.update()
        assert window.speed == expected
    finally:
        window.close()
        gc.collect()


def test_the_slider_cannot_leave_the_range(app):
    app.set_speed(1000)
    assert (app.speed, app.speed_label.cget("text")) == (MAX_SPEED, "10x")
    app.set_speed(0)
    assert (app.speed, app.speed_label.cget("text")) == (MIN_SPEED, "0.1x")
