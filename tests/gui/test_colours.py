"""Actor colours through the real window: the same in every view, for any actor
name, across reruns, and readable (WCAG AA, 4.5:1) in the light and the dark
theme. Every colour is read back from the live widgets (tag and item options,
ttk style options), resolved by Tk with winfo_rgb."""

import pytest
import ttkbootstrap as ttk

from engine.events import Event
from tests.gui.conftest import pump_until

AA = 4.5
ODD_NAMES = ["consumer-5 pid 1234", "catcher pid 77", "worker {1}", 'say "hi"',
             "a && b", "(pid 9)", "x\\y"]


# -- reading colours back from the widgets --------------------------------------
def hex_colour(widget, colour):
    """Any Tk colour as #rrggbb, resolved by Tk."""
    red, green, blue = (value // 257 for value in widget.winfo_rgb(colour))
    return f"#{red:02x}{green:02x}{blue:02x}"


def channels(colour):
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


def contrast_ratio(one, other):
    """The WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in (v / 255 for v in channels(colour))]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def is_tint_of(tint, colour, paper):
    """True if ``tint`` is ``paper`` with some of ``colour`` mixed in (one amount for
    all three channels, to within rounding)."""
    amounts = [(t - p) / (c - p) for t, c, p in zip(channels(tint), channels(colour),
                                                     channels(paper), strict=True)
               if abs(c - p) > 40]
    return bool(amounts) and 0.05 < min(amounts) and max(amounts) - min(amounts) < 0.03


def highlight_of(tab, actor):
    """The background of ``actor``'s acting line in the code, as configured on the widget."""
    text = tab.source.text.text
    return hex_colour(text, text.tag_cget(tab.source._acting[actor], "background"))


def code_paper(tab):
    text = tab.source.text.text
    return hex_colour(text, text.cget("background"))
def drawn(text, index, option="foreground"):
    """The colour Tk draws ``option`` in at ``index``: the highest tag that sets it,
    else the widget's own."""
    for tag in reversed(text.tag_names(index)):   # lowest priority first
        if tag != "sel":
            colour = str(text.tag_cget(tag, option))
            if colour:
                return hex_colour(text, colour)
    return hex_colour(text, text.cget(option))


def log_colour(tab, actor):
    """The colour of ``actor``'s first line in the log."""
    line = next(i for i, event in enumerate(tab.logview.rows, 1)
                if event is not None and event.actor == actor)
    return drawn(tab.logview.text.text, f"{line}.0")


def timeline_colours(tab, actor):
    """The colours of ``actor``'s lane name and of every tick in its lane."""
    timeline = tab.timeline
    body = timeline.body
    names = [item for item in body.find_withtag("name")
             if body.itemcget(item, "text") == actor]
    assert len(names) == 1, f"{actor!r} has {len(names)} lane names"
    y0 = timeline.lanes.index(actor) * timeline.LANE_H
    ticks = [item for item in body.find_enclosed(-1, y0 - 1, 1e6, y0 + timeline.LANE_H + 1)
             if "tick" in body.gettags(item) and "error" not in body.gettags(item)]
    assert ticks, f"no tick in {actor!r}'s lane"
    return {hex_colour(body, body.itemcget(item, "fill")) for item in names + ticks}


def feed(app, tab, events):
    """Hand events to the tab as the pump does, then let Tk draw them."""
    tab.on_events(events)
    tab.timeline.flush()
    app.update()


def events_of(actors, t0=0.0, line=None):
    return [Event(t=t0 + 0.01 * i, actor=actor, kind="log", text=f"hello from {actor}",
                  line=line, seq=i + 1) for i, actor in enumerate(actors)]


# -- the same colour everywhere ----------------------------------------------------
def test_an_actor_named_with_spaces_has_its_timeline_colour_in_the_log(app):
    tab = app.select("mutex")
    feed(app, tab, events_of(["main", *ODD_NAMES]))
    for actor in ["main", *ODD_NAMES]:
        colours = timeline_colours(tab, actor)
        assert len(colours) == 1, (actor, colours)
        assert log_colour(tab, actor) == colours.pop(), actor


def test_every_actor_of_a_real_run_has_one_colour_in_log_timeline_and_code(app):
    tab = app.select("thread_queue")
    tab.form.set_values({"producers": 2, "messages": 2, "consumers": 2, "delay": 0.02})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done" and not tab.timeline.pending)
    actors = tab.timeline.lanes
    assert {"MainThread", "consumer-0", "producer-1"} <= set(actors), actors
    for actor in actors:
        colour = log_colour(tab, actor)
        assert timeline_colours(tab, actor) == {colour}, actor
        if actor in tab.source.acting_lines:
            assert is_tint_of(highlight_of(tab, actor), colour, code_paper(tab)), actor


def test_after_a_rerun_the_code_highlight_has_the_log_colour(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 3, "lines": 2, "delay": 0.0})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    first = {actor: log_colour(tab, actor) for actor in tab.timeline.lanes}

    # The rerun: three newcomers speak before the threads, so that every
    # thread's colour differs from the first run's (made to happen, not hoped).
    # The marks are looked at while the threads run: once the lab has reported
    # lines, a run's end takes every mark away (a finished thread is on no line).
    tab.form.set_values({"threads": 3, "lines": 200, "delay": 0.5})
    tab.run_button.invoke()
    feed(app, tab, events_of(["early-0", "early-1", "early-2"]))

    def marked_threads():
        return [actor for actor in tab.source.acting_lines if actor.startswith("thread-")]

    pump_until(app, lambda: len(marked_threads()) == 3 or tab.state == "done")
    threads = marked_threads()
    assert len(threads) == 3, (tab.state, tab.source.acting_lines)
    for actor in threads:
        colour = log_colour(tab, actor)
        assert colour != first[actor], "the rerun did not hand out new colours"
        assert timeline_colours(tab, actor) == {colour}
        assert is_tint_of(highlight_of(tab, actor), colour, code_paper(tab)), (
            f"{actor}: the code highlight {highlight_of(tab, actor)} is not a tint of "
            f"its log colour {colour}")
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done")


