"""SIGTERM or SIGINT to the running app ends every worker and the app: no orphans.

The app runs as a person starts it (``python -m gui``) on the test's virtual
screen. F5 starts a lesson with child processes (the mutex lesson if no such
lesson exists yet); then the signal comes from outside, as from ``kill`` or
Ctrl+C in the terminal. The whole process family is watched with psutil.
"""

import os
import signal
import sys

import pytest

from tests.desktop import RunningApp, is_lesson_child, lesson_with_children


@pytest.mark.gui
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_run_ends_every_worker(signum, tmp_path):
    lesson = lesson_with_children()
    app = RunningApp([sys.executable, "-m", "gui", "--lesson", lesson],
                     os.environ["DISPLAY"], tmp_path / "app.log")
    app.start()
    try:
        app.wait_window()
        app.run_current_lesson(want_children=lesson != "mutex")
        workers = [p for p in app.family.descendants_now() if is_lesson_child(p)]
        if lesson != "mutex":
            assert workers, "the lesson's child processes should be running"

        app.proc.send_signal(signum)

        # 0, not -signum: the app handled the signal and closed itself properly.
        assert app.wait_exit(timeout=15) == 0, app.log()
        assert app.left_over() == [], f"left running after {signum.name}\n{app.log()}"
    finally:
        app.kill()
