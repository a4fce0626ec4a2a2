"""The tab of one lesson: explanation, parameters, Run/Stop, timeline, log and source.

Every tab has a timeline (``self.timeline``) above its log, and a result line
under Run/Stop that shows the lesson's ``result`` event. Lessons that show
more (a table, a diagram) subclass LessonTab and override ``create_extra``
and ``on_events``; see ``gui/lessons/``. A subclass that has no use for the
timeline sets ``SHOW_TIMELINE = False`` (``self.timeline`` is then None).

Where each event goes (``on_events``)
-------------------------------------
The log sits in a small notebook with a second page, the Terminal: the
program's raw output as a terminal shows it (Ctrl+T turns between them).

* ``terminal``: the Terminal page only (its chunks repeat what ``output``
  says line by line, and a garbled chunk is no actor's line);
* ``line`` and ``sleep``: only the code pane, which marks each actor's
  current line (a sampler sends ~20 a second per thread: far too many for
  the log), in the tab of the file ``data["file"]`` names (a lesson of
  several files has a code tab per file: ``program.py``, ``careful.py``...);
  a line in a file that is not the lesson's marks nothing;
* ``progress`` (a walk's counters, a few a second): only the lesson's extras;
* everything else (``output``, ``process``, ``probe`` and the older kinds):
  the log and the timeline, coloured by actor; a line it carries moves the
  actor's mark in the code pane too.

When a run that sent ``line`` events is done, the marks are cleared: a
finished thread is on no line. (A run of the older engine keeps its marks
after the end, on the line each actor emitted last.)

Step mode: the learner is the scheduler
---------------------------------------
With Step on, every actor waits before each line of the program, and the
``actors`` panel under the step buttons lists them (``actors`` events: the
engine's step board). The learner picks who runs its next line: a click on
the actor's row, on its lane in the timeline or on its marked line in the
code, or its number key (1-9, ``App.create_shortcuts``); Next (F10) takes the
next ready actor in turn. A blocked actor is refused, and the status line
says why ("thread-1 cannot go: waiting for the lock held by thread-0").
Continue leaves step mode; Stop always wins.

With several code tabs, the pane turns by itself to the file where the
newest mark is only when no actor is marked in the file shown: it follows the
walk from ``program.py`` into ``careful.py``, and does not flicker between two
files that two actors are in at once.
"""

from __future__ import annotations

import logging
import os

import ttkbootstrap as ttk

from engine import LessonError, ParamError, start
from engine import challenges as judged
from engine import vocabulary as vocab

from .colors import ActorColors
from .scaling import COUNTER_FONT
from .widgets.actors import ActorsPanel
from .widgets.challenges import ChallengePanel
from .widgets.explain import ExplanationView
from .widgets.logview import LogView
from .widgets.paramsform import ParamsForm
from .widgets.scrollarea import ScrollArea
from .widgets.sourceview import SourceView
from .widgets.terminal import TerminalView
from .widgets.timeline import Timeline
from .widgets.tips import tip
from .widgets.wraplabel import WrapLabel

log = logging.getLogger(__name__)

# The states of a tab. One method, set_state, turns a state into button states.
READY, RUNNING, STOPPING, DONE = "ready", "running", "stopping", "done"

NO_BREAK = "\u00a0"

# Kinds only the code pane shows: too many for the log and the timeline. Step
# mode's reports show where each actor waits; the actors panel shows the rest.
PLACE_ONLY = frozenset({vocab.LINE, vocab.SLEEP, vocab.PAUSED, vocab.BLOCKED, vocab.FINISHED,
                        vocab.ACTORS})
# Neither in the log nor on the timeline: the terminal's chunks (its own page),
# and a walk's progress counters (the lesson's extras draw them).
NOT_FOR_LOG = PLACE_ONLY | {vocab.TERMINAL, vocab.PROGRESS}
# Kinds whose line is not where their actor is: a terminal chunk may hold other
# threads' text, and done is the run's end.
NOT_A_PLACE = frozenset({vocab.TERMINAL, vocab.DONE})
# The kinds the tab itself acts on (on_events), besides handing events to its views.
TAB_KINDS = frozenset({vocab.RESULT, vocab.DEADLOCK, vocab.ERROR, vocab.DONE})


