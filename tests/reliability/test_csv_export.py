"""The Find files table saved as CSV, from a real scan of a tree with hostile names.

A CSV file is opened by a spreadsheet, which runs a cell that starts like a
formula. The promises (OWASP's advice on CSV injection):

* a text cell that starts with = + - @ tab or CR gets a leading single quote,
  and every text cell is quoted; numbers stay plain numbers;
* the file is valid UTF-8 even when a name is not: its raw bytes are written
  as \\xNN, and the row's ``note`` says so;
* every other name reads back exactly, quotes, commas and newlines included.

The file is read back as bytes and parsed, as a spreadsheet would get it.
"""

from __future__ import annotations

import csv
import io
import os

import pytest

from tests.gui.conftest import pump_until

# OWASP: a cell must not begin with these, or a spreadsheet may take it as a formula
# (ASVS 1.2.10 adds NUL).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")

# name on disk -> how its name cell must read back
HOSTILE = {
    b"=cmd|' -c calc'!A0.py": "'=cmd|' -c calc'!A0.py",      # (a name holds no '/')
    b"+1+1.py": "'+1+1.py",
    b"-2+3.py": "'-2+3.py",
    b"@SUM(1+1)*cmd.py": "'@SUM(1+1)*cmd.py",
    b"\tTAB.py": "'\tTAB.py",
    b"\rCR.py": "'\rCR.py",
    b"caf\xe9.py": "caf\\xe9.py",                       # not UTF-8: escaped, and said so
    b'quote",comma\nnewline.py': 'quote",comma\nnewline.py',   # exact
    b"a=b.py": "a=b.py",                               # "=" inside is no formula
    "r\u00e9sum\u00e9.py".encode(): "r\u00e9sum\u00e9.py",
}


@pytest.fixture
def hostile_tree(tmp_path):
    root = os.path.join(os.fsencode(tmp_path), b"tree")
    os.mkdir(root)
    for size, name in enumerate(HOSTILE, start=1):     # a size per name, to find its row
        with open(os.path.join(root, name), "wb") as f:
            f.write(b"x" * size)
    return root


def exported_rows(app, root: bytes, target) -> tuple[bytes, list[dict]]:
    tab = app.select("filescan")
    tab.form.set_values({"root": os.fsdecode(root), "top": 50})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    assert tab.table.export_csv(str(target)) == len(HOSTILE)
    raw = target.read_bytes()
    text = raw.decode("utf-8")                 # strict: the whole file is valid UTF-8
    return raw, list(csv.DictReader(io.StringIO(text, newline="")))


def test_exported_csv_neutralises_formulas_and_is_valid_utf8(app, hostile_tree, tmp_path):
    raw, rows = exported_rows(app, hostile_tree, tmp_path / "smallest.csv")
    by_size = {int(row["size_bytes"]): row for row in rows}
    for size, (name, shown) in enumerate(HOSTILE.items(), start=1):
        row = by_size[size]
        assert row["name"] == shown, (name, row)
        escaped = b"\xe9" in name
        assert ("not valid UTF-8" in row.get("note", "")) == escaped, row
        if not shown.startswith("'"):          # the path is an absolute path: never a formula
            exact = os.fsdecode(os.path.join(hostile_tree, name))
            assert row["path"] == (exact.replace("\udce9", "\\xe9") if escaped else exact)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), (cell, row)
    assert list(rows[0]) == ["rank", "size_bytes", "size", "name", "folder", "modified",
                             "path", "note"]
    # Quoted text cells, bare numbers: the raw bytes of the first data line.
    first = raw.split(b"\r\n")[1]
    assert first.startswith(b'1,1,"1 bytes","'), first


def test_csv_cells_one_by_one():
    """The rule on its own, including the cells a file name cannot hold (NUL, '-1')."""
    from gui.widgets.exports import NOT_UTF8_NOTE, csv_bytes
    data = csv_bytes(["a", "b"], [["=1+1", -3], ["\x00x", "-1"], ["\udcff", "fine"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows == [["a", "b", "note"], ["'=1+1", "-3", ""], ["'\x00x", "'-1", ""],
                    ["\\xff", "fine", NOT_UTF8_NOTE]]
    assert data.split(b"\r\n")[1] == b'"\'=1+1",-3,""'
