"""The Terminal view and where a lesson tab sends a lab run's events, on a real window.

Events are made here, as the lab sends them (``engine/lab``), and handed to the
real TerminalView, or to the real tab's ``on_events`` as the pump does; the
last test puts them on a real run's queue and lets the real pump carry them.
"""

from __future__ import annotations

import tkinter as tk

import pytest

from engine import vocabulary as vocab
from engine.events import Event
from gui.widgets.terminal import TerminalView
from tests.gui.conftest import pump_until


def chunk(text, stream=vocab.STDOUT, actor="thread-1", t=0.0):
    return Event(t, actor, vocab.TERMINAL, text, {vocab.STREAM: stream})


@pytest.fixture
def terminal(app):
    """A TerminalView of its own, in a window of its own, drawn."""
    window = tk.Toplevel(app)
    window.geometry("600x300")
    view = TerminalView(window)
    view.pack(fill="both", expand=True)
    app.update()
    yield view
    window.destroy()


def count_inserts(view) -> list:
    """Record every insert into ``view``'s text widget (the real insert still runs)."""
    widget = view.text.text
    calls, real = [], widget.insert

    def insert(*args):
        calls.append(args)
        return real(*args)
    widget.insert = insert
    return calls


# -- the view alone -------------------------------------------------------------------
def test_interleaved_chunks_are_shown_exactly_in_order(terminal):
    # Two threads printing "=> n" without a lock: each wrote its "[n] " first.
    terminal.add([chunk("[1] ", actor="thread-1"), chunk("[2] ", actor="thread-2"),
                  chunk("=> 0\n", actor="thread-1")])
    terminal.add([chunk("=> 1\n", actor="thread-2"), chunk("last, no newline yet")])
    assert terminal.content() == "[1] [2] => 0\n=> 1\nlast, no newline yet"
    terminal.add([chunk(" ... now\n")])
    assert terminal.content() == "[1] [2] => 0\n=> 1\nlast, no newline yet ... now\n"


def test_a_batch_is_one_insert_however_many_events(terminal):
    inserts = count_inserts(terminal)
    terminal.add([chunk(f"line {i}\n", vocab.STDERR if i % 7 == 0 else vocab.STDOUT)
                  for i in range(3000)])
    assert len(inserts) == 1
    assert terminal.content().splitlines() == [f"line {i}" for i in range(3000)]


def test_carriage_return_and_backspace_act_as_on_a_terminal(terminal):
    terminal.add([chunk("scanning 10%"), chunk("\rscanning 60%"), chunk("\rscanning 100%\n"),
                  chunk("done.\r\n"), chunk("abc\bX\n"), chunk("long line\rshort\n")])
    assert terminal.content() == "scanning 100%\ndone.\nabX\nshortline\n"


def test_other_control_characters_are_shown_escaped(terminal):
    terminal.add([chunk("\x1b[31mred\x1b[0m\tafter a tab\x00\n"),
                  chunk("caf\udce9\n")])     # a byte that was not UTF-8
    assert terminal.content() == "\\x1b[31mred\\x1b[0m\tafter a tab\\x00\ncaf\\xe9\n"


def test_stderr_text_has_its_own_colour(terminal):
    terminal.add([chunk("out\n"), chunk("err\n", vocab.STDERR), chunk("out again\n")])
    widget = terminal.text.text
    assert "stderr" in widget.tag_names("2.0")
    assert "stderr" not in widget.tag_names("1.0")
    assert "stderr" not in widget.tag_names("3.0")
    assert widget.tag_cget("stderr", "foreground")


def test_batches_of_whole_lines_of_one_stream_keep_each_lines_colour(terminal):
    def stderr_lines():
        widget = terminal.text.text
        return [n for n in range(1, int(widget.index("end").split(".")[0]))
                if "stderr" in widget.tag_names(f"{n}.0")]
    terminal.add([chunk("out 1\n"), chunk("out 2\n"), chunk("half ")])
    terminal.add([chunk("line\n", vocab.STDERR), chunk("err 1\n", vocab.STDERR),
                  chunk("err 2\n", vocab.STDERR), chunk("err, no newline", vocab.STDERR)])
    terminal.add([chunk(" yet\n", vocab.STDERR), chunk("out 3\n")])
    terminal.add([chunk("err 3\n", vocab.STDERR), chunk("err 4\n", vocab.STDERR)])
    assert terminal.content() == ("out 1\nout 2\nhalf line\nerr 1\nerr 2\n"
                                  "err, no newline yet\nout 3\nerr 3\nerr 4\n")
    assert stderr_lines() == [4, 5, 6, 8, 9]
    widget = terminal.text.text
    assert "stderr" not in widget.tag_names("3.0")      # "half " was written to stdout
    assert "stderr" in widget.tag_names("3.5")          # "line" to stderr


