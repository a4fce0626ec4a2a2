"""The code page: syntax colours, put on when the page is first shown."""

from tests.gui.conftest import pump_until


def keyword_lines(tab) -> set[int]:
    text = tab.source._widget
    ranges = text.tag_ranges("keyword")
    return {int(str(index).split(".")[0]) for index in ranges[::2]}


def test_the_code_is_coloured_when_its_page_is_first_shown(app):
    """Behind the explanation at start, the code is not coloured yet (that costs
    ~20 ms the window does not need to be ready); shown, it is, keywords first."""
    tab = app.select("mutex")
    app.update()
    assert not tab.source._widget.winfo_ismapped(), "the explanation is the page in front"
    assert keyword_lines(tab) == set(), "coloured before anyone could see it"
    tab.show_code()
    pump_until(app, lambda: keyword_lines(tab))
    lines = tab.source.content().splitlines()
    def_line = next(n for n, line in enumerate(lines, 1) if line.split()[1:2] == ["def"])
    assert def_line in keyword_lines(tab)
    assert tab.source._widget.tag_ranges("comment"), "comments are coloured too"


def test_code_loaded_while_its_page_is_in_front_is_coloured(app):
    tab = app.select("mutex")
    tab.show_code()
    app.update()
    tab.source.load(tab.lesson.source_file)   # (again: the widget is on screen now)
    pump_until(app, lambda: keyword_lines(tab))


def test_each_file_tab_is_coloured_when_it_is_first_shown(app):
    """filescan shows program.py, careful.py and parallel.py in tabs of their own:
    turning to the code page colours program.py only; careful.py waits until
    its own tab comes to the front."""
    tab = app.select("filescan")
    careful = next(view for path, view in tab.sources.items() if path.endswith("careful.py"))
    tab.show_code()
    pump_until(app, lambda: keyword_lines(tab))
    assert not careful._widget.winfo_ismapped(), "program.py's tab is the one in front"
    assert careful._widget.tag_ranges("keyword") == (), "a tab nobody saw was coloured"
    tab.show_file(careful)
    pump_until(app, lambda: careful._widget.tag_ranges("keyword"))
    assert careful._widget.tag_ranges("comment"), "comments are coloured too"


def text_of(view) -> str:
    """What the text widget holds now (``content()`` would fill it first)."""
    return view._widget.get("1.0", "end-1c")


def test_the_code_goes_into_its_view_when_first_shown(app):
    """At start the code page is behind the explanation: its files are read but
    not put in their views (~3 ms each before ready); shown, the view holds the
    file, numbered line by line."""
    tab = app.select("filescan")
    app.update()
    assert all(text_of(view) == "" for view in tab.sources.values()), "filled unseen"
    tab.show_code()
    pump_until(app, lambda: text_of(tab.source))
    with open(tab.lesson.files[0], encoding="utf-8") as f:
        first_line = f.readline().rstrip("\n")
    assert text_of(tab.source).splitlines()[0].lstrip().split("  ", 1) == ["1", first_line]


def test_a_line_marked_in_an_unseen_view_is_there_when_shown(app):
    """A run marks lines while the learner reads the explanation: marking fills
    the view first, so the mark lands on the right line of the real file."""
    tab = app.select("filescan")
    careful = next(view for path, view in tab.sources.items() if path.endswith("careful.py"))
    app.update()
    with open(careful.path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "def " in text)
    careful.highlight("MainThread", line)
    assert careful.highlighted() == {"MainThread": line}
    assert careful.line_text(line).lstrip().split("  ", 1)[1] == lines[line - 1]
    tab.show_code(careful)
    pump_until(app, lambda: careful._widget.winfo_ismapped())
    assert careful.highlighted() == {"MainThread": line}
