"""Labels that wrap at their own width, so no line is cut off at the edge.

A ttk label with a fixed ``wraplength`` is cut off as soon as its pane is
narrower than that length ("Result: ... in 15,45" where the text said
15,459), and a label with no wraplength is cut off as soon as its text is
longer than the pane. These labels follow the width they are given: each
time it changes, the wrap length is set to it, so the whole text is shown
on as many lines as it needs. Tk wraps at spaces, so a number is never split
unless it alone is wider than the label.

The label must be given its width by its geometry manager (``pack(fill="x")``
or ``grid(sticky="ew")``): its own requested width then follows the wrap
length and never pushes its pane wider.

Run ``python -m gui.widgets.wraplabel`` to see one in a window you can resize.
"""

from __future__ import annotations

import ttkbootstrap as ttk

# What the label's border and padding take from its width (2 px each side
# in the bootstrap themes), and a little more so the last letter never
# touches the edge.
EDGE_PX = 8
NARROWEST_PX = 40      # below this a label would only show a letter per line
FIRST_WRAP_PX = 200    # until the label is first laid out: small, so it asks for little


def wrap_to_width(label: ttk.Label) -> ttk.Label:
    """Make ``label`` wrap its text at whatever width it is given from now on."""
    if not str(label.cget("wraplength")):
        label.configure(wraplength=FIRST_WRAP_PX)

    recent: list[int] = []   # the last two widths it wrapped at

    def follow(event) -> None:
        wanted = max(NARROWEST_PX, event.width - EDGE_PX)
        if str(label.cget("wraplength")) == str(wanted):
            return
        if len(recent) == 2 and wanted == recent[0]:
            # A -> B -> A: in a grid column sized by its content, wrapping at A makes
            # the label ask for B and the other way round, for ever. Keep the
            # narrower of the two, which fits either way, and stop there.
            narrower = min(recent)
            if str(label.cget("wraplength")) != str(narrower):
                label.configure(wraplength=narrower)
            return
        recent[:] = [*recent[-1:], wanted]
        label.configure(wraplength=wanted)
    label.bind("<Configure>", follow, add="+")
    return label


class WrapLabel(ttk.Label):
    """A ttk.Label that wraps at its own width (see the module docstring)."""

    def __init__(self, master=None, **kw):
        kw.setdefault("justify", "left")
        kw.setdefault("wraplength", FIRST_WRAP_PX)
        super().__init__(master, **kw)
        wrap_to_width(self)


def demo(parent) -> ttk.Frame:
    """Result lines that a fixed wrap would cut off: resize the window."""
    frame = ttk.Frame(parent, padding=8)
    for text in ("Result: 20,779 .py files, 1.2 GB, in 15,459 folders, 3.21 s; "
                 "never consumed: 0   consumed\u00a0twice:\u00a00",
                 "Ended after 4.02 s: consumer-2 (pid 4242) was killed by SIGKILL."):
        WrapLabel(frame, text=text).pack(fill="x", pady=4)
    return frame


if __name__ == "__main__":
    from .demo import run
    run(demo, "WrapLabel")