def test_the_view_keeps_only_the_last_lines(terminal):
    cap = terminal.MAX_LINES
    lines = [f"line {i}" for i in range(3 * cap)]
    text = "".join(f"{line}\n" for line in lines)
    # Chunks that cut lines anywhere, in batches small and larger than the cap.
    pieces = [text[i:i + 37] for i in range(0, len(text), 37)]
    terminal.add([chunk(p) for p in pieces[:100]])
    terminal.add([chunk(p) for p in pieces[100:len(pieces) // 2]])
    for start in range(len(pieces) // 2, len(pieces), 500):
        terminal.add([chunk(p) for p in pieces[start:start + 500]])
    assert terminal.content().splitlines() == lines[-cap:]
    assert int(terminal.text.text.index("end-1c").split(".")[0]) == cap + 1


def test_one_endless_line_is_wrapped_not_grown_for_ever(terminal):
    width = terminal.MAX_COLUMNS
    terminal.add([chunk("x" * 1000) for _ in range(12)])
    rows = terminal.content().split("\n")
    assert [len(row) for row in rows] == [width] * 6


def test_the_view_follows_the_end_unless_scrolled_up(app, terminal):
    widget = terminal.text.text
    terminal.add([chunk(f"line {i}\n") for i in range(300)])
    app.update()
    assert widget.yview()[1] == 1.0
    widget.yview_moveto(0.0)      # the learner scrolls up to read
    app.update()
    terminal.add([chunk(f"more {i}\n") for i in range(300)])
    app.update()
    assert widget.yview()[0] == 0.0
    widget.yview_moveto(1.0)      # and back down: it follows again
    app.update()
    terminal.add([chunk(f"again {i}\n") for i in range(300)])
    app.update()
    assert widget.yview()[1] == 1.0


EDITING_KEYS = ("<KeyPress-a>", "<BackSpace>", "<Control-d>", "<Control-k>", "<Control-o>",
                "<Control-h>", "<Control-t>", "<Meta-d>")


def press_editing_keys(app, widget) -> None:
    for key in EDITING_KEYS:
        widget.focus_force()
        widget.mark_set("insert", "1.2")
        app.update()
        widget.event_generate(key)
        app.update()


def test_the_view_cannot_be_typed_into(app, terminal):
    terminal.add([chunk("keep me\nand me\n")])
    press_editing_keys(app, terminal.text.text)
    assert terminal.content() == "keep me\nand me\n"


def test_the_log_cannot_be_edited_with_emacs_keys(app):
    """Tk's Text binds Ctrl+D, Ctrl+K... to editing, past the log's refusal of typing."""
    tab = app.select("mutex")
    tab.on_events([Event(0.1, "thread-1", vocab.LOG, "first line"),
                   Event(0.2, "thread-1", vocab.LOG, "second line")])
    app.update()
    before = tab.logview.content()
    press_editing_keys(app, tab.logview.text.text)
    assert tab.logview.content() == before


def test_clear_empties_the_view(terminal):
    terminal.add([chunk("old line\nold unfinished")])
    terminal.clear()
    terminal.add([chunk("new\n")])
    assert terminal.content() == "new\n"


# -- routing in a lesson tab ----------------------------------------------------------
# A thread as the lab names it (threading's own name): no lesson of the older engine
# has an actor of that name, so a real run's own events never move its mark.
LAB_ACTOR = "Thread-1 (worker)"


def lab_events(tab, first_line: int, second_line: int) -> list[Event]:
    """What a lab run sends for one print() of thread-1 and its moves."""
    program = tab.source.path
    return [
        Event(0.01, "MainThread", vocab.PROCESS, "started (root)",
              {"role": "root", "parent": None}),
        Event(0.02, LAB_ACTOR, vocab.LINE, "sampled_function_name",
              {vocab.FILE: program, "function": "worker"}, line=first_line),
        Event(0.03, LAB_ACTOR, vocab.TERMINAL, "[garbled [chunk\n",
              {vocab.STREAM: vocab.STDOUT}, line=first_line),
        Event(0.03, LAB_ACTOR, vocab.OUTPUT, "hello from thread one",
              {vocab.STREAM: vocab.STDOUT, vocab.FILE: program}, line=first_line),
        Event(0.04, LAB_ACTOR, vocab.SLEEP, "sleep(0.5)",
              {"requested": 0.5, "scaled": 0.5, "speed": 1.0, vocab.FILE: program},
              line=first_line),
        Event(0.05, LAB_ACTOR, vocab.PROBE, "acquire the lock", {"call": "acquire"},
              line=first_line),
        Event(0.06, LAB_ACTOR, vocab.LINE, "sampled_function_name",
              {vocab.FILE: program, "function": "worker"}, line=second_line),
        # The same thread in another file of the lesson: not the one the pane shows.
        Event(0.07, LAB_ACTOR, vocab.LINE, "sampled_function_name",
              {vocab.FILE: "/elsewhere/careful.py", "function": "walk"}, line=first_line),
    ]


def test_a_tab_sends_each_kind_to_its_view(app):
    tab = app.select("mutex")
    events = lab_events(tab, 3, 5)
    tab.on_events(events)
    app.update()
    log = tab.logview.content()
    assert "hello from thread one" in log          # output: a line of its actor
    assert "started (root)" in log                 # process
    assert "acquire the lock" in log               # probe
    assert "garbled" not in log                    # terminal: the Terminal page only
    assert "sampled_function_name" not in log      # line: the code pane only
    assert "sleep(0.5)" not in log                 # sleep: too many for the log
    assert tab.terminal.content() == "[garbled [chunk\n"
    # The log and the timeline see the same events: not the terminal's, line or sleep.
    kinds = [event.kind for event in tab.logview.events]
    assert kinds == [vocab.PROCESS, vocab.OUTPUT, vocab.PROBE]
    assert tab.timeline.event_count == 3
    # The line event moved thread-1's mark; the one in another file did not.
    assert tab.source.highlighted()[LAB_ACTOR] == 5


def test_an_output_line_has_its_actors_colour_in_the_log(app):
    tab = app.select("mutex")
    tab.on_events(lab_events(tab, 3, 5))
    app.update()
    text = tab.logview.text.text
    row = next(i for i, event in enumerate(tab.logview.rows, 1)
               if event is not None and event.kind == vocab.OUTPUT)
    tags = [tag for tag in text.tag_names(f"{row}.0") if tag.startswith("actor")]
    assert len(tags) == 1
    assert str(text.tag_cget(tags[0], "foreground")) == tab.colors(LAB_ACTOR)


def test_a_printed_line_with_control_characters_is_shown_escaped_in_the_log(app):
    tab = app.select("mutex")
    tab.on_events([Event(0.1, "thread-1", vocab.OUTPUT, "\x1b[31mred\x1b[0m 50%\r",
                         {vocab.STREAM: vocab.STDOUT})])
    app.update()
    assert tab.logview.content().endswith("\\x1b[31mred\\x1b[0m 50%\\r\n")


def test_each_line_event_moves_its_actors_mark(app):
    tab = app.select("mutex")
    program = tab.source.path
    for line in (4, 9, 2):
        tab.on_events([Event(0.1, "thread-2", vocab.LINE, "worker", {vocab.FILE: program},
                             line=line),
                       Event(0.1, "thread-3", vocab.LINE, "worker", {vocab.FILE: program},
                             line=line + 1)])
        app.update()
        assert tab.source.highlighted() == {"thread-2": line, "thread-3": line + 1}


def test_ctrl_t_turns_between_log_and_terminal(app):
    tab = app.select("mutex")
    tab.on_events([Event(0.1, "thread-1", vocab.LOG, "abc")])
    pages = tab.output_pages
    assert pages.tab(pages.select(), "text") == "Log"
    log = tab.logview.text.text
    log.focus_force()
    log.mark_set("insert", "1.10")
    app.update()
    before = tab.logview.content()
    log.event_generate("<Control-t>")
    app.update()
    assert pages.tab(pages.select(), "text") == "Terminal"
    assert tab.logview.content() == before     # and no letters were swapped
    app.event_generate("<Control-t>")
    app.update()
    assert pages.tab(pages.select(), "text") == "Log"


def test_the_marks_of_a_lab_run_are_cleared_when_it_is_done(app):
    """Line events carried by the real pump from a real run's queue: marks while it
    runs, none once it is done (a finished thread is on no line)."""
    tab = app.select("mutex")
    tab.step_var.set(True)          # the run waits at its first event until Next
    tab.form.set_values({"threads": 2, "lines": 2})
    assert tab.start_run()
    for event in lab_events(tab, 3, 6):
        tab.run.events.put(event)
    pump_until(app, lambda: tab.source.highlighted().get(LAB_ACTOR) == 6)
    assert "[garbled [chunk" in tab.terminal.content()
    tab.stop_run()
    pump_until(app, lambda: tab.state == "done")
    assert tab.source.highlighted() == {}
    # A new run starts with an empty terminal.
    tab.step_var.set(False)
    assert tab.start_run()
    assert tab.terminal.content() == ""
    pump_until(app, lambda: tab.state == "done")


def test_a_lock_off_mutex_run_shows_interleaved_lines_in_the_terminal_every_time(app):
    """The real program in the lab: its threads start together and print each line
    in two pieces, so the Terminal page shows lines made of two threads' pieces."""
    tab = app.select("mutex")
    whole = {f"[{me}] => {n}" for me in range(4) for n in range(3)}
    for _ in range(3):   # every run, not by luck
        tab.form.set_values({"threads": 4, "lines": 3, "lock": False, "delay": 0})
        tab.run_button.invoke()
        pump_until(app, lambda: tab.state == "done")
        assert tab.last_status == "ok"
        screen = [line for line in tab.terminal.content().splitlines()
                  if line.startswith("[") or line.startswith("=>")]
        mixed = [line for line in screen if line not in whole]
        assert mixed, f"no interleaved line on the terminal: {screen}"
        # The log keeps each thread's own text whole: the pieces of one actor, joined.
        logged = {e.text for e in tab.logview.events if e.kind == "output"}
        assert whole <= logged
