"""How a run's end is shown: the queue depth back at 0, a killed worker as a failure,
a closed server no longer "listening", and signal buttons that can be read."""

import os
import signal

import pytest
import ttkbootstrap as ttk

from tests.gui.conftest import pump_until

# Three producers for one consumer, each as slow as the other, so the queue
# holds messages (how many at most is up to the scheduler) and, near the end,
# the consumer's sentinel.
SLOW_CONSUMERS = {"producers": 3, "messages": 3, "consumers": 1, "delay": 0.05}
AA = 4.5   # WCAG AA contrast for normal text


def test_queue_depth_ends_at_zero_in_one_connected_line(app):
    tab = app.select("thread_queue")
    tab.form.set_values(SLOW_CONSUMERS)
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done" and not tab.timeline.pending)
    assert tab.last_status == "ok"
    timeline = tab.timeline
    assert max(d for _, d in timeline.depth) >= 1, "the queue never held a message"
    assert timeline.depth[-1][1] == 0, f"the depth ends at {timeline.depth[-1][1]}, not 0"
    # The line on the canvas: its pieces, then the tail to the end of the run,
    # each one starting where the one before ended.
    head = timeline.head
    pieces = [head.coords(item) for item in head.find_withtag("depth")]
    pieces += [head.coords(item) for item in head.find_withtag("depth-tail")]
    for before, after in zip(pieces, pieces[1:], strict=False):   # within half a pixel
        assert after[:2] == pytest.approx(before[-2:], abs=0.5), \
            f"a piece starts at {after[:2]}, not at {before[-2:]}"
    base = timeline.AXIS_H + timeline.DEPTH_H - 6
    assert pieces[-1][-1] == pytest.approx(base, abs=0.5), "the line does not end at depth 0"
    assert round(pieces[-1][-2]) == round(timeline._x(timeline._t_end)), \
        "the line does not reach the end of the run"


def test_a_worker_killed_with_sigkill_is_shown_as_a_failure(app):
    tab = app.select("mp_queue")
    tab.form.set_values({"producers": 2, "consumers": 3, "names": 40, "delay": 5.0})
    tab.run_button.invoke()
    # Its lane appears with its first event: the process, named by multiprocessing.
    pump_until(app, lambda: any(lane.startswith("consumer-2 pid ")
                                for lane in tab.timeline.lanes))
    actor = next(lane for lane in tab.timeline.lanes if lane.startswith("consumer-2 pid "))
    os.kill(int(actor.rsplit(" ", 1)[1]), signal.SIGKILL)
    pump_until(app, lambda: tab.state == "done")
    text = tab.status_label.cget("text")
    assert not text.startswith("Finished"), text
    assert f"{actor} ended without finishing" in text
    assert "danger" in str(tab.status_label.cget("style")).lower()
    assert f"{actor} ended without finishing" in app.status.cget("text")
    assert tab.last_status == "error"   # a lab run with a death is an error


def test_the_server_is_no_longer_listening_once_the_run_has_ended(app):
    tab = app.select("sockets")
    tab.form.set_values({"clients": 2})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.last_status == "ok"
    port = tab.last_result["address"][1]
    text = tab.address_label.cget("text")
    assert "listening)" not in text
    assert text == f"Server address: 127.0.0.1:{port} (closed: it listened until the run ended)"


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def button_contrast(button) -> float:
    """The contrast of an enabled button's text on its face, from its real style."""
    style = ttk.Style.get_instance()
    name = button.cget("style")
    return contrast(style.lookup(name, "foreground"), style.lookup(name, "background"))


def test_signal_buttons_can_be_read_in_both_themes(app):
    tab = app.select("signals")
    for theme in ("light", "dark"):
        if app.theme_mode != theme:
            app.toggle_dark()
            app.update()
        for name, button in tab.signal_buttons.items():
            ratio = button_contrast(button)
            assert ratio >= AA, f"{name} in the {theme} theme: {ratio:.1f}:1"
