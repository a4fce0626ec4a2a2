"""The real window on a virtual screen, driven through its real widgets."""

import subprocess
import sys
import time

import psutil

from tests.gui.conftest import pump_until


def test_window_has_a_tab_per_lesson(app):
    from engine import catalog
    assert app.title() == "PySysLab"
    names = [app.notebook.tab(t, "text") for t in app.notebook.tabs()]
    assert names == [lesson.title for lesson in catalog.lessons()]


def test_run_fills_the_log_with_every_threads_lines(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 5, "lines": 5})
    assert str(tab.stop_button["state"]) == "disabled"
    tab.run_button.invoke()
    assert str(tab.run_button["state"]) == "disabled"
    pump_until(app, lambda: tab.state == "done")
    log = tab.logview.content()
    for i in range(5):
        for n in range(5):
            assert f"[{i}] => {n}" in log
    assert tab.last_status == "ok"
    assert tab.last_result["lost_updates"] == 0
    assert str(tab.run_button["state"]) == "normal"


def test_bad_value_is_refused_next_to_the_field(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": "-1"})
    tab.run_button.invoke()
    app.update()
    assert tab.state == "ready" and tab.run is None
    assert "between 1 and 50" in tab.form.messages["threads"].cget("text")
    tab.form.set_values({"threads": "3"})
    tab.run_button.invoke()
    pump_until(app, lambda: tab.state == "done")
    assert tab.form.messages["threads"].cget("text") == ""


def test_stop_mid_run(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 10, "lines": 200, "delay": 0.5})
    tab.run_button.invoke()
    pump_until(app, lambda: len(tab.logview.events) > 1)
    tab.stop_button.invoke()
    pump_until(app, lambda: tab.state == "done", timeout=5)
    assert tab.last_status == "stopped"


def test_close_mid_run_stops_the_run(app):
    tab = app.select("mutex")
    tab.form.set_values({"threads": 10, "lines": 200, "delay": 0.5})
    tab.run_button.invoke()
    pump_until(app, lambda: len(tab.logview.events) > 1)
    run = tab.run
    app.close()
    assert run.join(0), "closing the window must end the run"


def test_app_process_closed_mid_run_exits_clean(tmp_path):
    """python -m gui as a person starts it; SIGTERM mid-run; nothing remains."""
    proc = subprocess.Popen([sys.executable, "-m", "gui"])
    try:
        ps = psutil.Process(proc.pid)
        time.sleep(2.5)
        assert proc.poll() is None, "the app exited on its own"
        proc.terminate()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not ps.is_running()
