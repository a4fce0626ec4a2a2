"""The Deadlock tab: the run's wait-for graph above the timeline.

Drawn from the lock probes' events and the engine's ``deadlock`` events only
(``gui/widgets/waitfor.py``): who holds which lock, who waits for which, and
the loop of waits when the two threads deadlock.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from ..lesson_tab import LessonTab
from ..widgets.waitfor import WaitForView


class DeadlockTab(LessonTab):
    def create_extra(self, parent):
        box = ttk.Labelframe(parent, text="Who holds which lock, who waits for which",
                             padding=4)
        self.waitfor = WaitForView(box, colors=self.colors)
        self.waitfor.pack(fill="both", expand=True)
        return box

    def on_run_started(self, run) -> None:
        self.waitfor.reset()

    def on_events(self, events: list) -> None:
        self.waitfor.add(events)
        super().on_events(events)   # last: it may finish the run