def test_the_sequence_diagram_draws_each_party_in_its_log_colour(app):
    tab = app.select("sockets")
    tab.form.set_values({"clients": 2, "size": 200})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    odd = "client (pid 9) && co"
    tab.diagram.add([Event(t=9.0, actor=odd, kind="log", text="connect",
                           data={"seq": "connect", "from": odd, "to": "server"})])
    app.update()
    header = tab.diagram.header
    drawn_names = {header.itemcget(item, "text"): hex_colour(header, header.itemcget(item, "fill"))
                   for item in header.find_withtag("lane-name")}
    assert set(drawn_names) >= {"server", "client-1", "client-2", odd}
    for party in ("client-1", "client-2"):
        assert drawn_names[party] == log_colour(tab, party), party
    assert drawn_names[odd] == hex_colour(header, tab.colors(odd))
    body = tab.diagram.body
    lane_lines = [item for item in body.find_withtag("lane")]
    assert len(lane_lines) == len(drawn_names)
    bottom = max(body.coords(item)[3] for item in lane_lines)
    assert all(body.coords(item)[3] == bottom for item in lane_lines), "a lane stopped short"


def test_a_theme_switch_recolours_every_view_with_the_same_colour(app):
    tab = app.select("mutex")
    feed(app, tab, events_of(["main", "thread-0", "thread 1 pid 5"], line=1))
    light = {actor: log_colour(tab, actor) for actor in ("thread-0", "thread 1 pid 5")}
    app.toggle_dark()
    app.update()
    for actor, before in light.items():
        colour = log_colour(tab, actor)
        assert colour != before, f"{actor} kept its light-theme colour"
        assert timeline_colours(tab, actor) == {colour}
        assert is_tint_of(highlight_of(tab, actor), colour, code_paper(tab)), actor


# -- contrast, from the live widgets, in both themes -----------------------------
def text_pairs(text, what):
    """(what, foreground, background) for every colour a Text widget can draw text in."""
    inks = {"text": hex_colour(text, text.cget("foreground"))}
    papers = {"background": hex_colour(text, text.cget("background"))}
    for tag in text.tag_names():
        if tag == "sel":
            continue
        fg, bg = str(text.tag_cget(tag, "foreground")), str(text.tag_cget(tag, "background"))
        if fg:
            inks[tag] = hex_colour(text, fg)
        if bg:
            papers[tag] = hex_colour(text, bg)
    # Any ink may land on any paper (a keyword on an acting line, inline code in bold).
    return [(f"{what}: {i} on {p}", inks[i], papers[p]) for i in inks for p in papers]


