"""The timeline on a virtual screen: real runs through real tabs, and a flood of events."""

import pytest

from engine.events import Event
from gui.widgets.exports import timeline_image
from tests.gui.conftest import pump_until


def run_to_the_end(app, tab, **values):
    tab.form.set_values(values)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done" and not tab.timeline.pending)
    assert tab.last_status == "ok"


def shown_text(label) -> str:
    """A label's text as read: its no-break spaces (they keep "lost updates: 3"
    on one line) as plain ones."""
    return label.cget("text").replace("\u00a0", " ")


def actors_in_order(events):
    seen = []
    for event in events:
        if event.actor not in seen:
            seen.append(event.actor)
    return seen


def tick_position(timeline, event):
    """Where the tick of ``event`` is, in the body canvas's window coordinates."""
    row = timeline.lanes.index(event.actor)
    x = timeline._x(event.t) - timeline.body.canvasx(0)
    y = row * timeline.LANE_H + timeline.LANE_H / 2 - timeline.body.canvasy(0)
    return int(round(x)), int(y)


def test_thread_queue_timeline_has_a_lane_per_actor_and_the_queue_depth(app):
    tab = app.select("thread_queue")
    run_to_the_end(app, tab, producers=3, messages=3, consumers=2, delay=0.05)
    timeline = tab.timeline
    events = tab.logview.events
    assert timeline.lanes == actors_in_order(events)
    assert set(timeline.lanes) >= {"MainThread", "producer-0", "producer-1", "producer-2",
                                   "consumer-0", "consumer-1"}
    assert timeline.event_count == len(events)
    for actor in timeline.lanes:   # every event is in its actor's lane
        assert timeline.lane_events(actor) == [e for e in events if e.actor == actor]
    assert timeline.depth, "no queue depth was drawn"
    probed = [e.data["depth"] for e in events if isinstance(e.data, dict) and "depth" in e.data]
    assert max(d for _, d in timeline.depth) == max(probed)   # the deepest the queue got
    assert timeline.head.find_withtag("depth")
    # Every consumer ended its last span when it took its sentinel.
    assert not timeline._open
    # The result line under the buttons shows the counts.
    assert "produced=9, consumed=9" in tab.result_label.cget("text")
    assert "never consumed: 0" in shown_text(tab.problems_label)


def test_mp_queue_timeline_has_one_lane_per_process_and_the_queue_depth(app):
    """Each process is one lane, "<Process name> pid N", from its first event (the
    lab names it once multiprocessing has: no "child pid N" lane besides it)."""
    tab = app.select("mp_queue")
    app.set_speed(10)
    run_to_the_end(app, tab, producers=2, consumers=2, names=3, delay=0.2)
    pids = tab.last_result["pids"]
    names = ["consumer-0", "consumer-1", "producer-0", "producer-1"]
    processes = {f"{name} pid {pid}" for name, pid in zip(names, pids, strict=True)}
    lanes = tab.timeline.lanes
    assert lanes == actors_in_order(tab.logview.events)
    assert processes <= set(lanes), lanes
    assert not [lane for lane in lanes if lane.startswith("child pid ")], lanes
    assert not [lane for lane in lanes if " pid " in lane and lane not in processes], lanes
    # The depth line is the work queue's, not a mix with the handled queue's.
    work = [(e.t, e.data["depth"]) for e in tab.logview.events
            if isinstance(e.data, dict) and e.data.get("queue") == "work"
            and isinstance(e.data.get("depth"), int)]
    assert work and sorted(tab.timeline.depth) == sorted(work)
    assert any(isinstance(e.data, dict) and e.data.get("queue") == "handled"
               for e in tab.logview.events)


def test_mutex_hold_spans_never_overlap_and_a_second_run_starts_afresh(app):
    tab = app.select("mutex")
    run_to_the_end(app, tab, threads=4, lines=20, delay=0.0)
    run_to_the_end(app, tab, threads=5, lines=6, delay=0.01)
    timeline = tab.timeline
    assert timeline.lanes == actors_in_order(tab.logview.events)
    # "lab" starts and ends the run (the engine), MainThread is the program's.
    assert sorted(timeline.lanes) == ["MainThread", "lab"] + [f"thread-{i}" for i in range(5)]
    assert timeline.event_count == len(tab.logview.events)
    holds = sorted((t0, t1, actor) for actor, state, t0, t1 in timeline.spans
                   if state == "holding")
    assert len(holds) == 30
    for (_s1, e1, a1), (s2, _e2, a2) in zip(holds, holds[1:], strict=False):
        assert e1 <= s2, f"{a1} held the lock until {e1}, but {a2} had it from {s2}"
    # A probe says "waiting" only when the lock was taken at the call. The threads
    # start together (a barrier) and hold the lock across two sleeps: some wait.
    waits = [s for s in timeline.spans if s[1] == "waiting"]
    assert 1 <= len(waits) <= 30
    assert timeline.body.find_withtag("span")
    assert "garbled lines: 0   lost updates: 0" == shown_text(tab.problems_label)


