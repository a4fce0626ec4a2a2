"""The Find source files tab, driven through its real widgets on Xvfb."""

from __future__ import annotations

import csv
import os
import stat

import pytest

from engine import vocabulary as vocab
from engine.events import Event
from tests.gui.conftest import pump_until

DIALOG = ".__tk_filedialog"   # Tk's own file dialog on X11


def write(path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    sizes = {"a/one.py": 10, "a/two.py": 300, "b/three.py": 5000, "b/c/four.py": 0,
             "five.py": 70_000, "six.py": 2, "notes.txt": 99}
    for name, size in sizes.items():
        write(root / name, size)
    odd = os.path.join(os.fsencode(root), b"caf\xe9.py")
    with open(odd, "wb") as f:
        f.write(b"y" * 123)
    os.symlink("loop.py", root / "loop.py")
    return root


def scan(app, root, **values):
    tab = app.select("filescan")
    tab.form.set_values({"root": str(root), "top": 10, **values})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    return tab


def column(tab, name: str) -> list[str]:
    return [str(tab.table.tree.set(item, name)) for item in tab.table.tree.get_children()]


def test_scan_fills_table_histogram_and_errors(app, tree):
    tab = scan(app, tree, follow=True)
    assert column(tab, "rank") == ["1", "2", "3", "4", "5", "6", "7"]
    assert column(tab, "name")[:3] == ["four.py", "six.py", "one.py"]
    assert column(tab, "size")[:3] == ["0 bytes", "2 bytes", "10 bytes"]
    assert "caf\\xe9.py" in column(tab, "name")           # shown escaped, not lost
    assert all(column(tab, "modified"))
    assert "7 files" in tab.summary.cget("text")
    assert sum(n for _, n in tab.histogram.bars) == 7
    assert tab.histogram.canvas.find_withtag("bar")
    assert "Done: 7 matches" in tab.counters.cget("text")

    press_view(app, tab, "Largest")
    assert column(tab, "name")[:2] == ["five.py", "three.py"]

    assert tab.errors.toggle.cget("text") == "▸ 1 symlink loop skipped"
    tab.errors.toggle.invoke()
    app.update()
    rows = [tab.errors.list.item(i, "values") for i in tab.errors.list.get_children()]
    assert rows == [(str(tree / "loop.py"), "symlink loop")]
    assert tab.errors.list.winfo_ismapped()


def test_largest_button_sort_heading_and_filter(app, tree):
    tab = scan(app, tree)
    press_view(app, tab, "Largest")
    assert column(tab, "name")[0] == "five.py"

    tree_widget = tab.table.tree
    tab.tk.call(tree_widget.heading("size", "command"))   # click the Size heading
    app.update()
    sizes = [tab.table.items[i].size for i in tree_widget.get_children()]
    assert sizes == sorted(sizes)
    tab.tk.call(tree_widget.heading("size", "command"))   # again: the other way
    sizes = [tab.table.items[i].size for i in tree_widget.get_children()]
    assert sizes == sorted(sizes, reverse=True)
    assert tree_widget.heading("size", "text") == "Size ▼"

    tab.filter_entry.insert(0, "/B/")       # the filter ignores case
    pump_until(app, lambda: len(tree_widget.get_children()) == 2)
    assert sorted(column(tab, "name")) == ["four.py", "three.py"]
    tab.filter_entry.delete(0, "end")
    pump_until(app, lambda: len(tree_widget.get_children()) == 7)


def all_widgets(widget):
    for child in widget.winfo_children():
        yield child
        yield from all_widgets(child)


def press_view(app, tab, text: str) -> None:
    """Press the Smallest or Largest button."""
    button = next(w for w in all_widgets(tab) if w.winfo_class() == "TRadiobutton"
                  and w.cget("text") == text)
    button.invoke()
    app.update()


def answer_save_dialog(app, path: str | None, seen: list) -> None:
    """Type ``path`` into Tk's save dialog and press Save (None: Cancel)."""
    tries = [0]

    def act():
        if not app.tk.call("winfo", "exists", DIALOG):
            tries[0] += 1
            if tries[0] > 100:   # no dialog after 5 s: release Tk's wait, let the test fail
                app.tk.call("set", "::tk::Priv(selectFilePath)", "")
            else:
                app.after(50, act)
            return
        seen.append(True)
        if path is None:
            app.tk.call(f"{DIALOG}.contents.f2.cancel", "invoke")
            return
        entry = f"{DIALOG}.contents.f2.ent"
        app.tk.call(entry, "delete", 0, "end")
        app.tk.call(entry, "insert", 0, path)
        app.tk.call(f"{DIALOG}.contents.f2.ok", "invoke")
    app.after(100, act)


def test_csv_export_asks_where_and_writes_only_there(app, tree, tmp_path):
    tab = scan(app, tree)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    seen: list = []
    answer_save_dialog(app, None, seen)              # Cancel writes nothing
    tab.export_button.invoke()
    assert seen and os.listdir(out_dir) == []

    target = out_dir / "smallest.csv"
    answer_save_dialog(app, str(target), seen)
    tab.export_button.invoke()
    assert os.listdir(out_dir) == ["smallest.csv"]
    assert "Saved 7 rows" in tab.message.cget("text")
    with open(target, newline="", encoding="utf-8") as f:     # strict: valid UTF-8
        rows = list(csv.DictReader(f))
    assert [int(r["size_bytes"]) for r in rows] == [0, 2, 10, 123, 300, 5000, 70000]
    assert rows[0]["path"] == str(tree / "b" / "c" / "four.py")
    # Not UTF-8: the byte is written as \xe9, and the row says so
    # (tests/reliability/test_csv_export.py has the rest).
    assert rows[3]["path"].endswith("caf\\xe9.py") and "not valid UTF-8" in rows[3]["note"]


def test_bad_root_gets_an_inline_message_and_no_run(app, tmp_path):
    tab = app.select("filescan")
    for root, words in ((tmp_path / "missing", "does not exist"),
                        (tmp_path / "a-file.py", "is a file")):
        if "file" in words:
            write(root, 5)
        tab.form.set_values({"root": str(root)})
        tab.run_button.invoke()
        app.update()
        assert tab.run is None and tab.state == "ready"
        assert words in tab.form.messages["root"].cget("text")
    tab.form.set_values({"root": str(tmp_path)})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.form.messages["root"].cget("text") == ""


def click_row(app, tab, index: int, button: int = 1, times: int = 1) -> None:
    """Click a row's name like a mouse does: press and release, ``times`` times."""
    tree_widget = tab.table.tree
    item = tree_widget.get_children()[index]
    tree_widget.see(item)
    app.update()
    x, y, w, h = tree_widget.bbox(item, "name")
    for _ in range(times):
        for kind in ("ButtonPress", "ButtonRelease"):
            tree_widget.event_generate(f"<{kind}-{button}>", x=x + 5, y=y + h // 2)
    app.update()


def test_double_click_opens_the_folder_right_click_copies(app, tree, tmp_path, monkeypatch):
    tab = scan(app, tree)
    app.update()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    opener.chmod(opener.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))

    click_row(app, tab, 0, times=2)      # double-click four.py, in b/c
    pump_until(app, lambda: opened.exists() and opened.read_text() and not tab.table.launched)
    assert opened.read_text() == str(tree / "b" / "c")
    assert "Opening" in tab.message.cget("text")

    click_row(app, tab, 1, button=3)     # right-click six.py
    assert app.clipboard_get() == str(tree / "six.py")
    assert "Copied" in tab.message.cget("text")

    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    click_row(app, tab, 0, times=2)
    assert "No program to open folders" in tab.message.cget("text")
    assert str(tree / "b" / "c") in tab.message.cget("text")


# -- progress, and the code pane of a lesson of three files -----------------------------

def wide_tree(root, folders: int):
    for i in range(folders):
        write(root / f"d{i:03d}" / f"m{i}.py", i)
    return root


def test_progress_counts_the_folders_listed_as_the_walk_goes(app, tmp_path):
    """The walk waits 0.1 s after each of 40 folders (the pause setting): it lasts 4 s
    or more, and the lab reports progress several times a second meanwhile."""
    root = wide_tree(tmp_path / "wide", 40)
    tab = app.select("filescan")
    tab.form.set_values({"root": str(root), "way": "careful", "pause": 0.1})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.walkers or tab.state == "done")
    assert tab.walkers, "no progress came while the walk went on"
    text = tab.counters.cget("text")
    assert " folders · " in text and "folders/s · 1 process" in text, text
    assert tab.current.cget("text").startswith(str(root))
    assert not [e for e in tab.logview.events if e.kind == vocab.PROGRESS], "not in the log"
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.result is not None and tab.result["complete"] is False
    assert "(stopped early)" in tab.counters.cget("text")


