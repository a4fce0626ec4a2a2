"""The Signals tab: buttons that send a signal to the lesson's child process.

The lesson's child (the *catcher*) announces its pid in a ``state`` event once
its handlers are set; until then a signal such as SIGUSR1 would simply kill
it. The buttons are live only between that event and the one that says the
catcher is ending. Sending is one ``os.kill`` from the Tk thread: it never
blocks.
"""

from __future__ import annotations

import logging
import os
import platform
import signal
import time

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import RUNNING, LessonTab
from ..scaling import ui_factor

log = logging.getLogger(__name__)

# (signal, button text, bootstyle, what the learner should expect). Styles whose
# text reads at 4.5:1 or better in both themes: yellow or cyan text on white
# (the "warning outline" and "info outline" looks) did not.
SIGNAL_BUTTONS = (
    ("SIGUSR1", "SIGUSR1", "info",
     "A signal with no fixed meaning, free for programs to use. "
     "The catcher's on_user_signal() runs."),
    ("SIGUSR2", "SIGUSR2", "info",
     "The second free signal. The same handler serves both: it is told which one came."),
    ("SIGINT", "SIGINT", "secondary outline",
     "What Ctrl+C sends. Its handler replaces the usual KeyboardInterrupt."),
    ("SIGALRM", "SIGALRM now", "secondary outline",
     "Ring the alarm early, as if the timer had run out. It counts as one of the alarms."),
    ("SIGTERM", "SIGTERM", "warning",
     "The polite 'please end': the handler lets the catcher tidy up and leave."),
    ("SIGKILL", "SIGKILL", "danger",
     "Cannot be caught, blocked or ignored: the catcher dies at once, "
     "and the lesson can only see how."),
)


def why_unavailable(name: str) -> str | None:
    """Why the signal ``name`` cannot be sent here, or None if it can."""
    if not hasattr(signal, name):
        return f"{platform.system() or os.name} has no {name}, so this button is off."
    return None


def windows_caveat(name: str) -> str:
    # On Windows os.kill() with SIGINT or SIGTERM ends the process outright
    # (TerminateProcess); no handler runs.
    if os.name == "nt" and name in ("SIGINT", "SIGTERM"):
        return " On Windows, os.kill() with it ends the process at once: no handler runs."
    return ""


class SignalsTab(LessonTab):
    def __init__(self, master, app, lesson, **kw):
        self.child_pid: int | None = None
        self.signal_buttons: dict[str, ttk.Button] = {}
        self.tooltips: dict[str, ttk.ToolTip] = {}
        super().__init__(master, app, lesson, **kw)

    # -- building -----------------------------------------------------------------
    def create_controls(self, parent) -> None:
        super().create_controls(parent)
        box = ttk.Labelframe(parent, text="Send a signal to the catcher", padding=6)
        box.pack(fill="x", pady=(6, 0))
        for i, (name, text, style, hint) in enumerate(SIGNAL_BUTTONS):
            button = ttk.Button(box, text=text, bootstyle=style,
                                command=lambda n=name: self.send_signal(n))
            button.grid(row=i // 3, column=i % 3, sticky="ew", padx=2, pady=2)
            self.signal_buttons[name] = button
            self.tooltips[name] = ttk.ToolTip(
                button, text=why_unavailable(name) or hint + windows_caveat(name),
                wraplength=round(280 * ui_factor(self)))
        for column in range(3):
            box.columnconfigure(column, weight=1)
        self.pid_label = ttk.Label(box, text="")
        self.pid_label.grid(row=2, column=0, columnspan=3, sticky="w", pady=(4, 0))

    # -- state --------------------------------------------------------------------
    def set_state(self, state: str, text: str, style: str = "") -> None:
        super().set_state(state, text, style)
        self.update_signal_buttons()

    def update_signal_buttons(self) -> None:
        """Signal buttons are live only while the catcher runs with its handlers set."""
        live = self.state == RUNNING and self.child_pid is not None
        for name, button in self.signal_buttons.items():
            usable = live and why_unavailable(name) is None
            button.configure(state="normal" if usable else "disabled")
        self.pid_label.configure(
            text=f"catcher: pid {self.child_pid}" if self.child_pid else "catcher: not running")

    # -- events -------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        super().on_run_started(run)
        self.child_pid = None

    def on_events(self, events: list) -> None:
        for event in events:
            if event.kind == vocab.STATE and isinstance(event.data, dict) \
                    and vocab.CHILD_PID in event.data:
                self.child_pid = event.data[vocab.CHILD_PID]
                self.update_signal_buttons()
        super().on_events(events)

    def finish(self, event) -> None:
        self.child_pid = None
        super().finish(event)

    # -- sending --------------------------------------------------------------------
    def send_signal(self, name: str) -> bool:
        """Send signal ``name`` to the catcher. True if the OS accepted it."""
        pid = self.child_pid
        if pid is None or self.state != RUNNING:
            return False
        reason = why_unavailable(name)
        if reason:
            self.tell(reason, "warning")
            return False
        try:
            os.kill(pid, getattr(signal, name))
        except ProcessLookupError:
            self.child_pid = None
            self.update_signal_buttons()
            self.tell(f"{name} not sent: the catcher (pid {pid}) has already ended.",
                      "warning")
            return False
        except OSError as exc:
            log.warning("os.kill(%s, %s) failed: %s", pid, name, exc)
            self.tell(f"{name} not sent to pid {pid}: {exc.strerror or exc}.", "danger")
            return False
        self.note(f"sent {name} to the catcher (pid {pid}) with os.kill()")
        return True

    def tell(self, text: str, style: str) -> None:
        """A message for the learner, in the status line and in the log."""
        self.set_state(self.state, text, style)
        self.note(text)

    def note(self, text: str) -> None:
        """Put a line from the window into the run's own log, in time order."""
        run = self.run
        if run is None:
            return
        emit = run.emit
        # gated=False: the Tk thread must never wait at a step-mode gate.
        emit.put(time.monotonic() - emit.t0, "window", vocab.LOG, text, None, None,
                 os.getpid(), gated=False)
