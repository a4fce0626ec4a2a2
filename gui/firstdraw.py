"""Tell a launcher when the window is first on screen (for the start-up benchmark).

"First drawn" means: X has mapped the root window and Tk has then finished
every pending redraw (``update_idletasks``). At that moment the wall-clock
time is written to the file named by ``$PYSYSLAB_READY_FILE``, so a launcher
can subtract the time at which it started the app.
"""

from __future__ import annotations

import os
import time

ENV = "PYSYSLAB_READY_FILE"


def report_first_draw(root, path: str | None = None) -> None:
    path = path or os.environ.get(ENV)
    if not path:
        return
    reported = False

    def on_map(event) -> None:
        nonlocal reported
        if reported or event.widget is not root:
            return
        reported = True
        root.update_idletasks()  # draw every widget that is waiting to be drawn
        stamp = time.time()
        partial = f"{path}.part"  # renamed into place, so no one reads half a line
        with open(partial, "w", encoding="utf-8") as f:
            f.write(f"{stamp:.6f}\n")
        os.replace(partial, path)

    # add="+" keeps ttkbootstrap's own <Map> binding on the root.
    root.bind("<Map>", on_map, add="+")
