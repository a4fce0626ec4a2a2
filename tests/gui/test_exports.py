"""Saving a run: the log as text and the timeline as a PNG, from real runs."""

import os
import re
import traceback

from PIL import Image

from engine.events import Event
from gui.colors import ActorColors
from gui.widgets.exports import (
    LOG_FILETYPES,
    ask_save_path,
    export_log,
    log_text,
    save_log,
    save_timeline_png,
    timeline_image,
    timeline_layout,
)
from gui.widgets.lanes import span_look
from tests.engine.helpers import result_of, run_lesson
from tests.gui.conftest import pump_until

EVENT_LINE = re.compile(r"^ *(\d+\.\d{3})s  ")


def first_speakers(events):
    seen = []
    for event in events:
        if event.actor not in seen:
            seen.append(event.actor)
    return seen


def rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def colours_in(image, box):
    return {c for _n, c in image.crop(box).getcolors(maxcolors=box[2] * box[3])}


# -- the log ---------------------------------------------------------------------------

def test_the_log_text_holds_every_event_of_a_real_mutex_run(tmp_path):
    events = run_lesson("mutex", {"threads": 3, "lines": 4, "delay": 0.0, "lock": False},
                        speed=10)
    assert events[-1].kind == "done" and result_of(events)
    text = log_text(events, title="Threads and a lock")
    assert text.startswith("# PySysLab: Threads and a lock\n")
    event_lines = [line for line in text.splitlines() if EVENT_LINE.match(line)]
    assert len(event_lines) == len(events)
    for line, event in zip(event_lines, events, strict=True):
        assert line.lstrip().startswith(f"{event.t:.3f}s  {event.actor} ")
        assert f" {event.kind} " in line
        assert line.endswith(event.text.split("\n")[0])
        if event.line:
            assert f" L{event.line} " in line

    saved = save_log(events, tmp_path / "mutex-log.txt")
    assert saved.ok, saved.message
    assert saved.message == f"Saved the log to {tmp_path / 'mutex-log.txt'}."
    back = (tmp_path / "mutex-log.txt").read_text(encoding="utf-8")
    assert [line for line in back.splitlines() if EVENT_LINE.match(line)] == event_lines
    # A log that lost its oldest lines says so.
    assert "# (the first 1,234 events of this run were not kept)\n" in log_text(events,
                                                                                  dropped=1234)
    assert "not kept" not in text


def test_the_log_keeps_tracebacks_and_shows_non_utf8_names_readably(tmp_path):
    try:
        {}["missing"]
    except KeyError:
        trace = traceback.format_exc()
    name = os.fsdecode(b"caf\xe9.py")             # a name that is not UTF-8 on disk
    events = [Event(0.25, "walker", "log", f"found {name}", line=40),
              Event(0.5, "main", "error", "the lesson failed\nat the end",
                    {"traceback": trace}, line=12),
              Event(0.75, "main", "done", "failed", {"status": "error"})]
    saved = save_log(events, tmp_path / "run.txt")
    assert saved.ok, saved.message
    text = (tmp_path / "run.txt").read_text(encoding="utf-8")   # valid UTF-8 throughout
    assert "found caf\\xe9.py" in text
    lines = text.splitlines()
    error_at = next(i for i, line in enumerate(lines) if line.endswith("the lesson failed"))
    column = lines[error_at].index("the lesson failed")
    below = lines[error_at + 1:]
    assert below[0] == " " * column + "at the end"
    for trace_line in trace.rstrip("\n").split("\n"):   # every line, under the text column
        assert " " * column + trace_line in below
    assert EVENT_LINE.match(below[-1]) and below[-1].endswith("failed")


# -- the timeline picture ------------------------------------------------------------------

