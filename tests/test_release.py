"""The release workflow (.github/workflows/release.yml), checked here because it runs
only on GitHub, on a tag or by hand: a mistake in it would otherwise show first
on the day of a release.

- actionlint finds what GitHub would reject (keys, expressions, action inputs,
  runner labels). ``make lint`` runs it too; CI runs ``make test``, so it is here.
- what actionlint cannot know: that every ``python scripts/release.py ...`` line
  of the workflow is a command that script accepts.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
RELEASE_SCRIPT = ROOT / "scripts" / "release.py"


def actionlint() -> str:
    """The actionlint of this venv (the dev extra installs it), else one on PATH."""
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.is_file() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: pip install -e '.[dev]' brings it")
    return found


def release_parser():
    spec = importlib.util.spec_from_file_location("release_script", RELEASE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_parser()


def test_the_release_workflow_passes_actionlint():
    done = subprocess.run([actionlint(), str(WORKFLOW)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"actionlint found problems:\n{done.stdout}{done.stderr}"


def test_the_workflow_calls_the_release_script_only_with_commands_it_accepts():
    calls = [shlex.split(line.split("python scripts/release.py", 1)[1])
             for line in WORKFLOW.read_text(encoding="utf-8").splitlines()
             if re.search(r"\brun: python scripts/release\.py\b", line)]
    commands = sorted(args[0] for args in calls)
    # Both builds are self-tested: the onefile one directly, the onedir one as packed.
    assert commands == ["check", "pack"], f"release.py steps in the workflow: {calls}"
    parser = release_parser()
    for args in calls:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"scripts/release.py refuses the workflow's arguments {args}")
