"""Several instances saving the settings at once: the file is always the whole of one.

This happens at logout, or when a learner has opened the app twice: both
windows close at the same moment and both save. (Issue 13, point 2: both
wrote the same temporary name, and 2 to 4 rounds in 10 left a file that the
next start set aside, losing every setting.)

* ``Settings.save()`` raced directly: a few processes, each with its own
  Settings object, are told to save at the same moment, round after round.
  After each round the file parses and equals what one of them saved, whole,
  and every save said it succeeded.
* Two real windows (``python -m gui`` on the test's virtual screen), closed
  at the same moment with the message a window manager's close button sends
  (both held with SIGSTOP while the messages go out, then let go together).
  Each loaded its own settings (the file was rewritten between the two
  starts), so each one's save is known in advance, down to the geometry.
  Whether two saves overlap is up to the scheduler: with the old code, about
  one round in ten lost a save or the file, so this test caught it in about
  two runs of three; the direct race above catches it every time.

What is saved is padded to a few hundred KB, so that a write takes long enough
for the saves to overlap, as a slower disk would make them, and each writer's
file has its own length.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
from pathlib import Path

import pytest

from gui.settings import DEFAULTS, Settings
from tests.desktop import RunningApp, wait_for, xdotool
from tests.reliability.wmclose import close_windows

WRITERS = 4
ROUNDS = 250            # x WRITERS saves at once
WINDOW_ROUNDS = 12
ANSWER_WITHIN = 60.0    # seconds for a writer to answer: a hang, not a slow machine


def padding(who: str, fields: int) -> dict:
    """~1 KB a field of form values for a lesson no version has: kept as they are, and saved.

    The writers' files differ in length: one written over a longer one would
    leave the longer one's tail behind.
    """
    return {f"field{i:03d}": who * (1000 // len(who)) for i in range(fields)}


def writer_values(writer: int, round_number: int) -> dict:
    values = json.loads(json.dumps(DEFAULTS))
    values["last_folder"] = f"/writer-{writer}/round-{round_number}"
    values["speed"] = 0.5 + writer
    values["params"] = {"zz_padding": padding(f"w{writer}r{round_number}-", 100 + 40 * writer)}
    return values


def save_when_told(path: str, writer: int, conn) -> None:
    """A writer process: ("ready", n) builds round n's values; "go" saves them."""
    settings = Settings(Path(path))
    while True:
        order = conn.recv()
        if order is None:
            return
        if order == "go":
            conn.send(settings.save())
        else:
            settings.values = writer_values(writer, order[1])
            conn.send("ready")


def answer(conn, what: str):
    if not conn.poll(ANSWER_WITHIN):
        raise AssertionError(f"a writer did not answer {what} within {ANSWER_WITHIN:.0f} s")
    return conn.recv()


def test_settings_saved_by_several_processes_at_once_is_always_one_whole_file(tmp_path):
    path = tmp_path / "settings.json"
    spawn = multiprocessing.get_context("spawn")   # a bare process, as a second app is
    pipes = [spawn.Pipe() for _ in range(WRITERS)]
    writers = [spawn.Process(target=save_when_told, args=(str(path), n, child), daemon=True)
               for n, (_, child) in enumerate(pipes)]
    for process in writers:
        process.start()
    for _, child in pipes:
        child.close()
    conns = [parent for parent, _ in pipes]
    wins = [0] * WRITERS
    failed_saves, unparsable, mixed = 0, [], []
    try:
        for round_number in range(ROUNDS):
            for conn in conns:
                conn.send(("ready", round_number))
            for conn in conns:
                assert answer(conn, "ready") == "ready"
            for conn in conns:        # as close together as the parent can send
                conn.send("go")
            failed_saves += [answer(conn, "go") for conn in conns].count(False)
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:        # (not valid UTF-8 is a ValueError too)
                unparsable.append(round_number)
                continue
            whole = [data == writer_values(n, round_number) for n in range(WRITERS)]
            if any(whole):
                wins[whole.index(True)] += 1
            else:
                mixed.append(round_number)
    finally:
        for conn in conns:
            conn.send(None)
        for process in writers:
            process.join(ANSWER_WITHIN)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        for conn in conns:
            conn.close()
    print(f"{ROUNDS} rounds of {WRITERS} saves at once: {failed_saves} saves failed, "
          f"{len(unparsable)} files did not parse, {len(mixed)} were no writer's whole save; "
          f"the file was each writer's this many times: {wins}")
    assert (failed_saves, unparsable, mixed) == (0, [], []), \
        (f"{failed_saves} of {ROUNDS * WRITERS} saves failed; the file did not parse after "
         f"rounds {unparsable[:10]} ({len(unparsable)} in all) and was no writer's whole "
         f"save after rounds {mixed[:10]} ({len(mixed)} in all)")
    assert sorted(os.listdir(tmp_path)) == ["settings.json"], "temporary files were left"


