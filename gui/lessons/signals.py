"""The Signals tab: buttons that send a signal to the program, and what its handlers saw.

The program runs as the lab's main process, so that process is the one a
learner would ``kill`` from another terminal: ``run.pid``. Each button is one
``os.kill(run.pid, SIG...)`` from the Tk thread (it never blocks), live while
the run is running. A signal this platform lacks gets a disabled button whose
tooltip says why.

What happened is read from the run's events only (keys of engine.vocabulary):

* ``probe`` events of ``signal.signal`` (data ``signal`` and ``handler``): which
  handler the program set for which signal;
* ``probe`` events of a delivery (data ``signal``; ``call`` is the handler's
  name): the lab reports each one just before the program's handler runs;
* ``probe`` events of ``signal.alarm`` (data ``seconds``): the alarm clock set;
* the ``done`` event's ``exit_code``: negative when a signal ended the program
  (SIGKILL, which no handler can catch, or a signal sent before its handler
  was set, whose default action ends the program).

The table counts, per signal, the sends from this window and the deliveries
to the program's handler. Before the program has set a handler for SIGUSR1,
that signal ends it, as it would in a terminal: the table's handler column
shows when it is safe.
"""

from __future__ import annotations

import logging
import os
import signal

import ttkbootstrap as ttk

from engine import vocabulary as vocab

from ..lesson_tab import RUNNING, LessonTab
from ..scaling import ui_factor

log = logging.getLogger(__name__)


def system_name() -> str:
    """"Linux", "Darwin", "Windows"... for a message about a missing signal."""
    import platform  # here, not at the top: every start imports this module
    return platform.system() or os.name

# (signal, button text, bootstyle, what the learner should expect). Styles whose
# text reads at 4.5:1 or better in both themes: yellow or cyan text on white
# (the "warning outline" and "info outline" looks) did not.
SIGNAL_BUTTONS = (
    ("SIGUSR1", "SIGUSR1", "info",
     "A signal with no fixed meaning, free for programs to use. "
     "The program's handler runs and counts it."),
    ("SIGUSR2", "SIGUSR2", "info",
     "The second free signal. The same handler serves both: it is told which one came."),
    ("SIGINT", "SIGINT", "secondary outline",
     "What Ctrl+C sends. The program sets no handler for it: Python raises "
     "KeyboardInterrupt, and the program leaves with what it counted."),
    ("SIGALRM", "SIGALRM now", "secondary outline",
     "Ring the alarm early, as if the timer had run out. It counts as one of the alarms."),
    ("SIGTERM", "SIGTERM", "warning",
     "The polite 'please end': the handler notes it, and the program tidies up and leaves."),
    ("SIGKILL", "SIGKILL", "danger",
     "Cannot be caught, blocked or ignored: the program dies at once, no handler runs, "
     "and the run ends as an error: killed by SIGKILL."),
)

#: What happens to a signal the program set no handler for.
NO_HANDLER = {
    "SIGINT": "Python's: raises KeyboardInterrupt",
    "SIGKILL": "none can be set",
}
DEFAULT_ACTION = "none yet: it would end the program"

COLUMNS = (  # (id, heading, width, anchor, stretch)
    ("signal", "Signal", 80, "w", False),
    ("handler", "Handler", 230, "w", True),
    ("sent", "Sent", 50, "e", False),
    ("handled", "Handled", 70, "e", False),
)


def why_unavailable(name: str) -> str | None:
    """Why the signal ``name`` cannot be sent here, or None if it can."""
    if not hasattr(signal, name):
        return f"{system_name()} has no {name}, so this button is off."
    return None


def windows_caveat(name: str) -> str:
    # On Windows os.kill() with SIGINT or SIGTERM ends the process outright
    # (TerminateProcess); no handler runs.
    if os.name == "nt" and name in ("SIGINT", "SIGTERM"):
        return " On Windows, os.kill() with it ends the process at once: no handler runs."
    return ""


def times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def killed_by(exit_code) -> str | None:
    """The signal that ended the program, from the done event's exit code, or None."""
    if isinstance(exit_code, int) and exit_code < 0:
        return signal_name(-exit_code)
    return None


def why_killed(name: str) -> str:
    if name == "SIGKILL":
        return "no handler can catch it"
    return "it had no handler for it, and the default action ends a program"


