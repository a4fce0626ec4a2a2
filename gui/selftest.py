"""``pysyslab --self-test``: check that this copy of the app has all it needs.

It opens no window, so it runs where there is no display (CI, a server, a
frozen executable on a build machine). Each check either passes with a short
detail or fails with the reason; the exit status is 0 only if all pass:

- imports: Tcl, tkinter, ttkbootstrap, pillow's Tk bridge, every gui module
  and every lesson's tab class (naming the lessons that have extras);
- assets: our icons and ttkbootstrap's own files;
- sources: each lesson's files (the program and its modules) are where the
  source pane looks for them, and compile; the lab runs those very files;
- spawn: a real child process from the spawn context starts, finds the
  lessons and answers;
- lessons: a short run of every lesson (``python -m engine selftest``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import resources


def check_imports() -> str:
    import tkinter

    import PIL
    import PIL._tkinter_finder  # noqa: F401  (ImageTk finds Tk through it; see build.spec)
    import PIL.ImageTk  # noqa: F401
    import ttkbootstrap  # noqa: F401

    import gui
    from engine import catalog
    from gui.lesson_tab import LessonTab
    from gui.lessons import tab_class

    tcl = tkinter.Tcl()  # an interpreter without Tk: proves the Tcl library is there
    version = tcl.eval("info patchlevel")
    modules = [m.name for m in pkgutil.walk_packages(gui.__path__, "gui.")
               if m.name != "gui.__main__"]
    for name in modules:
        importlib.import_module(name)
    lessons = catalog.lessons()
    if not lessons:
        raise RuntimeError("the catalog found no lesson programs")
    with_extras = []
    for lesson in lessons:   # a program is never imported here: the lab runs it
        # A lesson's extras are imported by its id, and a lesson without a module of
        # extras quietly gets the plain tab: name those found, so a lost one shows.
        if tab_class(lesson.id) is not LessonTab:
            with_extras.append(lesson.id)
    return (f"Tcl {version}, ttkbootstrap {importlib.metadata.version('ttkbootstrap')}, "
            f"pillow {PIL.__version__}, {len(modules)} gui modules, {len(lessons)} lessons "
            f"(with extras: {', '.join(with_extras) or 'none'})")


def check_assets() -> str:
    import ttkbootstrap
    from PIL import Image

    from . import imagecache

    icons = [resources.icon_png(size) for size in resources.ICON_SIZES]
    icons.append(resources.assets_dir() / "pysyslab.ico")
    for path in icons:
        with Image.open(path) as image:
            image.verify()
    style_images = sorted(imagecache.shipped_dir().glob("*.png"))
    if not style_images:   # (the start would draw them all, ~40 ms)
        raise RuntimeError(f"no style images in {imagecache.shipped_dir()}")
    ttkb_assets = Path(ttkbootstrap.__file__).parent / "assets"
    count = sum(1 for p in ttkb_assets.rglob("*") if p.is_file())
    if count == 0:
        raise RuntimeError(f"ttkbootstrap's assets are missing from {ttkb_assets}")
    if resources.is_frozen():
        tk_library = os.environ.get("TK_LIBRARY", "")
        if not (Path(tk_library) / "tk.tcl").is_file():
            raise RuntimeError(f"Tk's script library is missing (TK_LIBRARY={tk_library!r})")
    return (f"{len(icons)} icon files and {len(style_images)} style images in "
            f"{resources.assets_dir()}, {count} ttkbootstrap files")


def check_sources() -> str:
    from engine import catalog

    lines = 0
    for lesson in catalog.lessons():
        for path in lesson.files:
            with open(path, encoding="utf-8") as f:
                source = f.read()
            compile(source, path, "exec")
            lines += source.count("\n")
    return f"{len(catalog.lessons())} lesson sources, {lines} lines"


def child_answer(conn, lesson_ids: list[str]) -> None:
    """Runs in the spawned child: find each lesson, then say who we are."""
    from engine import catalog  # it knows where lessons live; the window does not

    for lesson_id in lesson_ids:
        catalog.get(lesson_id)   # its program, from the bundle when frozen
    conn.send((os.getpid(), bool(getattr(sys, "frozen", False)), lesson_ids))
    conn.close()


def check_spawn(timeout: float = 30.0) -> str:
    import multiprocessing

    from engine import catalog

    # Spawn, as lesson programs' multiprocessing children may start (DESIGN.md, rule 2).
    context = multiprocessing.get_context("spawn")
    ids = [lesson.id for lesson in catalog.lessons()]
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=child_answer, args=(send, ids), name="selftest-child")
    started = time.monotonic()
    child.start()
    send.close()  # the child holds its own copy now
    try:
        if not receive.poll(timeout):
            raise RuntimeError(f"the spawned child did not answer within {timeout:.0f} s "
                               f"(exit code {child.exitcode})")
        pid, frozen, imported = receive.recv()
        child.join(timeout)
    finally:
        receive.close()
        if child.exitcode is None:
            child.kill()
            child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the spawned child exited with {child.exitcode}")
    if pid == os.getpid() or imported != ids:
        raise RuntimeError(f"unexpected answer from the child: {pid}, {imported}")
    elapsed = time.monotonic() - started
    child.close()
    return (f"start method {context.get_start_method()}, child pid {pid} "
            f"({'frozen' if frozen else 'source'}) found {len(ids)} lessons "
            f"in {elapsed:.2f} s")


def check_lessons() -> str:
    from engine.cli import selftest

    if selftest(verbose=True) != 0:
        raise RuntimeError("at least one lesson failed its short run (see above)")
    return "every lesson's short run passed"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("imports", check_imports),
    ("assets", check_assets),
    ("sources", check_sources),
    ("spawn", check_spawn),
    ("lessons", check_lessons),
]


def where() -> str:
    if resources.is_frozen():
        return f"frozen executable {sys.executable} (files in {getattr(sys, '_MEIPASS', '?')})"
    return f"source, Python {sys.version.split()[0]} at {sys.executable}"


def main() -> int:
    print(f"PySysLab self-test: {where()}", flush=True)
    failed = []
    for name, check in CHECKS:
        try:
            detail = check()
        except BaseException as exc:  # every check reports, whatever breaks
            if isinstance(exc, KeyboardInterrupt):
                raise
            failed.append(name)
            print(f"FAIL {name:<8} {type(exc).__name__}: {exc}", flush=True)
            print(traceback.format_exc().rstrip(), flush=True)
        else:
            print(f"ok   {name:<8} {detail}", flush=True)
    passed = len(CHECKS) - len(failed)
    summary = f"self-test: {passed} of {len(CHECKS)} checks passed"
    print(summary + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0