class LessonTab(ttk.Frame):
    SHOW_TIMELINE = True

    def __init__(self, master, app, lesson, **kw):
        super().__init__(master, padding=6, **kw)
        self.app = app
        self.lesson = lesson
        self.run = None
        self.state = READY
        self.last_result = None
        self.last_status = None
        self.status_text = ""      # this tab's line in the status bar (see set_state)
        self.killed: list = []     # the run's processes killed from outside (error events)
        self.saw_lines = False     # the run sent ``line`` events (a lab run)
        self._views_by_file: dict[str, SourceView | None] = {}   # an event's file -> its view
        self.colors = ActorColors()
        self.step_table: list[dict] = []   # the last step board (``actors`` event)
        self.built = False
        self._fit_pending: str | None = None   # after_idle id of fit_left_pane

    def ensure_built(self) -> LessonTab:
        """Build the tab's widgets the first time it is shown.

        Seven full tabs cost about 0.3 s; building only the visible one gets
        the window on screen sooner.
        """
        if not self.built:
            self.built = True
            self.create_layout()
            self.set_state(READY, "Ready. Press Run (F5).")
            self.apply_saved_params()
        return self

    # -- building -----------------------------------------------------------------
    def create_layout(self) -> None:
        """Three panes: what the learner sets and presses, what the run shows, and
        the lesson's text beside the code that runs.

        Sized for a 1366x700 window at 125% zoom: Run, Stop and the step
        buttons sit at the top of the left pane and never scroll away; the
        parameters scroll under them when the pane is short; the explanation
        shares a notebook with the code, so that each gets the pane's full height.
        """
        panes = ttk.Panedwindow(self, orient="horizontal")
        panes.pack(fill="both", expand=True)
        left = ttk.Frame(panes, padding=(0, 0, 6, 0))
        centre = ttk.Panedwindow(panes, orient="vertical")
        right = ttk.Notebook(panes)
        # The left pane keeps its width when the window is resized (weight 0):
        # the room goes to what the run shows and to the code.
        panes.add(left, weight=0)
        panes.add(centre, weight=4)
        panes.add(right, weight=3)
        self.panes, self.left_pane = panes, left
        actions = ttk.Frame(left)
        actions.pack(fill="x")
        self.create_controls(actions)
        self.create_challenges(left)
        self.create_form(left)
        # A zoom grows what the left pane holds: these change size when it does.
        for widget in (panes, left, actions, self.form_area.content):
            widget.bind("<Configure>", lambda _e: self.fit_left_pane_soon(), add="+")
        extra_parent = ttk.Frame(centre)
        extra = self.create_extra(extra_parent)
        if extra is not None:
            extra.pack(fill="both", expand=True)
            centre.add(extra_parent, weight=3)
        self.timeline = None
        if self.SHOW_TIMELINE:
            timeline_frame = ttk.Labelframe(centre, text="Timeline", padding=4)
            self.timeline = Timeline(timeline_frame, colors=self.colors,
                                     on_select=self.on_event_selected,
                                     on_lane=self.on_lane_clicked)
            self.timeline.pack(fill="both", expand=True)
            centre.add(timeline_frame, weight=2 if extra is not None else 3)
        centre.add(self.create_output_pages(centre), weight=2)
        self.create_pages(right)

    def create_output_pages(self, parent) -> ttk.Notebook:
        """The log and the terminal, one page each, in a notebook of their own."""
        pages = ttk.Notebook(parent)
        log_page = ttk.Frame(pages, padding=4)
        self.logview = LogView(log_page, colors=self.colors, on_select=self.on_event_selected)
        self.logview.pack(fill="both", expand=True)
        pages.add(log_page, text="Log")
        terminal_page = ttk.Frame(pages, padding=4)
        self.terminal = TerminalView(terminal_page)
        self.terminal.pack(fill="both", expand=True)
        pages.add(terminal_page, text="Terminal")
        self.output_pages = pages
        return pages

    def toggle_output_page(self) -> None:
        """Turn from the log to the terminal, or back (Ctrl+T)."""
        pages = self.output_pages
        pages.select((pages.index("current") + 1) % pages.index("end"))

    def fit_left_pane_soon(self) -> None:
        """Fit the left pane once the sizes of what it holds have settled."""
        if self._fit_pending is None:
            self._fit_pending = self.after_idle(self.fit_left_pane)

    def fit_left_pane(self) -> None:
        """Widen the left pane to its content if it is narrower (a zoom grows the buttons).

        A ttk pane has no minimum size: the panes share a shortage by weight,
        which would cut Continue in half.
        """
        self._fit_pending = None
        needed = self.left_pane.winfo_reqwidth()
        left_edge, right_edge = self.panes.sashpos(0), self.panes.sashpos(1)
        total = self.panes.winfo_width()
        if left_edge >= needed or total <= needed:
            return   # wide enough, or not laid out yet (a width of 1 before the first draw)
        # The centre and the code give up room in proportion to their widths,
        # so that neither is crushed.
        share = max(0.0, (total - needed) / max(1, total - left_edge))
        self.panes.sashpos(0, needed)
        self.panes.sashpos(1, needed + round((right_edge - left_edge) * share))

    def create_pages(self, notebook) -> None:
        """The explanation and the code that runs, one page each."""
        self.pages = notebook
        page = ttk.Frame(notebook, padding=4)
        self.explanation = ExplanationView(page)
        self.explanation.pack(fill="both", expand=True)
        self.explanation.show(self.lesson.doc)
        notebook.add(page, text="Explanation")
        self.code_page = ttk.Frame(notebook, padding=4)
        self.create_code_views(self.code_page)
        notebook.add(self.code_page, text="The code that runs")

    def create_code_views(self, parent) -> None:
        """A view of each file of the lesson: ``program.py`` first, then the modules it
        imports, each in a tab of its own (one file: just its view).

        ``self.sources`` maps each file to its view; ``self.source`` is the first.
        """
        files = self.lesson.files
        self.code_files = ttk.Notebook(parent) if len(files) > 1 else None
        if self.code_files is not None:
            self.code_files.pack(fill="both", expand=True)
        self.sources: dict[str, SourceView] = {}
        for path in files:
            holder = ttk.Frame(self.code_files) if self.code_files is not None else parent
            view = SourceView(holder, colors=self.colors, on_line_click=self.on_code_line_clicked)
            view.pack(fill="both", expand=True)
            view.load(path)
            if self.code_files is not None:
                self.code_files.add(holder, text=os.path.basename(path))
            self.sources[path] = view
        self.source = self.sources[files[0]]

    def show_code(self, view: SourceView | None = None) -> None:
        """Turn to the code page (and to ``view``'s tab): a run marks its lines there."""
        self.pages.select(self.code_page)
        if view is not None:
            self.show_file(view)

    def show_file(self, view: SourceView) -> None:
        """Bring ``view``'s tab to the front of the code page (not the page itself)."""
        if self.code_files is not None:
            self.code_files.select(view.master)

    def shown_source(self) -> SourceView:
        """The code view in front (the file tab chosen)."""
        chosen = self.code_files.select() if self.code_files is not None else ""
        for view in self.sources.values():
            if str(view.master) == chosen:
                return view
        return self.source

    def create_challenges(self, parent) -> None:
        """The lesson's challenges, if it has any, at the foot of the left pane (always in
        view: the parameters above them scroll when the pane is short)."""
        found = judged.for_lesson(self.lesson.id)
        self.challenge_panel = ChallengePanel(parent, found) if found else None
        if self.challenge_panel is not None:
            self.challenge_panel.pack(side="bottom", fill="x", pady=(6, 0))

    def create_form(self, parent) -> None:
        """The parameters, scrolling when the pane is too short for them."""
        area = ScrollArea(parent)
        area.pack(fill="both", expand=True, pady=(6, 0))
        box = ttk.Labelframe(area.content, text="Parameters", padding=6)
        box.pack(fill="x")
        self.form = ParamsForm(box, self.lesson.params_cls)
        self.form.pack(fill="x")
        self.form_area = area

    def create_controls(self, parent) -> None:
        """Run, Stop, step mode and the lines that say how it went (always in view)."""
        buttons = ttk.Frame(parent)
        buttons.pack(fill="x", pady=(0, 6))
        self.run_button = ttk.Button(buttons, text="▶ Run", bootstyle="success",
                                     command=self.start_run)
        self.run_button.pack(side="left")
        self.stop_button = ttk.Button(buttons, text="■ Stop", bootstyle="danger",
                                      command=self.stop_run)
        self.stop_button.pack(side="left", padx=6)
        tip(self.run_button, "Run the lesson (F5 or Ctrl+R)")
        tip(self.stop_button, "Stop the lesson (Esc)")
        self.create_step_controls(parent)
        # These wrap at the width the column has, whatever it is: a fixed
        # wrap length cut them off in a narrow column.
        self.status_label = WrapLabel(parent, text="")
        self.status_label.pack(fill="x")
        self.result_label = WrapLabel(parent, text="")
        self.result_label.pack(fill="x", pady=(4, 0))
        self.problems_label = WrapLabel(parent, text="", font=COUNTER_FONT)
        self.problems_label.pack(fill="x")

    def create_step_controls(self, parent) -> None:
        """Step mode: each actor waits before each line until it is chosen (or Next)."""
        row = ttk.Frame(parent)
        row.pack(fill="x")
        self.step_row = row
        self.step_var = ttk.BooleanVar(value=False)
        self.step_switch = ttk.Checkbutton(row, text="Step", variable=self.step_var,
                                           bootstyle="round-toggle",
                                           command=self.on_step_toggled)
        self.step_switch.pack(side="left")
        self.next_button = ttk.Button(row, text="Next ▸", bootstyle="info",
                                      command=self.step_next)
        self.next_button.pack(side="left", padx=(8, 0))
        self.continue_button = ttk.Button(row, text="Continue ▸▸", bootstyle="info-outline",
                                          command=self.step_continue)
        self.continue_button.pack(side="left", padx=6)
        tip(self.step_switch, "Pause every thread and process before each line: "
                                           "you choose who runs next")
        tip(self.next_button, "Let the next ready actor, in turn, run one line "
                                           "(F10)")
        tip(self.continue_button, "Leave step mode and run on")
        # Packed under the step buttons while Step is on (show_actors_panel); made
        # when first needed (a run or Step), not before the window is ready.
        self._actors_parent = parent
        self._actors_panel: ActorsPanel | None = None

    @property
    def actors_panel(self) -> ActorsPanel:
        """The step board's panel of actors (made on first use)."""
        if self._actors_panel is None:
            self._actors_panel = ActorsPanel(self._actors_parent, colors=self.colors,
                                             on_choose=self.choose_actor)
        return self._actors_panel

    def create_extra(self, parent):
        """Subclasses return a widget shown above the timeline and the log (a table...)."""
        return None

    def show_result(self, event) -> None:
        """The result line: the result event's text, and its problem counts in big.

        The result of a stopped run counts only what ran: the line says so."""
        data = event.data if event is not None and isinstance(event.data, dict) else {}
        label = "Result"
        if data.get(vocab.COMPLETE) is False:
            how_far = stopped_after(data)
            label = f"Result so far (stopped after {how_far})" if how_far \
                else "Result so far (stopped)"
        self.result_label.configure(text=f"{label}: {event.text}" if event else "")
        counts = {label: data[key] for key, label in vocab.PROBLEM_COUNTS.items()
                  if isinstance(data.get(key), int)}
        # No-break spaces inside each "label: n", so a line ends only between counts.
        text = "   ".join(f"{label}: {n}".replace(" ", NO_BREAK) for label, n in counts.items())
        bad = any(n > 0 for n in counts.values())
        self.problems_label.configure(text=text, bootstyle="danger" if bad else "success")

    # -- state --------------------------------------------------------------------
    def set_state(self, state: str, text: str, style: str = "") -> None:
        """The single place that sets the buttons and the status text."""
        self.state = state
        busy = state in (RUNNING, STOPPING)
        self.run_button.configure(state="disabled" if busy else "normal")
        self.stop_button.configure(state="normal" if state == RUNNING else "disabled")
        self.form.set_enabled(not busy)
        stepping = state == RUNNING and self.step_var.get()
        self.next_button.configure(state="normal" if stepping else "disabled")
        self.continue_button.configure(state="normal" if stepping else "disabled")
        self.status_label.configure(text=text, bootstyle=style or "default")
        self.status_text = f"{self.lesson.title}: {text}"
        self.app.show_tab_status(self)

    # -- actions ------------------------------------------------------------------
    def start_run(self) -> bool:
        if self.state in (RUNNING, STOPPING):
            return False
        params = self.form.read()
        if params is None:
            self.show_first_form_message()
            self.set_state(READY, "Some values need fixing; see the messages under Parameters.",
                           "danger")
            return False
        self.app.remember_params(self.lesson.id, self.form.raw_values())
        try:
            self.run = start(self.lesson.id, params, speed=self.app.speed,
                             stepping=self.step_var.get())
        except (ParamError, ValueError, LessonError) as exc:  # LessonError: ulimit -u
            self.set_state(READY, f"Cannot start: {exc}", "danger")
            return False
        self.last_result = None
        self.last_status = None
        self.killed = []
        self.saw_lines = False
        self.step_table = []
        self.actors_panel.clear()
        self.colors.reset()
        self.logview.clear()
        self.terminal.clear()
        self.clear_marks()
        if self.timeline is not None:
            self.timeline.clear()
        self.show_result(None)
        self.show_code()
        if self.challenge_panel is not None:
            self.challenge_panel.begin(params)
        self.on_run_started(self.run)
        self.app.pump.add(self.run, self.on_events)
        self.set_state(RUNNING, STEPPING_TEXT if self.step_var.get() else "Running…", "info")
        return True

    def show_first_form_message(self) -> None:
        """Scroll the parameters to the first refused value's message."""
        names = list(self.form.errors())
        if names:
            self.update_idletasks()
            self.form_area.show_widget(self.form.messages[names[0]])

    def stop_run(self) -> None:
        if self.run is not None and self.state == RUNNING:
            self.run.stop()   # wins over step mode: paused actors see it too
            self.set_state(STOPPING, "Stopping…", "warning")

    def on_step_toggled(self) -> None:
        self.show_actors_panel(self.step_var.get())
        if self.run is not None and self.state == RUNNING:
            self.run.set_stepping(self.step_var.get())
            self.set_state(RUNNING, STEPPING_TEXT if self.step_var.get() else "Running…",
                           "info")

    def show_actors_panel(self, on: bool) -> None:
        if on:
            self.actors_panel.pack(fill="x", pady=(4, 2), after=self.step_row)
        elif self._actors_panel is not None:
            self._actors_panel.pack_forget()

    def stepping(self) -> bool:
        return self.run is not None and self.state == RUNNING and self.step_var.get()

    def step_next(self) -> None:
        """Next (F10): the next ready actor, in turn, runs one line."""
        if not self.stepping():
            return
        moved = self.run.step()
        if moved is not None:
            self.set_state(RUNNING, f"{moved} runs its next line.", "info")
        elif self.step_table:
            # The engine keeps this Next for the first actor to reach a line.
            self.set_state(RUNNING, "Nobody is ready now; the first to reach a line will "
                                    "run it. " + waiting_text(self.step_table), "warning")

    def choose_actor(self, actor: str) -> bool:
        """The learner picks ``actor`` (its row, lane, line or number key): it runs one
        line, or the status line says why it cannot. True if it moved."""
        if not self.stepping():
            return False
        choice = self.run.choose(actor)
        self.set_state(RUNNING, choice.text + ".", "info" if choice.moved else "warning")
        return choice.moved

    def choose_number(self, number: int) -> bool:
        """Number key ``number`` (1-9): the actor of that number on the board."""
        actor = self.actors_panel.actor_numbered(number)
        return actor is not None and self.choose_actor(actor)

    def on_lane_clicked(self, actor: str) -> None:
        """A click on an actor's lane in the timeline: in step mode, choose it."""
        if self.stepping() and any(row[vocab.ACTOR] == actor for row in self.step_table):
            self.choose_actor(actor)

    def on_code_line_clicked(self, line: int) -> None:
        """A click on a line of the code: in step mode, choose the actor marked there (the
        first ready one, else the first at all, to say why it cannot go)."""
        if not self.stepping():
            return
        clicked = self.shown_source()   # the file tab in front is the one clicked
        here = [row for row in self.step_table if row.get(vocab.LINE_NO) == line
                and row.get(vocab.ACTOR_STATE) != vocab.FINISHED
                and self.shows_file(row.get(vocab.FILE)) is clicked]
        here.sort(key=lambda row: (row.get(vocab.ACTOR_STATE) != vocab.READY,
                                   row.get(vocab.NUMBER)))
        if here:
            self.choose_actor(here[0][vocab.ACTOR])

    def show_step_board(self, event) -> None:
        """An ``actors`` event: the panel, and each actor's next line in the code."""
        data = event.data if isinstance(event.data, dict) else {}
        self.step_table = list(data.get(vocab.ACTORS) or [])
        self.actors_panel.show(self.step_table)
        for row in self.step_table:
            actor, line = row.get(vocab.ACTOR), row.get(vocab.LINE_NO)
            if row.get(vocab.ACTOR_STATE) == vocab.FINISHED:
                for view in self.sources.values():
                    view.unhighlight(actor)   # no next line: no mark
            elif line:
                view = self.shows_file(row.get(vocab.FILE))
                if view:
                    view.highlight(actor, line)

    def step_continue(self) -> None:
        self.step_var.set(False)
        self.on_step_toggled()

    def apply_saved_params(self) -> None:
        saved = self.app.saved_params(self.lesson.id)
        if saved:
            self.form.set_values(saved)

    def on_run_started(self, run) -> None:
        """Subclasses reset their extra views here."""

    def on_events(self, events: list) -> None:
        """Called by the pump, once per tick, with this run's new events."""
        shown, raw = split_for_views(events)
        self.logview.add(shown)
        self.terminal.add(raw)
        self.show_acting_lines(events)
        board = next((e for e in reversed(events) if e.kind == vocab.ACTORS), None)
        if board is not None:
            self.show_step_board(board)   # the newest board says it all
        if self.timeline is not None:
            self.timeline.add(shown)
        if self.challenge_panel is not None:
            self.challenge_panel.add(shown)
        for event in shown:
            if event.kind not in TAB_KINDS:
                continue   # most of a flood: printed lines, which the views have shown
            if event.kind == vocab.RESULT:
                self.last_result = event.data
                self.show_result(event)
            elif event.kind == vocab.DEADLOCK and self.state == RUNNING:
                self.show_deadlock(event)
            elif event.kind == vocab.ERROR and is_killed_process(event):
                self.killed.append(event)
            elif event.kind == vocab.DONE:
                if self.saw_lines:
                    self.clear_marks()   # a finished thread is on no line
                self.finish(event)

    def show_deadlock(self, event) -> None:
        """The status line while a deadlock lasts: who waits for whom, round the loop."""
        data = event.data if isinstance(event.data, dict) else {}
        cycle = data.get(vocab.CYCLE) or []
        if data.get(vocab.RESOLVED) or not cycle:
            self.set_state(RUNNING, "Stepping: press Next (F10)…" if self.step_var.get()
                           else "Running… (the deadlock is over)", "info")
            return
        actors = [step[vocab.ACTOR] for step in cycle]
        loop = " → ".join([*actors, actors[0]])
        self.set_state(RUNNING, f"Stuck in a deadlock: {loop}, each waiting for a lock the "
                                "next one holds.", "danger")

    def clear_marks(self) -> None:
        for view in self.sources.values():
            view.clear_highlights()

    def show_acting_lines(self, events: list) -> None:
        """Highlight, in each actor's colour, the line that actor is on (or ran last),
        in the view of the file that line is in."""
        if not self.saw_lines:
            self.saw_lines = any(event.kind == vocab.LINE for event in events)
        # From the newest back: each actor's latest place is all that is drawn, and
        # in a flood most events are passed over with one look-up.
        latest: dict[str, tuple[SourceView, int]] = {}
        view_of = self.view_of
        for event in reversed(events):
            if event.actor in latest or not event.line or event.kind in NOT_A_PLACE:
                continue
            view = view_of(event)
            if view is not None:
                latest[event.actor] = (view, event.line)
        if not latest:
            return
        for actor, (view, line) in reversed(latest.items()):   # the newest is raised last
            for other in self.sources.values():
                if other is not view:
                    other.unhighlight(actor)   # an actor is on one line, in one file
            view.highlight(actor, line)
        newest_view, newest_line = next(iter(latest.values()))
        newest_view.follow(newest_line)
        shown = self.shown_source()
        if newest_view is not shown and not shown.acting_lines:
            self.show_file(newest_view)   # nobody left in the file shown: follow the walk

    def view_of(self, event) -> SourceView | None:
        """The code view of the file ``event``'s line is in, or None (not a lesson file).

        An event without ``data["file"]`` (the older engine's) is in the first view.
        """
        data = event.data
        return self.shows_file(data.get(vocab.FILE) if isinstance(data, dict) else None)

    def shows_file(self, file: str | None) -> bool:
        """Whether the code pane shows ``file`` (None: an event of the older engine)."""
        if file is None:
            return self.source
        if file not in self._views_by_file:
            found = [view for path, view in self.sources.items() if same_file(file, path)]
            self._views_by_file[file] = found[0] if found else None
        return self._views_by_file[file]

    def on_event_selected(self, event) -> None:
        """A click on an event in the log or the timeline: jump to its line."""
        where = f", line {event.line}" if event.line else ""
        self.app.show_tab_status(self, f"{event.t:.3f} s  {event.actor}{where}: {event.text}")
        view = self.view_of(event) if event.line else None
        if view is not None:
            self.show_code(view)
            view.select_line(event.line)

    def finish(self, event) -> None:
        run, self.run = self.run, None
        self.app.pump.remove(run)
        run.join(1.0)
        self.last_status = event.data[vocab.STATUS]
        elapsed = event.data[vocab.ELAPSED]
        if self.killed:
            # Not as planned: say who died (the lab makes such a run a failure).
            ended = "Failed" if self.last_status == vocab.FAILED else "Ended"
            self.set_state(DONE, f"{ended} after {elapsed:.2f} s: {killed_text(self.killed)}.",
                           "danger")
            return
        text = {vocab.OK: "Finished", vocab.STOPPED: "Stopped",
                vocab.FAILED: "Failed: see the log"}
        how_far = stopped_after(self.last_result)
        after = f"after {how_far} ({elapsed:.2f} s)" if how_far else f"after {elapsed:.2f} s"
        self.set_state(DONE, f"{text.get(self.last_status, self.last_status)} {after}.",
                       "danger" if self.last_status == vocab.FAILED else "success")

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Stop and wait for this tab's run (window closing). True if it ended."""
        run = self.run
        if run is None:
            return True
        run.stop()
        ended = run.join(timeout)
        self.app.pump.remove(run)
        self.run = None
        return ended


