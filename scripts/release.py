"""Check the executables that build.spec made on this OS, and pack the one learners get.

The release workflow (.github/workflows/release.yml) runs this on Linux, Windows
and macOS after PyInstaller, and so can anyone after ``make exe exe-onefile``:

    python scripts/release.py check onefile   # --self-test the onefile build in dist/
    python scripts/release.py check onedir    # --self-test the onedir build in dist/
    python scripts/release.py pack [--tag v0.1.0]

``pack`` puts the onedir build (on macOS, the PySysLab.app bundle) in one archive,
``dist/release/pysyslab-VERSION-OS-ARCH.zip`` (``.tar.gz`` on Linux), unpacks that
archive into a fresh folder and self-tests the copy there: what is checked is
what a learner downloads. With ``--tag`` it first checks that the tag names the
version in pyproject.toml, so a release is never labelled with another version.

Every failure is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
RELEASE = DIST / "release"
NAME = "pysyslab"
APP = "PySysLab.app"      # build.spec's BUNDLE on macOS
# A self-test runs every lesson briefly; a onefile build first unpacks itself, and on
# a CI machine a virus scanner may read every file it unpacks. Generous, not a measure.
SELF_TEST_TIMEOUT = 900


class ReleaseError(Exception):
    """A check failed; the message is the one line to print."""


def os_name() -> str:
    return {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")


def arch_name() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def exe_name() -> str:
    return NAME + (".exe" if sys.platform == "win32" else "")


def onedir_exe(top: Path) -> Path:
    """The onedir executable under ``top`` (dist/, or where an archive was unpacked)."""
    if sys.platform == "darwin":
        return top / APP / "Contents" / "MacOS" / NAME
    return top / NAME / exe_name()


def onefile_exe() -> Path:
    return DIST / "onefile" / exe_name()


def self_test(exe: Path) -> None:
    """Run ``exe --self-test`` and show its report; raise unless it exits 0."""
    if not exe.is_file():
        raise ReleaseError(f"no executable at {exe}: build it first (see build.spec)")
    # No display on Linux: the self-test must not need one (a learner's machine has
    # one, but this proves the checks open no window).
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    print(f"release: {exe} --self-test", flush=True)
    try:
        done = subprocess.run([str(exe), "--self-test"], env=env, capture_output=True,
                              text=True, errors="replace", timeout=SELF_TEST_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise ReleaseError(f"{exe} --self-test did not end within {SELF_TEST_TIMEOUT} s") \
            from exc
    report = (done.stdout + done.stderr).rstrip()
    # A windowed Windows build may have no stdout of its own; its exit status still counts.
    print(report or "(the executable printed nothing; judging by its exit status)", flush=True)
    if done.returncode != 0:
        raise ReleaseError(f"{exe} --self-test exited with status {done.returncode}")


def checked_version(tag: str | None) -> str:
    version = importlib.metadata.version(NAME)
    if tag is not None and tag != f"v{version}":
        raise ReleaseError(f"the tag {tag} does not match the version {version} in "
                           f"pyproject.toml (expected the tag v{version})")
    return version


def pack(version: str) -> Path:
    """The onedir build in one archive for this OS; returns the archive's path."""
    RELEASE.mkdir(parents=True, exist_ok=True)
    base = RELEASE / f"{NAME}-{version}-{os_name()}-{arch_name()}"
    if sys.platform == "darwin":
        bundle = DIST / APP
        if not bundle.is_dir():
            raise ReleaseError(f"no app bundle at {bundle}: build it first (see build.spec)")
        archive = Path(f"{base}.zip")   # not with_suffix: the version has dots
        # ditto, as Finder's "Compress" does: it keeps the bundle's symbolic links,
        # modes and code signature, which a plain zip would break.
        subprocess.run(["ditto", "-c", "-k", "--sequesterRsrc", "--keepParent",
                        str(bundle), str(archive)], check=True)
        return archive
    if not (DIST / NAME).is_dir():
        raise ReleaseError(f"no onedir build at {DIST / NAME}: build it first (see build.spec)")
    # Windows users open zip files; tar keeps the executable bit for Linux users.
    kind = "zip" if sys.platform == "win32" else "gztar"
    return Path(shutil.make_archive(str(base), kind, root_dir=DIST, base_dir=NAME))


def unpack(archive: Path, into: Path) -> None:
    if sys.platform == "darwin":
        subprocess.run(["ditto", "-x", "-k", str(archive), str(into)], check=True)
    else:
        shutil.unpack_archive(archive, into)


def pack_and_check(tag: str | None) -> None:
    version = checked_version(tag)
    archive = pack(version)
    size = archive.stat().st_size / 1e6
    print(f"release: packed {archive.relative_to(ROOT)} ({size:.1f} MB)", flush=True)
    with tempfile.TemporaryDirectory(prefix="pysyslab-unpacked-") as folder:
        unpack(archive, Path(folder))
        self_test(onedir_exe(Path(folder)))
    print(f"release: {archive.name} unpacks and passes its self-test", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="--self-test one build in dist/")
    check.add_argument("build", choices=["onedir", "onefile"])
    packer = commands.add_parser("pack", help="archive the onedir build and self-test it")
    packer.add_argument("--tag", help="the git tag being released (must be v + version)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            self_test(onedir_exe(DIST) if args.build == "onedir" else onefile_exe())
        else:
            pack_and_check(args.tag or None)
    except (ReleaseError, OSError, subprocess.CalledProcessError) as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
