"""Tooltips made when the pointer first comes over their widget.

A ``ttk.ToolTip`` costs ~0.3 ms to make (five bindings, each a new Tcl
command, and its size read from Tk's scaling), and the visible lesson carries
about twenty of them: ~6 ms before the window is ready, for tips that most
widgets never show. ``tip`` only notes the text and gives the widget one
binding tag, shared by every such widget; the first <Enter> makes the real
tooltip, which then behaves exactly as if it had been there from the start.

Run ``python -m gui.widgets.tips`` to hover over a few.
"""

from __future__ import annotations

import ttkbootstrap as ttk

TAG = "PslLazyTip"
_texts: dict[str, str] = {}   # widget path -> its tip's text, until the tip is made


def tip(widget, text: str) -> None:
    """Give ``widget`` a tooltip saying ``text`` (made on the first hover)."""
    _texts[str(widget)] = text
    tags = widget.bindtags()
    if TAG not in tags:
        widget.bindtags((TAG, *tags))
    root = widget._root()
    if not getattr(root, "_lazy_tips_bound", False):
        root.bind_class(TAG, "<Enter>", _make_tip, add="+")
        root.bind_class(TAG, "<Destroy>", lambda e: _texts.pop(str(e.widget), None), add="+")
        root._lazy_tips_bound = True


def tip_text(widget) -> str | None:
    """The text of ``widget``'s tip if it is not made yet (for tests and demos)."""
    return _texts.get(str(widget))


def _make_tip(event) -> None:
    widget = event.widget
    text = _texts.pop(str(widget), None)
    widget.bindtags(tuple(tag for tag in widget.bindtags() if tag != TAG))
    if text is None or not widget.winfo_exists():
        return
    made = ttk.ToolTip(widget, text=text)
    made.enter(event)   # (its own <Enter> binding was not there when this one came)


def demo(parent) -> ttk.Frame:
    """Buttons whose tips are made when the pointer first comes over them."""
    frame = ttk.Frame(parent, padding=20)
    ttk.Label(frame, text="Hover over a button: its tip is made then.").pack(pady=(0, 6))
    for number in range(3):
        button = ttk.Button(frame, text=f"Hover over me ({number + 1})")
        button.pack(pady=6)
        tip(button, f"Tip number {number + 1}, made on the first hover")
    return frame


if __name__ == "__main__":
    from .demo import run
    run(demo, "Tooltips")
