"""Every module of engine/ and gui/ imports where POSIX's names are missing (Windows).

``tests/engine/imports_as_windows.py`` removes, in a fresh interpreter, what
Windows lacks (fcntl, os.O_DIRECTORY, os.killpg, signal.SIGPIPE, AF_UNIX,
select.poll...) and imports each module. ``python -m engine`` once failed so
on Windows (``128 + signal.SIGPIPE`` at import). On Windows itself the same
check runs with nothing removed, as there is nothing to remove.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bounds import HANG

REPO = Path(__file__).resolve().parents[2]
#: Modules known not to import there, and why they are left as they are.
KNOWN = {
    "engine.scan": "opens folders with os.O_DIRECTORY at import; filescan is moving to "
                   "the lab, after which engine/scan.py goes (another helper's work)",
    "engine.lessons.filescan": "imports engine.scan (see there)",
}


def test_every_module_of_engine_and_gui_imports_as_on_windows():
    done = subprocess.run([sys.executable, "-m", "tests.engine.imports_as_windows"],
                          capture_output=True, text=True, timeout=HANG, cwd=REPO)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["checked"] >= 40, found   # every module was found, not a few
    failed = {name: why for name, why in found["failed"].items() if name not in KNOWN}
    assert not failed, "\n".join(f"{name}: {why}" for name, why in failed.items())