def test_progress_adds_up_the_latest_count_of_each_process(app, tmp_path):
    tab = app.select("filescan")
    report = {vocab.CALL: "os.scandir", vocab.RATE: 1.0, vocab.ELAPSED: 1.0}
    tab.on_events([Event(1.0, "MainThread", vocab.PROGRESS, "", {**report, vocab.FOLDERS: 2000,
                                                                  vocab.FOLDER: "/r/a"}, pid=10),
                   Event(1.5, "ForkProcess-1 pid 11", vocab.PROGRESS, "",
                         {**report, vocab.FOLDERS: 300, vocab.FOLDER: "/r/b"}, pid=11),
                   Event(2.0, "ForkProcess-1 pid 11", vocab.PROGRESS, "",
                         {**report, vocab.FOLDERS: 500, vocab.FOLDER: "/r/c"}, pid=11)])
    assert tab.counters.cget("text") == "2,500 folders · 1,250 folders/s · 2 processes"
    assert tab.current.cget("text") == "/r/c"


def test_a_careful_run_marks_its_lines_in_the_careful_tab(app, tmp_path):
    """program.py, careful.py and parallel.py each have a code tab; the main thread,
    inside careful.walk (pausing after each folder), is marked in careful.py's tab,
    and the code page turns to that tab since nobody is left on a line of
    program.py (the learner reading the explanation meanwhile is left there)."""
    root = wide_tree(tmp_path / "wide", 40)
    tab = app.select("filescan")
    names = [os.path.basename(path) for path in tab.sources]
    assert names == ["program.py", "careful.py", "parallel.py"]
    assert [tab.code_files.tab(i, "text") for i in range(3)] == names
    careful = next(view for path, view in tab.sources.items() if path.endswith("careful.py"))
    tab.form.set_values({"root": str(root), "way": "careful", "pause": 0.1})
    tab.run_button.invoke()
    tab.pages.select(0)                  # the explanation, while the walk goes on
    pump_until(app, lambda: "MainThread" in careful.highlighted() or tab.state == "done")
    line = careful.highlighted().get("MainThread")
    assert line is not None, "the main thread was never marked in careful.py"
    assert "MainThread" not in tab.source.highlighted(), "it is on one line, in one file"
    assert careful.line_text(line).strip()
    pump_until(app, lambda: tab.shown_source() is careful or tab.state == "done")
    assert tab.shown_source() is careful, "the pane turned to the file the walk is in"
    assert tab.pages.index("current") == 0, "the explanation stays in front"
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert careful.highlighted() == {} and tab.source.highlighted() == {}