class SignalsTab(LessonTab):
    def __init__(self, master, app, lesson, **kw):
        self.signal_buttons: dict[str, ttk.Button] = {}
        self.tooltips: dict[str, ttk.ToolTip] = {}
        self.handlers: dict[str, str] = {}   # signal -> the handler the program set
        self.sent: dict[str, int] = {}       # signal -> sends from this window
        self.handled: dict[str, int] = {}    # signal -> deliveries to the program's handler
        self.alarms_set = 0                  # signal.alarm calls with seconds > 0
        self.last_alarm: int | None = None   # the seconds of the latest signal.alarm
        self.killed_by: str | None = None    # the signal that ended the last run, if any
        super().__init__(master, app, lesson, **kw)

    # -- building -----------------------------------------------------------------
    def create_controls(self, parent) -> None:
        super().create_controls(parent)
        box = ttk.Labelframe(parent, text="Send a signal to the program", padding=6)
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

    def create_extra(self, parent):
        frame = ttk.Labelframe(parent, text="What the program's handlers saw", padding=4)
        self.alarm_label = ttk.Label(frame, text="")
        self.alarm_label.pack(anchor="w", pady=(0, 4))
        body = ttk.Frame(frame)
        body.pack(fill="both", expand=True)
        self.table = ttk.Treeview(body, columns=[c[0] for c in COLUMNS], show="headings",
                                  height=len(SIGNAL_BUTTONS))
        for name, title, width, anchor, stretch in COLUMNS:
            self.table.heading(name, text=title, anchor=anchor)
            self.table.column(name, width=width, anchor=anchor, stretch=stretch)
        # A short window squeezes the table: its last rows then scroll into view.
        scroll = ttk.Scrollbar(body, orient="vertical", command=self.table.yview)
        self.table.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.table.pack(side="left", fill="both", expand=True)
        self.show_counts()
        return frame

    # -- state --------------------------------------------------------------------
    def set_state(self, state: str, text: str, style: str = "") -> None:
        super().set_state(state, text, style)
        self.update_signal_buttons()

    def target_pid(self) -> int | None:
        """The program's main process while the run runs, else None."""
        if self.state != RUNNING or self.run is None:
            return None
        return getattr(self.run, "pid", None)

    def update_signal_buttons(self) -> None:
        """Signal buttons are live while the run runs, for the signals this OS has."""
        pid = self.target_pid()
        for name, button in self.signal_buttons.items():
            usable = pid is not None and why_unavailable(name) is None
            button.configure(state="normal" if usable else "disabled")
        self.pid_label.configure(
            text=f"program: pid {pid}" if pid is not None else "program: not running")

    def rows(self) -> dict[str, tuple]:
        """The table as shown: signal -> (handler, sent, handled)."""
        return {values[0]: tuple(values[1:]) for values in
                (self.table.item(i, "values") for i in self.table.get_children())}

    def show_counts(self) -> None:
        self.table.delete(*self.table.get_children())
        for name, *_ in SIGNAL_BUTTONS:
            handler = self.handlers.get(name) or NO_HANDLER.get(name, DEFAULT_ACTION)
            if why_unavailable(name):
                handler = f"{system_name()} has no {name}"
            self.table.insert("", "end", values=(name, handler, self.sent.get(name, 0),
                                                 self.handled.get(name, 0)))
        rang = times(self.handled.get("SIGALRM", 0))
        if self.last_alarm is None:
            text = "Alarm clock: not set."
        elif self.last_alarm == 0:
            text = f"Alarm clock: set {times(self.alarms_set)}, rang {rang}, then cancelled."
        elif self.run is None:   # an alarm still ticking dies with its process
            text = f"Alarm clock: set {times(self.alarms_set)}, rang {rang}; gone with the program."
        else:
            text = (f"Alarm clock: set {times(self.alarms_set)}, rang {rang}; "
                    f"now ticking: signal.alarm({self.last_alarm}).")
        self.alarm_label.configure(text=text)

    # -- events -------------------------------------------------------------------
    def on_run_started(self, run) -> None:
        super().on_run_started(run)
        self.handlers, self.sent, self.handled = {}, {}, {}
        self.alarms_set, self.last_alarm, self.killed_by = 0, None, None
        self.show_counts()

    def on_events(self, events: list) -> None:
        changed = False
        for event in events:
            if event.kind == vocab.PROBE and isinstance(event.data, dict):
                changed = self.note_probe(event.data) or changed
        if changed:
            self.show_counts()
        super().on_events(events)

    def note_probe(self, data: dict) -> bool:
        """Count what one probe event says; True if it concerned signals."""
        call, name = data.get(vocab.CALL), data.get(vocab.SIGNAL)
        if call == "signal.alarm" and isinstance(data.get(vocab.SECONDS), int):
            self.last_alarm = data[vocab.SECONDS]
            if self.last_alarm > 0:   # signal.alarm(0) cancels
                self.alarms_set += 1
        elif call == "signal.signal" and name:
            self.handlers[name] = f"{data.get(vocab.HANDLER)}()"
        elif name:   # a delivery: call is the name of the handler about to run
            self.handled[name] = self.handled.get(name, 0) + 1
        else:
            return False
        return True

    def finish(self, event) -> None:
        self.killed_by = killed_by(event.data.get(vocab.EXIT_CODE))
        if event.data.get(vocab.STATUS) == vocab.STOPPED and not self.sent.get(self.killed_by):
            self.killed_by = None   # Stop's own kill, after the program's grace ran out
        pid = event.pid
        super().finish(event)
        self.show_counts()
        if self.killed_by:
            elapsed = event.data[vocab.ELAPSED]
            self.tell(f"The program (pid {pid}) was killed by {self.killed_by} after "
                      f"{elapsed:.2f} s: {why_killed(self.killed_by)}.", "danger",
                      to_log=False)

    # -- sending --------------------------------------------------------------------
    def send_signal(self, name: str) -> bool:
        """Send signal ``name`` to the program. True if the OS accepted it."""
        pid = self.target_pid()
        if pid is None:
            return False
        reason = why_unavailable(name)
        if reason:
            self.tell(reason, "warning")
            return False
        if self.run.finished:
            # Its process is reaped: the pid may soon be another process's.
            self.tell(f"{name} not sent: the program (pid {pid}) has already ended.",
                      "warning", to_log=False)
            return False
        # Said before sending, so the log shows it before the handler's answer.
        self.run.note(f"os.kill({pid}, signal.{name})")
        try:
            os.kill(pid, getattr(signal, name))
        except ProcessLookupError:
            self.tell(f"{name} not sent: the program (pid {pid}) has already ended.",
                      "warning")
            return False
        except OSError as exc:
            log.warning("os.kill(%s, %s) failed: %s", pid, name, exc)
            self.tell(f"{name} not sent to pid {pid}: {exc.strerror or exc}.", "danger")
            return False
        self.sent[name] = self.sent.get(name, 0) + 1
        self.show_counts()
        return True

    def tell(self, text: str, style: str, to_log: bool = True) -> None:
        """A message for the learner, in the status line (and in the run's log)."""
        self.set_state(self.state, text, style)
        if to_log and self.run is not None:
            self.run.note(text)