# -- two real windows ------------------------------------------------------------------
def window_settings(who: str) -> dict:
    """What a window loads, and so what it saves, untouched: all of it shows on screen."""
    first = who == "a"
    return {
        "theme": "light" if first else "dark",
        "zoom": 1.0 if first else 1.25,
        "geometry": "1000x700+10+20" if first else "1000x700+40+60",
        "last_tab": "mutex" if first else "pipes",
        "last_folder": f"/home/learner/{who}",
        "speed": 0.5 if first else 2.0,
        "params": {"mutex": {"threads": "3" if first else "9"},
                   "zz_padding": padding(f"{who}-", 600 if first else 590)},
    }


def windows_now(display: str) -> set[str]:
    try:
        return set(xdotool("search", "--onlyvisible", "--name", "^PySysLab$",
                           display=display).split())
    except RuntimeError:   # xdotool exits 1 when it finds none
        return set()


def start_window(who: str, config: Path, display: str, tmp_path: Path,
                 seen: set[str]) -> tuple[RunningApp, str]:
    """Start ``python -m gui`` with its own settings; return it once ready, with its window."""
    (config / "settings.json").write_text(json.dumps(window_settings(who)))
    ready = tmp_path / f"ready-{config.name}-{who}"
    env = dict(os.environ, PYSYSLAB_CONFIG_DIR=str(config), PYSYSLAB_READY_FILE=str(ready))
    app = RunningApp([sys.executable, "-m", "gui"], display,
                     tmp_path / f"app-{config.name}-{who}.log", env=env).start()
    # Ready (gui/firstdraw.py): it has read the file and built its visible tab.
    is_ready = lambda: ready.exists() and len(ready.read_text().split()) == 2  # noqa: E731
    if not wait_for(lambda: is_ready() or app.proc.poll() is not None, 60) or not is_ready():
        app.kill()
        raise AssertionError(f"window {who} was not ready within 60 s\n{app.log()}")
    assert wait_for(lambda: windows_now(display) - seen, 30), f"no window {who} on screen"
    (window,) = windows_now(display) - seen
    return app, window


@pytest.mark.gui
@pytest.mark.timeout(60 * WINDOW_ROUNDS)
def test_two_windows_closed_at_once_leave_the_whole_settings_of_one(tmp_path):
    display = os.environ["DISPLAY"]
    expected = {who: window_settings(who) for who in "ab"}
    outcomes = []     # per round: whose whole file stayed, or what was wrong
    for round_number in range(WINDOW_ROUNDS):
        config = tmp_path / f"round{round_number}"
        config.mkdir()
        apps = []
        try:
            seen = windows_now(display)
            for who in "ab":
                app, window = start_window(who, config, display, tmp_path, seen)
                apps.append(app)
                seen.add(window)
                app.window = window
            # Both are held while the close messages go out, then let go together:
            # they read their message at the same moment, as at logout.
            for app in apps:
                app.proc.send_signal(signal.SIGSTOP)
            close_windows([app.window for app in apps], display)
            for app in apps:
                app.proc.send_signal(signal.SIGCONT)
            for app in apps:
                assert app.wait_exit(timeout=30) == 0, app.log()
                assert "Traceback" not in app.log(), app.log()
            saves_failed = sum("could not save" in app.log() for app in apps)
        finally:
            for app in apps:
                app.kill()
        outcomes.append(whose_file(config / "settings.json", expected) +
                        (f" ({saves_failed} save(s) failed)" if saves_failed else ""))
        assert sorted(os.listdir(config)) == ["settings.json"], "temporary files were left"
    print(f"{WINDOW_ROUNDS} rounds of two windows closed at once; whose file stayed: "
          f"{outcomes}")
    assert all(outcome in ("a", "b") for outcome in outcomes), outcomes


def whose_file(path: Path, expected: dict) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return "a file that does not parse"
    except OSError as exc:
        return f"no file ({exc.strerror})"
    for who, values in expected.items():
        if data == values:
            return who
    return "neither window's whole save"
