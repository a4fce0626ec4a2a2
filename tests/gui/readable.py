"""Checks that a widget's text can be read whole, on the real window."""

import tkinter.font as tkfont


def cut_off(widget, across_only: bool = False) -> list[str]:
    """How ``widget`` is cut off on screen, or [] if all of it shows.

    It must have the width and height it asks for, and lie inside the width of
    every widget around it (a pane narrower than its content clips it).
    ``across_only``: check the width only. (In a column too short for all it
    holds, the last widgets lose height: that is the layout's part of issue 14.)
    """
    widget.update_idletasks()
    problems = []
    if not widget.winfo_viewable():
        return [f"{widget} is not on screen"]
    width, height = widget.winfo_width(), widget.winfo_height()
    if widget.winfo_reqwidth() > width:
        problems.append(f"asks for {widget.winfo_reqwidth()} px of width, has {width}")
    if widget.winfo_reqheight() > height and not across_only:
        problems.append(f"asks for {widget.winfo_reqheight()} px of height, has {height}")
    left, top = widget.winfo_rootx(), widget.winfo_rooty()
    right, bottom = left + width, top + height
    outer = widget.master
    while outer is not None:
        o_left, o_top = outer.winfo_rootx(), outer.winfo_rooty()
        o_right, o_bottom = o_left + outer.winfo_width(), o_top + outer.winfo_height()
        if left < o_left or right > o_right:
            problems.append(f"spans x {left}..{right}, but {outer} shows only {o_left}..{o_right}")
        if not across_only and (top < o_top or bottom > o_bottom):
            problems.append(f"spans y {top}..{bottom}, but {outer} shows only {o_top}..{o_bottom}")
        outer = outer.master
    return problems


def words_fit(label) -> bool:
    """No word of the label's text is wider than its wrap length, so Tk never splits one
    (a number such as 15,459 stays whole)."""
    font = tkfont.Font(font=label.cget("font") or "TkDefaultFont")
    wrap = int(str(label.cget("wraplength")) or 0)
    return all(font.measure(word) <= wrap for word in label.cget("text").split())