def test_mutex_without_the_lock_shows_its_counts_in_red(app):
    tab = app.select("mutex")
    run_to_the_end(app, tab, threads=4, lines=3, lock=False)
    text = shown_text(tab.problems_label)
    assert text.startswith("garbled lines: ") and "lost updates: " in text
    assert tab.last_result["garbled_lines"] > 0 and tab.last_result["lost_updates"] > 0
    assert f"garbled lines: {tab.last_result['garbled_lines']}" in text
    assert "danger" in str(tab.problems_label.cget("style")).lower()


def test_hovering_a_tick_shows_its_event_and_clicking_selects_it(app):
    tab = app.select("mutex")
    run_to_the_end(app, tab, threads=2, lines=2, delay=0.2)
    timeline = tab.timeline
    app.update()
    event = next(e for e in timeline.lane_events("thread-1") if e.text.startswith("[1] =>"))
    x, y = tick_position(timeline, event)
    hit = timeline.event_at(timeline.body, timeline.body.canvasx(x), timeline.body.canvasy(y))
    assert hit is not None and hit.actor == "thread-1"
    timeline.body.event_generate("<Motion>", x=x, y=y, warp=True)
    pump_until(app, lambda: timeline.hover_text is not None)
    assert hit.text in timeline.hover_text
    assert timeline.body.find_withtag("hover")
    timeline.body.event_generate("<Button-1>", x=x, y=y)
    app.update()
    assert hit.text in app.status.cget("text")
    timeline.body.event_generate("<Leave>")
    app.update()
    assert timeline.hover_text is None


@pytest.fixture
def bare_timeline(app):
    from gui.widgets.timeline import Timeline
    app.notebook.pack_forget()
    timeline = Timeline(app)
    timeline.pack(fill="both", expand=True)
    app.update()
    yield timeline
    timeline.destroy()


def flood(n, actors=12, seconds=10.0):
    """``n`` events of ``actors`` threads taking a lock and filling a queue."""
    states = ("waiting", "holding", "idle")
    for i in range(n):
        actor = f"worker-{i % actors}"
        data = {"lane": states[(i // actors) % 3], "depth": (i // 7) % 40}
        yield Event(t=seconds * i / n, actor=actor, kind="log", text=f"message {i}",
                    data=data, seq=i + 1)


def test_ten_thousand_events_in_ticks_keep_the_canvas_small(bare_timeline, app):
    events = list(flood(10_000, actors=3))
    for start in range(0, len(events), 50):      # as the pump hands them over
        bare_timeline.add(events[start:start + 50])
        app.update_idletasks()
    bare_timeline.flush()
    assert bare_timeline.lanes == ["worker-0", "worker-1", "worker-2"]
    assert bare_timeline.event_count == 10_000
    assert len(bare_timeline.depth) == 10_000
    # Bounded by lanes x pixels, not by events: ticks and spans merge per pixel.
    # (Each doubling of the time axis can at most double what is drawn.)
    bound = 3 * 2 * bare_timeline.body.winfo_width()
    ticks = len(bare_timeline.body.find_withtag("tick"))
    spans = len(bare_timeline.body.find_withtag("span"))
    assert ticks < bound < 10_000, f"{ticks} ticks for 10,000 events"
    assert spans < 2 * bound, f"{spans} span items for 10,000 events"
    state, ended = {}, 0                         # yet every span is remembered
    for e in events:
        if state.get(e.actor, "idle") not in ("idle", e.data["lane"]):
            ended += 1
        state[e.actor] = e.data["lane"]
    assert len(bare_timeline.spans) == ended == 6_666
    # Every event is still there for hovering.
    event = events[5_003]
    found = bare_timeline.lane_events(event.actor)
    assert event in found
    assert len(found) == sum(1 for e in events if e.actor == event.actor)
    image = timeline_image(events, width=800)   # the saved picture of the same run
    assert image.size[0] == 800 and image.size[1] > 3 * bare_timeline.LANE_H


def test_a_flood_in_one_batch_is_drawn_over_later_turns_of_the_event_loop(bare_timeline, app):
    events = list(flood(10_000, actors=5))
    bare_timeline.add(events)
    # Every lane is there at once, even if drawing has to wait.
    assert bare_timeline.lanes == [f"worker-{i}" for i in range(5)]
    assert bare_timeline.event_count == 10_000
    pump_until(app, lambda: bare_timeline.pending == 0, timeout=30)
    assert sum(len(bare_timeline.lane_events(a)) for a in bare_timeline.lanes) == 10_000
    assert len(bare_timeline.depth) == 10_000
    assert bare_timeline.body.find_withtag("tick")
    bare_timeline.clear()
    assert bare_timeline.lanes == [] and bare_timeline.pending == 0
    assert not bare_timeline.body.find_withtag("tick")
