"""The file table of the Find source files tab: every row and every message readable.

A real scan of a real temporary tree, in the real window; what is checked is
what the widgets show (rows in view, the caption, the tooltip, the message).
"""

import tkinter.font as tkfont

import pytest
import ttkbootstrap as ttk

from tests.gui.conftest import pump_until
from tests.gui.readable import cut_off
from tests.gui.test_filescan_tab import scan

# Folder names long enough that no Folder column shows the whole path.
DEEP = ("a-folder-with-a-rather-long-name", "and-another-one-below-it", "still-deeper")


@pytest.fixture
def many_files(tmp_path):
    """40 .py files of sizes 0..39 bytes, deep in a tree; 12 of them in the top folder."""
    root = tmp_path / "tree"
    deep = root.joinpath(*DEEP)
    deep.mkdir(parents=True)
    for size in range(40):
        folder = root if size < 12 else deep
        (folder / f"file_{size:02}.py").write_bytes(b"x" * size)
    return root


def rows_in_view(tree) -> list[int]:
    """The 1-based positions of the rows the tree shows whole (Tk draws part of the
    next one, under the tree's border)."""
    border = int(ttk.Style.get_instance().lookup("Treeview", "borderwidth") or 0)
    bottom = tree.winfo_height() - border
    return [i for i, item in enumerate(tree.get_children(), start=1)
            if tree.bbox(item) and sum(tree.bbox(item)[1::2]) <= bottom]


def texts(widget) -> list[str]:
    """The text of every label inside ``widget``."""
    found = []
    for child in widget.winfo_children():
        if child.winfo_class() == "TLabel" and child.cget("text"):
            found.append(str(child.cget("text")))
        found += texts(child)
    return found


def test_the_top_ten_are_all_in_view(app, many_files):
    tab = scan(app, many_files)
    tree = tab.table.tree
    assert len(tree.get_children()) == 10
    assert rows_in_view(tree) == list(range(1, 11)), "not every row of the top 10 is in view"
    assert "Showing 10 rows (the 10 smallest of 40 files)." in texts(tab)
    assert not [text for text in texts(tab) if "scroll" in text]


def test_more_rows_than_fit_say_which_are_in_view(app, many_files):
    tab = scan(app, many_files, top=40)
    tree = tab.table.tree
    in_view = rows_in_view(tree)
    assert len(in_view) < 40 and in_view[0] == 1
    caption = f"Rows 1–{in_view[-1]} of 40 are in view: scroll for the rest."
    assert any(caption in text for text in texts(tab)), texts(tab)
    tree.yview_moveto(1.0)
    app.update()
    in_view = rows_in_view(tree)
    assert in_view[-1] == 40
    caption = f"Rows {in_view[0]}–40 of 40 are in view: scroll for the rest."
    assert any(caption in text for text in texts(tab)), texts(tab)


def test_the_filter_says_how_many_rows_it_shows(app, many_files):
    tab = scan(app, many_files)
    tab.filter_entry.insert(0, "file_0")
    pump_until(app, lambda: len(tab.table.tree.get_children()) == 10)   # 00..09 match
    tab.filter_entry.insert("end", "3")
    pump_until(app, lambda: len(tab.table.tree.get_children()) == 1)
    assert ("Showing 1 of 10 rows that match “file_03” (the 10 smallest of 40 files)."
            in texts(tab)), texts(tab)
    tab.filter_entry.delete(0, "end")
    tab.filter_entry.insert(0, "nothing-like-this")
    pump_until(app, lambda: not tab.table.tree.get_children())
    assert any(text.startswith("No row of 10 matches") for text in texts(tab)), texts(tab)


def test_hovering_a_row_shows_its_whole_path(app, many_files):
    tab = scan(app, many_files, top=40)
    tree = tab.table.tree
    item = tree.get_children()[20]   # file_20.py, in the deep folder
    tree.see(item)
    app.update()
    path = str(many_files.joinpath(*DEEP, "file_20.py"))
    shown = tree.set(item, "folder")
    column_px = tree.column("folder", "width")
    assert tkfont.nametofont("TkDefaultFont").measure(shown) > column_px, \
        "the folder fits its column here: nothing to check"
    x, y, w, h = tree.bbox(item, "folder")
    tree.event_generate("<Enter>", x=x + 5, y=y + h // 2)
    tree.event_generate("<Motion>", x=x + 5, y=y + h // 2)

    def tip_texts():
        return [text for top in tree.winfo_children() if top.winfo_class() == "Toplevel"
                and top.winfo_viewable() for text in texts(top)]
    pump_until(app, lambda: any(path in text for text in tip_texts()), timeout=5)
    assert any("right-click: copy the path" in text for text in tip_texts())
    tree.event_generate("<Motion>", x=x + 5, y=2)   # over the heading: no row, no tip
    pump_until(app, lambda: not tip_texts(), timeout=5)


def test_copy_and_open_messages_are_shown_whole(app, many_files, tmp_path, monkeypatch):
    tab = scan(app, many_files, top=40)
    tree = tab.table.tree
    item = tree.get_children()[25]
    tree.see(item)
    app.update()
    x, y, w, h = tree.bbox(item, "name")
    for kind in ("ButtonPress", "ButtonRelease"):
        tree.event_generate(f"<{kind}-3>", x=x + 5, y=y + h // 2)   # right-click
    app.update()
    path = str(many_files.joinpath(*DEEP, "file_25.py"))
    assert app.clipboard_get() == path
    message = tab.message
    assert path in message.cget("text")
    assert cut_off(message) == [], f"the copy message is cut off: {cut_off(message)}"
    assert "Copied the path of file_25.py to the clipboard" in message.cget("text")
    assert "success" in str(message.cget("style")).lower()

    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))   # no xdg-open
    for _ in range(2):
        for kind in ("ButtonPress", "ButtonRelease"):
            tree.event_generate(f"<{kind}-1>", x=x + 5, y=y + h // 2)
    app.update()
    assert "No program to open folders was found" in message.cget("text")
    assert str(many_files.joinpath(*DEEP)) in message.cget("text")
    assert cut_off(message) == [], f"the no-opener message is cut off: {cut_off(message)}"
