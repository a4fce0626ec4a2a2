"""``python -m gui --self-test`` with no display: passes here, fails on a broken copy."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def self_test(cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-m", "gui", "--self-test"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_self_test_passes_without_a_display():
    done = self_test(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for check in ("imports", "assets", "sources", "spawn", "lessons"):
        assert any(line.startswith(f"ok   {check}") for line in lines), done.stdout
    assert lines[-1] == "self-test: 5 of 5 checks passed"
    imports = next(line for line in lines if line.startswith("ok   imports"))
    assert "(with extras: filescan, deadlock, pipes, signals, sockets)" in imports


def test_self_test_fails_when_an_icon_is_missing(tmp_path):
    """A copy of the app, with one icon file gone."""
    for part in ("gui", "engine", "assets"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "assets" / "pysyslab-48.png").unlink()

    done = self_test(tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    missing = str(tmp_path / "assets" / "pysyslab-48.png")  # the copy ran, not this tree
    assert any(line.startswith("FAIL assets") and missing in line
               for line in done.stdout.splitlines()), done.stdout
    assert "ok   lessons" in done.stdout  # the other checks still ran
    assert done.stdout.splitlines()[-1] == "self-test: 4 of 5 checks passed; failed: assets"