STEPPING_TEXT = "Stepping: choose who runs next (a row, a lane, a line, 1-9), or Next (F10)…"


def stopped_after(result) -> str | None:
    """How far a stopped run got, in the program's words ("12 of 25 lines"), or None."""
    if isinstance(result, dict) and result.get(vocab.COMPLETE) is False:
        after = result.get(vocab.STOPPED_AFTER)
        return str(after) if after else None
    return None


def waiting_text(table: list[dict]) -> str:
    """What the actors that cannot go wait for: "thread-1: waiting for ...; ..."."""
    parts = [f"{row[vocab.ACTOR]} {row.get(vocab.REASON) or row.get(vocab.ACTOR_STATE)}"
             for row in table if row.get(vocab.ACTOR_STATE) != vocab.FINISHED]
    return "; ".join(parts) + "." if parts else "every actor has finished."


def split_for_views(events: list) -> tuple[list, list]:
    """(events for the log and the timeline, ``terminal`` events), in order.

    ``line`` and ``sleep`` events are in neither: only the code pane shows them; nor
    is ``progress``, which the lesson's extras draw.
    """
    raw = [event for event in events if event.kind == vocab.TERMINAL]
    if not any(event.kind in NOT_FOR_LOG for event in events):
        return events, raw
    return [event for event in events if event.kind not in NOT_FOR_LOG], raw


def same_file(one: str, other: str) -> bool:
    """Whether two paths name one file (the lab reports paths as the program ran them)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.normcase(os.path.abspath(one)) == os.path.normcase(os.path.abspath(other))


def is_killed_process(event) -> bool:
    """An error event that says a process of the run was ended by a signal from outside.

    The lab reports a process that ended without saying so with an exit code it
    cannot know (None: it is not the lab's child to wait for).
    """
    data = event.data
    if not isinstance(data, dict) or vocab.EXITCODE not in data:
        return False
    return data[vocab.EXITCODE] is None and bool(data.get(vocab.EXPLAINED))


def killed_text(killed: list) -> str:
    """'consumer-2 (pid 4242) was killed by SIGKILL', then 'and 1 more' if there are more."""
    first = killed[0].text
    return first if len(killed) == 1 else f"{first}, and {len(killed) - 1} more"
