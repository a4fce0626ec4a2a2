"""Look at the real window on the current screen as a learner would: what is out of reach?

    python -m tests.gui.layout_check --zoom 1.25 [--fill] [--shots DIR]

Opens the app (settings in a temporary folder), optionally makes its window
fill the screen exactly (menu bar included, as a maximised window on a
laptop), applies the zoom the way View > Zoom does, then on every lesson's
tab:

* finds Run, Stop, Step, Next, Continue, the status and result lines (and the
  Signals tab's signal buttons, and a tab's challenges) on screen: viewable, drawn at their full
  requested size, and inside every widget that holds them, up to the window
  and the screen;
* follows every line that can act (each ``emit(`` line) and the longest lines
  of the code, and checks that each is shown whole in the code pane;
* runs the lesson until the window marks an acting line, and checks that
  that line is shown whole.

Prints one JSON object: {"problems": [...], "measures": {...}}. The GUI tests
run it on a virtual screen of their own (tests/gui/test_layout.py), because
the screen's size is what is being tested.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from tests.desktop import ROOT, wait_for

CONTROLS = ("run_button", "stop_button", "step_switch", "next_button", "continue_button",
            "status_label", "result_label")
# Parameters that make each lesson act at once and end soon.
QUICK = {
    "filescan": {"root": str(ROOT / "engine")},
    "mutex": {"threads": 2, "lines": 2, "delay": 0},
    "signals": {"interval": 1, "alarms": 1},
}
LONGEST = 5   # besides the acting lines, the code's longest lines are followed too


def rectangle(widget) -> tuple[int, int, int, int]:
    x, y = widget.winfo_rootx(), widget.winfo_rooty()
    return x, y, x + widget.winfo_width(), y + widget.winfo_height()


def out_of_reach(widget) -> str | None:
    """Why ``widget`` cannot be seen whole, or None."""
    if not widget.winfo_viewable():
        return "not viewable"
    if widget.winfo_width() < widget.winfo_reqwidth() \
            or widget.winfo_height() < widget.winfo_reqheight():
        return (f"squeezed to {widget.winfo_width()}x{widget.winfo_height()} "
                f"(needs {widget.winfo_reqwidth()}x{widget.winfo_reqheight()})")
    x0, y0, x1, y1 = rectangle(widget)
    holder = widget.master
    while holder is not None:
        hx0, hy0, hx1, hy1 = rectangle(holder)
        if x0 < hx0 or y0 < hy0 or x1 > hx1 or y1 > hy1:
            return (f"at {x0},{y0}-{x1},{y1}, outside {holder.winfo_class()} "
                    f"{hx0},{hy0}-{hx1},{hy1}")
        holder = holder.master
    screen = (widget.winfo_screenwidth(), widget.winfo_screenheight())
    if x0 < 0 or y0 < 0 or x1 > screen[0] or y1 > screen[1]:
        return f"at {x0},{y0}-{x1},{y1}, off the {screen[0]}x{screen[1]} screen"
    return None


def shown_whole(text, line: int) -> str | None:
    """Why ``line`` of a Text widget is not shown whole (every wrapped part), or None."""
    text.update_idletasks()
    breaks = text.count(f"{line}.0", f"{line}.0 lineend", "displaylines")
    parts = (breaks[0] if breaks else 0) + 1
    inner_top = int(text.cget("borderwidth")) + int(text.cget("pady"))
    inner_bottom = text.winfo_height() - inner_top
    inner_right = text.winfo_width() - int(text.cget("borderwidth")) - int(text.cget("padx"))
    for part in range(parts):
        info = text.dlineinfo(f"{line}.0 +{part} display lines")
        if info is None:
            return f"part {part + 1} of {parts} is out of view"
        x, y, width, height, _baseline = info
        if y < inner_top or y + height > inner_bottom:
            return f"part {part + 1} of {parts} is cut at the top or the bottom (y={y})"
        if x < 0 or x + width > inner_right:
            return f"part {part + 1} of {parts} is cut at the side (x={x}, width={width})"
    return None


def outer_top(app) -> int:
    """Where the window's frame (its menu bar) begins: the y of its geometry.

    The virtual screen has no window manager, so no title bar is added.
    """
    return int(app.geometry().split("+")[2])


def fill_screen(app) -> None:
    """Make the whole window, menu bar included, exactly as big as the screen."""
    app.geometry("+0+0")
    app.update()
    menu_bar = app.winfo_rooty() - outer_top(app)
    app.geometry(f"{app.winfo_screenwidth()}x{app.winfo_screenheight() - menu_bar}+0+0")
    app.update()


def turn_page(tab, page: str) -> None:
    """Show the explanation or the code, where they share a notebook."""
    pages = getattr(tab, "pages", None)
    if pages is not None:
        pages.select(0 if page == "explanation" else tab.code_page)


def check_tab(app, tab, problems: list[str], measures: dict) -> None:
    lesson = tab.lesson.id
    for _ in range(3):
        app.update()
    widgets = {name: getattr(tab, name) for name in CONTROLS}
    widgets.update({f"{name} button": button
                    for name, button in getattr(tab, "signal_buttons", {}).items()})
    if getattr(tab, "challenge_panel", None) is not None:
        widgets["challenges"] = tab.challenge_panel
    for name, widget in widgets.items():
        why = out_of_reach(widget)
        if why:
            problems.append(f"{lesson}: {name} {why}")
    # The explanation: how many lines of text it shows.
    turn_page(tab, "explanation")
    app.update()
    explanation = tab.explanation.text.text
    linespace = explanation.tk.call("font", "metrics", "TkDefaultFont", "-linespace")
    measures[f"{lesson} explanation lines"] = explanation.winfo_height() // int(linespace)
    # Every line that can act, and the longest ones, followed one by one.
    turn_page(tab, "code")
    app.update()
    code = tab.source.text.text
    lines = tab.source.content().splitlines()
    acting = [n for n, text in enumerate(lines, 1) if "emit(" in text]
    longest = sorted(range(1, len(lines) + 1), key=lambda n: -len(lines[n - 1]))[:LONGEST]
    for line in sorted(set(acting + longest)):
        tab.source.follow(line)
        why = shown_whole(code, line)
        if why:
            problems.append(f"{lesson}: code line {line} followed but {why}")
    measures[f"{lesson} lines followed"] = len(set(acting + longest))
    # A real run: the line the window follows is shown whole.
    tab.form.set_values(QUICK.get(lesson, {}))
    tab.source.followed_line = None
    tab.source.clear_highlights()
    if not tab.start_run():
        problems.append(f"{lesson}: the run did not start: {tab.status_label.cget('text')}")
        return
    marked = wait_for(lambda: tab.source.followed_line is not None or tab.state == "done",
                      30, step=0.01, every=app.update)
    line = tab.source.followed_line
    if not marked or line is None:
        problems.append(f"{lesson}: no acting line was marked")
    else:
        why = shown_whole(code, line)
        if why:
            problems.append(f"{lesson}: acting line {line} {why}")
    tab.stop_run()
    if not wait_for(lambda: tab.state == "done", 30, step=0.01, every=app.update):
        problems.append(f"{lesson}: the run did not end within 30 s of Stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zoom", type=float, default=1.0)
    parser.add_argument("--fill", action="store_true", help="fill the screen exactly")
    parser.add_argument("--shots", help="save a screenshot of each tab into this folder")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSYSLAB_CONFIG_DIR", tempfile.mkdtemp(prefix="layout-check-"))
    from gui.app import App
    app = App()
    app.set_speed(10)
    if args.zoom != 1.0:
        app.set_zoom(args.zoom)
    if args.fill:
        fill_screen(app)
    app.update()
    problems: list[str] = []
    measures = {"window": app.geometry(), "screen": f"{app.winfo_screenwidth()}x"
                f"{app.winfo_screenheight()}", "outer height":
                app.winfo_rooty() + app.winfo_height() - outer_top(app)}
    try:
        for lesson_id in app.tabs:
            tab = app.select(lesson_id)
            check_tab(app, tab, problems, measures)
            if args.shots:
                from PIL import ImageGrab
                turn_page(tab, "code" if lesson_id == "sockets" else "explanation")
                app.update()
                ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(
                    Path(args.shots) / f"{lesson_id}.png")
    finally:
        app.close()
    print(json.dumps({"problems": problems, "measures": measures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
