"""The challenges of a lesson: each goal, ticked when a run reaches it, and what it said.

The engine judges the goals (``engine/challenges.py``) and says so in the run
as ``challenge`` events; this panel only shows them. Each row is a mark and
the goal, with the settings it needs:

* ``☐`` open: this run can reach it;
* ``✔`` reached, in this run or an earlier one of this window (a goal once
  reached stays ticked, as in a game);
* ``✘`` never: the run ended, and the goal is one no schedule can reach; the
  message under the list says why;
* ``–`` not in play: this run does not have the settings the goal needs
  (the lost update needs the lock off).

Under the list, the last thing a challenge said: what happened when a goal
was reached, or why one never can be.
"""

from __future__ import annotations

import ttkbootstrap as ttk

from engine import challenges as judged
from engine import vocabulary as vocab

from .wraplabel import WrapLabel

OPEN, REACHED, NEVER, OFF = "open", "reached", "never", "off"
MARKS = {OPEN: "☐", REACHED: "✔", NEVER: "✘", OFF: "–"}
STYLES = {OPEN: "default", REACHED: "success", NEVER: "secondary", OFF: "secondary"}


class ChallengePanel(ttk.Labelframe):
    """One row per challenge of a lesson, and the last message."""

    def __init__(self, master, challenges: tuple[judged.Challenge, ...], **kw) -> None:
        kw.setdefault("padding", 6)
        super().__init__(master, text="Challenges", **kw)
        self.challenges = challenges
        self.states: dict[str, str] = {}
        self.ever_reached: set[str] = set()
        self.marks: dict[str, ttk.Label] = {}
        self.goals: dict[str, WrapLabel] = {}
        self.columnconfigure(1, weight=1)
        for row, challenge in enumerate(challenges):
            mark = ttk.Label(self, text=MARKS[OPEN], width=2)
            mark.grid(row=row, column=0, sticky="nw")
            needs = judged.needs_text(challenge)
            goal = WrapLabel(self, text=f"{challenge.goal} (with {needs})" if needs
                             else challenge.goal)
            goal.grid(row=row, column=1, sticky="ew", pady=1)
            self.marks[challenge.id], self.goals[challenge.id] = mark, goal
        self.message = WrapLabel(self, text="")
        self.message.grid(row=len(challenges), column=0, columnspan=2, sticky="ew",
                          pady=(4, 0))
        for challenge in challenges:
            self._show(challenge.id, OPEN)

    def begin(self, params) -> None:
        """A run starts with these settings: which goals it can reach."""
        for challenge in self.challenges:
            if challenge.id in self.ever_reached:
                self._show(challenge.id, REACHED)   # once reached, it stays ticked
            elif not judged.in_play(challenge, params):
                self._show(challenge.id, OFF)
            else:
                self._show(challenge.id, OPEN)
        self.message.configure(text="", bootstyle="default")

    def add(self, events: list) -> None:
        """The run's new events: a ``challenge`` event ticks its goal and says why."""
        for event in events:
            if event.kind != vocab.CHALLENGE or not isinstance(event.data, dict):
                continue
            which = event.data.get(vocab.CHALLENGE_ID)
            if which not in self.marks:
                continue
            if event.data.get(vocab.REACHED):
                self.ever_reached.add(which)
                self._show(which, REACHED)
            else:
                self._show(which, NEVER)
            self.message.configure(text=event.text,
                                   bootstyle="success" if event.data.get(vocab.REACHED)
                                   else "default")

    def state_of(self, challenge_id: str) -> str:
        return self.states[challenge_id]

    def _show(self, challenge_id: str, state: str) -> None:
        self.states[challenge_id] = state
        self.marks[challenge_id].configure(text=MARKS[state], bootstyle=STYLES[state])
        self.goals[challenge_id].configure(
            bootstyle="secondary" if state == OFF else "default")


def demo(parent) -> ChallengePanel:
    """The mutex lesson's challenges after a run with the lock on and one with it off."""
    from types import SimpleNamespace

    from engine.events import Event

    panel = ChallengePanel(parent, judged.for_lesson("mutex"))
    panel.begin(SimpleNamespace(lock=False))
    panel.add([Event(0.3, "lab", vocab.CHALLENGE, "Update lost! The counter ended at 5, "
                     "not 25: two threads read the same value, each added one, and the "
                     "second write wiped out the first (20 lost in all).",
                     {vocab.CHALLENGE_ID: "lost_update", vocab.REACHED: True})])
    panel.begin(SimpleNamespace(lock=True))
    panel.add([Event(0.4, "lab", vocab.CHALLENGE, "Never reached, and no schedule can "
                     "reach it. 16 times a thread asked for the lock while another held it, "
                     "and each time acquire made it wait.",
                     {vocab.CHALLENGE_ID: "two_holders", vocab.REACHED: False})])
    return panel


if __name__ == "__main__":
    from .demo import run
    run(demo, "Challenges", size=(420, 300))
