"""gui/widgets/tips.py: a tooltip made on the first hover shows as one made at start."""

import os
import tkinter as tk

import pytest

from gui.widgets.tips import tip_text
from tests.desktop import xdotool
from tests.gui.conftest import pump_until


def shown_tips(widget) -> list[str]:
    """The texts of the tooltip windows on screen over ``widget``."""
    texts = []
    for child in widget.winfo_children():
        if isinstance(child, tk.Toplevel) and child.winfo_viewable():
            texts += [label.cget("text") for label in child.winfo_children()]
    return texts


@pytest.mark.gui
def test_the_run_buttons_tip_is_made_and_shown_when_the_pointer_comes_over_it(app):
    app.geometry("1260x700+0+0")
    button = app.current_tab().run_button
    app.update()
    assert tip_text(button) == "Run the lesson (F5 or Ctrl+R)"   # noted, not made yet
    assert not button.winfo_children()
    x = button.winfo_rootx() + button.winfo_width() // 2
    y = button.winfo_rooty() + button.winfo_height() // 2
    xdotool("mousemove", str(x), str(y), display=os.environ["DISPLAY"])
    pump_until(app, lambda: shown_tips(button), timeout=10)
    assert shown_tips(button) == ["Run the lesson (F5 or Ctrl+R)"]
    assert tip_text(button) is None
    # Away and back: the tip made on the first hover hides and shows again, alone.
    xdotool("mousemove", "5", "5", display=os.environ["DISPLAY"])
    pump_until(app, lambda: not shown_tips(button), timeout=10)
    xdotool("mousemove", str(x), str(y), display=os.environ["DISPLAY"])
    pump_until(app, lambda: shown_tips(button), timeout=10)
    assert shown_tips(button) == ["Run the lesson (F5 or Ctrl+R)"]
    xdotool("mousemove", "5", "5", display=os.environ["DISPLAY"])
