"""gui/quickimport.py: ttkbootstrap imported without importlib.metadata, its version
still right. Each check runs in a fresh interpreter: this one has imported both."""

import json
import subprocess
import sys
from pathlib import Path

from gui.quickimport import metadata_version

ROOT = Path(__file__).resolve().parents[2]


def fresh_python(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_ttkbootstrap_is_imported_without_importlib_metadata_and_knows_its_version():
    seen = fresh_python(
        "import json, sys\n"
        "from gui.quickimport import import_ttkbootstrap\n"
        "tb = import_ttkbootstrap()\n"
        "skipped = [m for m in ('importlib.metadata', 'email', 'zipfile')\n"
        "           if m not in sys.modules]\n"
        "gone = not hasattr(sys.modules['importlib'], 'metadata')\n"
        "import importlib.metadata\n"
        "print(json.dumps({'skipped': skipped, 'gone': gone, 'ours': tb.__version__,\n"
        "                  'real': importlib.metadata.version('ttkbootstrap'),\n"
        "                  'real_module': importlib.metadata.__file__ is not None}))\n")
    assert seen["skipped"] == ["importlib.metadata", "email", "zipfile"]
    assert seen["gone"], "the stand-in was left on the importlib package"
    assert seen["ours"] == seen["real"] != "unknown"
    assert seen["real_module"], "a later import got the stand-in, not the real module"


def test_the_stand_in_hands_anything_else_to_the_real_module():
    """A distribution it cannot find, or another function: the real module answers,
    and its not-found error reaches the caller as the error the caller imported."""
    seen = fresh_python(
        "import json, sys\n"
        "from gui import quickimport\n"
        "stand_in = quickimport._StandIn()\n"
        "sys.modules['importlib.metadata'] = stand_in\n"
        "from importlib.metadata import PackageNotFoundError, version\n"
        "try:\n"
        "    version('no-such-distribution-pysyslab')\n"
        "    caught = False\n"
        "except PackageNotFoundError:\n"
        "    caught = True\n"
        "names = [d.metadata['Name'] for d in stand_in.distributions()]\n"
        "print(json.dumps({'caught': caught, 'real': stand_in.real is not None,\n"
        "                  'still_in_place': sys.modules['importlib.metadata'] is stand_in,\n"
        "                  'found_pillow': any(n.lower() == 'pillow' for n in names)}))\n")
    assert seen == {"caught": True, "real": True, "still_in_place": True, "found_pillow": True}


def test_metadata_version_reads_the_version_line(tmp_path):
    info = tmp_path / "Some_Lib-3.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: some-lib\nVersion: 3.1.4\n\n"
                                   "Version: 9.9 (in the description, not a header)\n")
    assert metadata_version("some-lib", [str(tmp_path)]) == "3.1.4"
    assert metadata_version("some.lib", [str(tmp_path / "missing"), str(tmp_path)]) == "3.1.4"
    assert metadata_version("other-lib", [str(tmp_path)]) is None
    (info / "METADATA").write_text("Name: some-lib\n\nVersion: 1.0\n")
    assert metadata_version("some-lib", [str(tmp_path)]) is None, "a body line is no header"