def button_pairs(app):
    """(what, foreground, background) of every button, in each state a person reads."""
    style = ttk.Style.get_instance()
    pairs = []
    for widget in descendants(app):
        cls = widget.winfo_class()
        if cls not in ("TButton", "TCheckbutton", "TRadiobutton", "Toolbutton"):
            continue
        name = str(widget.cget("style")) or cls
        states = [[], ["hover"], ["pressed"], ["selected"]]
        for state in states:
            fg = style.lookup(name, "foreground", state) or style.lookup(".", "foreground")
            bg = style.lookup(name, "background", state) or style.lookup(".", "background")
            pairs.append((f"{name} {widget.cget('text')!r} {state}",
                          hex_colour(widget, fg), hex_colour(widget, bg)))
    return pairs


def status_label_pairs(app, tab):
    """The status line under Run in every style it is given."""
    pairs = []
    for style in ("info", "warning", "success", "danger", "secondary", ""):
        tab.status_label.configure(bootstyle=style or "default")
        name = str(tab.status_label.cget("style"))
        fg = ttk.Style.get_instance().lookup(name, "foreground")
        bg = ttk.Style.get_instance().lookup(name, "background")
        pairs.append((f"status {style or 'default'}", hex_colour(app, fg), hex_colour(app, bg)))
    return pairs


def canvas_name_pairs(tab):
    """Lane names against the timeline's paper and its stripes."""
    body = tab.timeline.body
    paper = hex_colour(body, body.cget("background"))
    stripes = {hex_colour(body, body.itemcget(item, "fill"))
               for item in body.find_withtag("stripe")}
    pairs = []
    for item in body.find_withtag("name"):
        ink = hex_colour(body, body.itemcget(item, "fill"))
        for back in {paper, *stripes}:
            pairs.append((f"lane {body.itemcget(item, 'text')!r}", ink, back))
    return pairs


def descendants(widget):
    stack = [widget]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.winfo_children())


def all_palette_actors():
    """main and one actor for every colour of the palette."""
    return ["main", *[f"thread-{i}" for i in range(10)]]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_reaches_wcag_aa_contrast(app, dark):
    if dark:
        app.toggle_dark()
    for lesson in app.tabs:     # build every tab: every button is checked
        app.select(lesson)
    tab = app.select("mutex")
    events = events_of(all_palette_actors(), line=1)
    events += [Event(t=1.0, actor=actor, kind="log", text="at work", line=10 + i)
               for i, actor in enumerate(all_palette_actors())]
    events.append(Event(t=2.0, actor="thread-0", kind="error", text="boom",
                        data={"traceback": "Traceback: boom\n"}))
    events += [Event(t=2.1, actor="thread-0", kind="terminal", text=text,
                     data={"stream": stream})
               for text, stream in (("out\n", "stdout"), ("err\n", "stderr"))]
    feed(app, tab, events)
    tab.logview.add(events * 300)    # a flood: the "more events" note is drawn too
    app.update()
    assert len(tab.source.acting_lines) == 11
    assert "stderr" in tab.terminal.text.text.tag_names("2.0")
    pairs = (text_pairs(tab.logview.text.text, "log")
             + text_pairs(tab.terminal.text.text, "terminal")
             + text_pairs(tab.source.text.text, "code")
             + text_pairs(tab.explanation.text.text, "explanation")
             + button_pairs(app) + status_label_pairs(app, tab) + canvas_name_pairs(tab))
    low = sorted({(round(contrast_ratio(fg, bg), 2), what, fg, bg) for what, fg, bg in pairs
                  if contrast_ratio(fg, bg) < AA})
    assert not low, "below 4.5:1 in the {} theme:\n{}".format(
        "dark" if dark else "light", "\n".join(map(str, low)))
    assert len(pairs) > 300, "too few colours were checked"
