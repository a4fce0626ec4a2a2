"""Tell a launcher when the window is first on screen, and when it is ready
(for the start-up benchmark).

"First drawn" means: X has mapped the root window and Tk has then finished
every pending redraw (``update_idletasks``). "Ready" means: the visible
lesson's widgets are built and drawn too (the usual start builds them before
the first draw, which is then ready too; see ``App.build_front_lesson``). At
each moment the wall-clock time is written to the file named by
``$PYSYSLAB_READY_FILE``: one line with the first time, then two (first,
ready), so a launcher can subtract the time at which it started the app.
"""

from __future__ import annotations

import os
import time

ENV = "PYSYSLAB_READY_FILE"
ROOT_ONLY_TAG = "PslRootOnly"
_stamps: list[float] = []   # the times written so far
_path: list[str] = []       # where report_first_draw was asked to write them


def _write(path: str) -> None:
    partial = f"{path}.part"  # renamed into place, so no one reads half a file
    with open(partial, "w", encoding="utf-8") as f:
        f.write("".join(f"{stamp:.6f}\n" for stamp in _stamps))
    os.replace(partial, path)


def report_first_draw(root, path: str | None = None) -> None:
    path = path or os.environ.get(ENV)
    if not path:
        return
    _path[:] = [path]

    def on_map(event) -> None:
        if event.widget is root:
            note_first_draw(root)

    bind_root_only(root, "<Map>", on_map)


def note_first_draw(root) -> None:
    """Note the first draw now (once, if asked to report): the window is mapped.

    Called by the <Map> handler above, or sooner by a handler of the app's own
    that draws the window and goes on to build more in the same call.
    """
    if _stamps or not _path:
        return
    root.update_idletasks()  # draw every widget that is waiting to be drawn
    _stamps.append(time.time())
    _write(_path[0])
    if getattr(root, "complete", True):
        report_ready(root)  # nothing was left for later


def bind_root_only(root, sequence: str, handler) -> None:
    """Call ``handler`` for ``sequence`` on the root window itself, not on what is in it.

    Every widget carries its toplevel's tag ("."), so a binding made with
    ``root.bind`` also runs for each widget inside as it maps: ~100 Python
    calls at start for one that wants the root only. This tag only the root carries.
    """
    tags = root.bindtags()
    if ROOT_ONLY_TAG not in tags:
        root.bindtags((tags[0], ROOT_ONLY_TAG, *tags[1:]))
    root.bind_class(ROOT_ONLY_TAG, sequence, handler, add="+")


def report_ready(root) -> None:
    if not _path or len(_stamps) != 1:
        return  # not asked, the first draw not reported yet, or said already
    root.update_idletasks()
    _stamps.append(time.time())
    _write(_path[0])
