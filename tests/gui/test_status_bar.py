"""The status bar speaks for the visible tab: its own state, never another tab's."""

from tests.gui.conftest import pump_until

FAST_QUEUE = {"producers": 4, "messages": 4, "consumers": 2, "delay": 0.05}


def test_the_status_bar_shows_the_visible_tabs_own_state(app):
    app.select("sockets")
    ready = app.status.cget("text")
    assert ready.startswith("Sockets: Ready")
    scan = app.select("filescan")
    scan.form.set_values({"root": "/no/such/folder"})
    scan.run_button.invoke()
    app.update()
    assert app.status.cget("text").startswith("Find source files: Some values need fixing")
    app.select("sockets")
    app.update()
    assert app.status.cget("text") == ready
    app.select("filescan")
    app.update()
    assert app.status.cget("text").startswith("Find source files: Some values need fixing")


def test_a_run_ending_in_a_hidden_tab_leaves_the_status_bar_alone(app):
    queue_tab = app.select("thread_queue")
    app.select("mutex")
    mutex_status = app.status.cget("text")
    assert mutex_status.startswith("Threads and a lock: Ready")
    app.select("thread_queue")
    queue_tab.form.set_values(FAST_QUEUE)
    queue_tab.run_button.invoke()
    assert app.status.cget("text").startswith("Producer/consumer with threads: Running")
    app.select("mutex")   # before the pump has seen the run end: it is still running
    assert queue_tab.state == "running"
    app.update()
    assert app.status.cget("text") == mutex_status
    pump_until(app, lambda: queue_tab.state == "done")
    assert app.status.cget("text") == mutex_status, "a hidden tab's run wrote the status bar"
    app.select("thread_queue")
    app.update()
    assert app.status.cget("text").startswith("Producer/consumer with threads: Finished")
