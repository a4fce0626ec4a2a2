"""The start-up benchmark's floor: a window with one label, themed as PySysLab is.

What any ttkbootstrap app pays to show a window: starting Python (or the
executable), importing ttkbootstrap, building our light theme and drawing.
``bench_startup`` freezes it exactly as the app is frozen (``floor.spec``) and
times it beside the app, so the ratio app/floor says what our own code costs.
It reports its first draw (which is also ready: there is nothing more to
build) as the app does, through ``gui.firstdraw``; SIGTERM ends it.

    python -m tests.bench.floor_app
"""

import multiprocessing

import ttkbootstrap as ttk

from gui.firstdraw import report_first_draw
from gui.themes import LIGHT_THEME, register_themes


def main() -> None:
    register_themes()
    app = ttk.App(title="PySysLab floor", theme=LIGHT_THEME)
    ttk.Label(app, text="PySysLab").pack(padx=40, pady=40)
    report_first_draw(app)
    app.mainloop()


if __name__ == "__main__":
    multiprocessing.freeze_support()   # as the app's entry script does
    main()
