"""The live timeline and the saved picture follow the same lane rules (lanes.py)."""

from engine.events import Event
from gui.widgets.lanes import DepthLine, SpanBook
from tests.gui.test_timeline import bare_timeline  # noqa: F401 (a fixture)


def tricky_run() -> list[Event]:
    """Lane changes that test each rule: the same state again, idle, an unknown state,
    a lane value that is not a string, and a done that also sets a lane."""
    return [
        Event(0.0, "a", "log", "", {"lane": "holding"}),
        Event(0.1, "a", "log", "", {"lane": "holding"}),    # the same: changes nothing
        Event(0.2, "b", "log", "", {"lane": "waiting", "depth": 2}),
        Event(0.3, "a", "log", "", {"lane": "idle"}),       # ends a's span, opens none
        Event(0.4, "a", "log", "", {"lane": 7}),            # any value names a state
        Event(0.5, "c pid 12", "log", "", {"lane": "working", "depth": True}),  # no depth
        Event(0.6, "b", "log", "", {"lane": "holding"}),
        Event(0.7, "d", "log", "", ["not", "a", "dict"]),
        Event(0.8, "main", "done", "", {"lane": "working"}),  # opens, then done ends all
    ]


def test_the_live_timeline_ends_the_same_spans_as_the_book(bare_timeline):  # noqa: F811
    timeline = bare_timeline
    events = tricky_run()
    book = SpanBook()
    for event in events:
        book.add(event)
    timeline.add(events)
    timeline.flush()
    assert timeline.spans == book.spans == [
        ("a", "holding", 0.0, 0.3), ("b", "waiting", 0.2, 0.6), ("a", "7", 0.4, 0.8),
        ("c pid 12", "working", 0.5, 0.8), ("b", "holding", 0.6, 0.8),
        ("main", "working", 0.8, 0.8)]
    assert not book.open
    assert timeline.depth == [(0.2, 2)]   # True is no depth, though bool is an int
    assert timeline.lanes == ["a", "b", "c pid 12", "d", "main"]


def test_the_picture_draws_errors_and_the_depth_in_the_live_light_colours(bare_timeline):  # noqa: F811
    from gui.colors import hex_colour
    from gui.widgets.exports import timeline_image
    events = [Event(0.1, "worker", "log", "", {"lane": "working", "depth": 1}),
              Event(0.5, "worker", "error", "ValueError: boom"),
              Event(0.9, "main", "done", "failed", {"status": "error"})]
    assert bare_timeline.winfo_toplevel().theme_mode == "light"
    bare_timeline.add(events)
    bare_timeline.flush()
    body, head = bare_timeline.body, bare_timeline.head
    error_tick = hex_colour(body, body.itemcget(body.find_withtag("error")[0], "fill"))
    depth_line = hex_colour(head, head.itemcget(head.find_withtag("depth")[0], "fill"))

    picture = timeline_image(events, width=600).convert("RGB")
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _count, (r, g, b) in picture.getcolors(1 << 20)}
    assert error_tick in colours and depth_line in colours


def test_the_depth_line_follows_the_first_queue_named(bare_timeline):  # noqa: F811
    """Two queues (mp_queue's work and handled): the line is the first one's only,
    in the live timeline and in the saved picture alike."""
    events = [
        Event(0.0, "p", "probe", "", {"depth": 1, "queue": "work"}),
        Event(0.1, "c", "probe", "", {"depth": 5, "queue": "handled"}),
        Event(0.2, "c", "probe", "", {"depth": 0, "queue": "work"}),
        Event(0.3, "x", "log", "", {"depth": 3}),   # unnamed (older engine): a point
        Event(0.4, "main", "done", "", {}),
    ]
    line = DepthLine()
    assert [line.depth(e) for e in events] == [1, None, 0, 3, None]
    bare_timeline.add(events)
    bare_timeline.flush()
    assert bare_timeline.depth == [(0.0, 1), (0.2, 0), (0.3, 3)]
