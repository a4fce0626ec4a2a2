"""Text a learner must be able to read whole: result lines, the log, the status bar.

Checked on the real window's widgets: a label shows its whole text when it is
given at least the size it asks for and no pane around it cuts it off; the
log shows a whole line when it has nothing to scroll sideways.
"""

import tkinter.font as tkfont

from tests.gui.conftest import pump_until
from tests.gui.readable import cut_off, words_fit

NARROW = "900x760"   # the narrowest the window may be (its minsize is 900 wide)
FAST_QUEUE = {"producers": 4, "messages": 4, "consumers": 2, "delay": 0.05}


def run_to_the_end(app, tab, values):
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_status_and_result_lines_show_whole_in_a_narrow_window(app):
    app.geometry(NARROW)
    tab = app.select("thread_queue")
    run_to_the_end(app, tab, FAST_QUEUE)
    assert tab.last_status == "ok"
    labels = {"status": tab.status_label, "result": tab.result_label,
              "problem counts": tab.problems_label}
    assert "consumed twice" in tab.problems_label.cget("text").replace("\u00a0", " ")
    app.update()
    for name, label in labels.items():
        assert cut_off(label, across_only=True) == [], \
            f"the {name} line is cut off: {cut_off(label, across_only=True)}"
        assert words_fit(label), f"the {name} line splits a word: {label.cget('text')!r}"


def test_scan_counters_show_whole_in_a_narrow_window(app, tmp_path):
    for i in range(3):
        (tmp_path / f"folder-{i}").mkdir()
        (tmp_path / f"folder-{i}" / f"file_{i}.py").write_text("x = 1\n" * i)
    app.geometry(NARROW)
    tab = app.select("filescan")
    run_to_the_end(app, tab, {"root": str(tmp_path)})
    assert tab.last_status == "ok"
    app.update()
    assert str(tmp_path) in tab.current.cget("text")
    assert "Done: 3 matches in 4 folders" in tab.counters.cget("text")
    for name in ("status_label", "result_label", "counters", "current", "summary"):
        label = getattr(tab, name)
        assert cut_off(label, across_only=True) == [], f"{name} is cut off: {cut_off(label)}"
        if name != "current":   # a folder's path is one long word: it may break anywhere
            assert words_fit(label), f"{name} splits a word: {label.cget('text')!r}"


def test_every_log_line_can_be_read_whole(app):
    app.geometry(NARROW)
    tab = app.select("thread_queue")
    run_to_the_end(app, tab, FAST_QUEUE)
    text = tab.logview._widget
    app.update()
    lines = tab.logview.content().splitlines()
    longest = max(range(len(lines)), key=lambda i: len(lines[i])) + 1
    width_in_chars = text.winfo_width() // tkfont.Font(font=text.cget("font")).measure("0")
    assert len(lines[longest - 1]) > width_in_chars, "no line is wider than the log here"
    assert text.xview() == (0.0, 1.0), "the log has lines wider than its view"
    text.see(f"{longest}.end -1c")
    app.update()
    x, _y, w, _h = text.bbox(f"{longest}.end -1c")
    assert x + w <= text.winfo_width(), "the end of the longest line is off to the right"
    # A wrapped line continues under the text column, clear of the time and the actor.
    last_row = text.index(f"{longest}.end -1c display linestart")
    assert last_row != f"{longest}.0", "the longest line did not wrap"
    # Each row measured where it is in view (a long line may be taller than the log).
    text.see(last_row)
    app.update()
    row_x = text.bbox(last_row)[0]
    text.see(f"{longest}.0")
    app.update()
    indent = row_x - text.bbox(f"{longest}.0")[0]
    assert indent == tkfont.Font(font=text.cget("font")).measure(" " * 26)   # "  0.123  actor... "


def test_a_field_message_about_a_long_path_shows_whole(app, tmp_path):
    missing = tmp_path.joinpath("a-folder-that-is-not-there", "and-nothing-below-it-either")
    app.geometry(NARROW)
    tab = app.select("filescan")
    tab.form.set_values({"root": str(missing)})
    tab.run_button.invoke()
    app.update()
    message = tab.form.messages["root"]
    assert str(missing) in message.cget("text")
    assert cut_off(message, across_only=True) == [], cut_off(message, across_only=True)
