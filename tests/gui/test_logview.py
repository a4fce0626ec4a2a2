"""The live log in a real window: what each line says and which tags colour it,
whether its lines arrive one actor at a time or interleaved, with errors among them."""

from engine import vocabulary as vocab
from engine.events import Event
from gui.widgets.logview import LogView


def line_tags(view: LogView) -> list[tuple[str, set[str]]]:
    """(text, tags on its first character) of every line in the widget."""
    widget = view._widget
    lines = view.content().split("\n")
    return [(text, set(widget.tag_names(f"{number}.0")) - {"indent"})
            for number, text in enumerate(lines, start=1) if text]


def test_each_line_has_its_actors_tag_alone_and_an_error_is_red(app):
    view = LogView(app)
    view.pack()
    trace = "Traceback (most recent call last):\n  boom\n"
    events = [Event(0.1, "main", vocab.LOG, "one"),
              Event(0.2, "main", vocab.LOG, "two"),
              Event(0.3, "worker 1", vocab.LOG, "three"),
              Event(0.4, "main", vocab.ERROR, "four", {vocab.TRACEBACK: trace}),
              Event(0.5, "main", vocab.LOG, "five"),
              Event(0.6, "main", vocab.LOG, "six"),
              Event(0.7, "worker 1", vocab.OUTPUT, "seven\x1b[0m")]
    view.add(events)
    app.update()
    main, worker = view._tags["main"], view._tags["worker 1"]
    assert main != worker
    shown = line_tags(view)
    assert [tags for _text, tags in shown] == [
        {main}, {main}, {worker}, {main, "error"}, {"error"}, {"error"},
        {main}, {main}, {worker}]
    assert [text.split()[-1] for text, _tags in shown] == [
        "one", "two", "three", "four", "last):", "boom", "five", "six", "seven\\x1b[0m"]
    # A line's characters all carry its tags, up to the next line's own.
    widget = view._widget
    assert widget.tag_nextrange(main, "1.0")[1] == "3.0"
    # Each line still leads back to its event (the traceback's lines to none).
    assert [view.event_at_line(n) for n in range(1, 10)] == [
        events[0], events[1], events[2], events[3], None, None, events[4], events[5],
        events[6]]
    view.destroy()


def test_a_flood_of_one_actor_keeps_every_drawn_line_coloured(app):
    view = LogView(app)
    view.pack()
    view.add([Event(i / 1000, "main", vocab.OUTPUT, f"line {i}") for i in range(1000)])
    app.update()
    shown = line_tags(view)
    assert "more events arrived too fast" in shown[0][0]
    assert shown[0][1] == {"skipped"}
    main = view._tags["main"]
    assert len(shown) == 1 + LogView.MAX_PER_TICK
    assert all(tags == {main} for _text, tags in shown[1:])
    assert shown[-1][0].endswith("line 999")
    view.destroy()