def test_the_timeline_png_of_a_real_thread_queue_run(tmp_path):
    events = run_lesson("thread_queue", {"producers": 3, "messages": 3, "consumers": 2,
                                         "delay": 0.05}, speed=1)
    actors = first_speakers(events)
    assert {"producer-0", "producer-2", "consumer-1"} <= set(actors)
    path = tmp_path / "timeline.png"
    saved = save_timeline_png(events, path, width=1200, title="Producer/consumer")
    assert saved.ok, saved.message

    with Image.open(path) as check:
        check.verify()                             # a whole, valid PNG
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.info.get("Software") == "PySysLab"
        image = image.convert("RGB")
    layout = timeline_layout(events, 1200, "Producer/consumer")
    assert image.size == (1200, layout.height)
    assert layout.lanes == actors

    # The actors keep the colours the tab's log and timeline give them.
    colours = ActorColors()
    expected = {actor: colours(actor) for actor in actors}
    assert layout.colours == expected
    lanes_top = layout.lanes_top
    lanes_bottom = lanes_top + len(actors) * layout.lane_h
    row_colours = {y: colours_in(image, (0, y, 1200, y + 1))
                   for y in range(lanes_top, lanes_bottom)}
    for row, actor in enumerate(actors):
        top, bottom = lanes_top + row * layout.lane_h, lanes_top + (row + 1) * layout.lane_h
        colour = rgb(expected[actor])
        # its name in the name column and its ticks in the plot, both in its own row
        assert colour in colours_in(image, (0, top, layout.label_w, bottom)), actor
        assert colour in colours_in(image, (layout.label_w, top, 1200, bottom)), actor
        # and its colour nowhere else among the lanes
        for y, seen in row_colours.items():
            if not top <= y < bottom:
                assert colour not in seen, (actor, y)
    # Consumers wait for the queue (the probes' "waiting" lane): their spans are drawn.
    for actor in ("consumer-0", "consumer-1"):
        row = actors.index(actor)
        top = lanes_top + row * layout.lane_h
        plot = colours_in(image, (layout.label_w, top, 1200, top + layout.lane_h))
        fill, _outline = span_look(expected[actor], "waiting", "#ffffff")
        assert rgb(fill) in plot, actor
    # The queue depth is drawn in its band above the lanes.
    assert layout.depth_top is not None
    band = colours_in(image, (layout.label_w, layout.depth_top, 1200, lanes_top))
    assert rgb("#2c7fb8") in band


def test_a_timeline_of_nothing_is_still_a_picture():
    image = timeline_image([], width=600)
    assert image.size[0] == 600 and image.size[1] > 40


# -- where it goes, and when it cannot go there -----------------------------------------------

def test_saving_where_it_cannot_be_written_gives_one_clear_sentence(tmp_path):
    events = [Event(0.1, "main", "log", "hello"), Event(0.2, "main", "done", "ok")]
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    target = blocker / "x.png"                      # fails for root too
    for saved, what in ((save_timeline_png(events, target), "timeline"),
                        (save_log(events, blocker / "x.txt"), "log")):
        assert not saved.ok
        assert saved.message.startswith(f"Could not save the {what} to {blocker}/x.")
        assert "not a folder" in saved.message
        assert "\n" not in saved.message
    assert blocker.read_text() == "a file, not a folder"
    full = save_log(events, "/dev/full")            # every write there: no space left
    assert not full.ok and full.message == "Could not save the log to /dev/full: the disk is full."
    missing = save_log(events, tmp_path / "no-such-folder" / "log.txt")
    assert not missing.ok and "that folder does not exist" in missing.message
    assert not (tmp_path / "no-such-folder").exists()


def answer_save_dialog(app, path):
    """Act as the learner in Tk's Save dialog: type ``path`` and press Save (or Cancel)."""
    dialog = ".__tk_filedialog"

    def act():
        if not int(app.tk.call("winfo", "exists", dialog)) or \
                not int(app.tk.call("winfo", "ismapped", dialog)):
            app.after(20, act)
            return
        if path is None:
            app.tk.call(f"{dialog}.contents.f2.cancel", "invoke")
            return
        entry = f"{dialog}.contents.f2.ent"
        app.tk.call(entry, "delete", 0, "end")
        app.tk.call(entry, "insert", 0, str(path))
        app.tk.call(f"{dialog}.contents.f2.ok", "invoke")
    app.after(20, act)


def test_the_save_dialog_asks_and_the_log_goes_where_the_learner_chose(app, tmp_path):
    answer_save_dialog(app, None)
    assert ask_save_path(app, "Save the log", "run.txt", LOG_FILETYPES,
                         initialdir=str(tmp_path)) is None
    assert list(tmp_path.iterdir()) == []           # cancelled: nothing written anywhere

    tab = app.select("mutex")
    tab.form.set_values({"threads": 2, "lines": 2, "delay": 0.0})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    chosen = tmp_path / "chosen.txt"
    answer_save_dialog(app, chosen)
    saved = export_log(app, tab.logview.events, "mutex", title=tab.lesson.title)
    assert saved is not None and saved.ok, saved
    assert saved.path == str(chosen)
    assert list(tmp_path.iterdir()) == [chosen]
    lines = [line for line in chosen.read_text().splitlines() if EVENT_LINE.match(line)]
    assert len(lines) == len(tab.logview.events)
