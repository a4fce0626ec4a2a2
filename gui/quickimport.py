"""Import ttkbootstrap without importing ``importlib.metadata`` (~30 ms at every start).

ttkbootstrap reads its own version when it is imported, with
``importlib.metadata.version("ttkbootstrap")``. Importing ``importlib.metadata``
brings in email, zipfile, csv and more, which nothing else of the window needs
before it is ready: about 30 ms of a start of ~0.5 s on a 2-core machine
(measured: ``import ttkbootstrap`` 163 ms with it, 134 ms without).

For the time of that one import, ``importlib.metadata`` is a stand-in whose
``version()`` reads the ``Version:`` line of the same ``METADATA`` file the
real function reads (``<name>-<version>.dist-info/`` on ``sys.path``; the
frozen executable carries ttkbootstrap's). Anything else asked of the
stand-in, or a distribution it cannot find, goes to the real module, imported
then. Afterwards the stand-in is gone: a later ``import importlib.metadata``
(the About box, the self-test) gets the real module.

``gui/__main__.py`` calls ``import_ttkbootstrap()`` first, before anything
imports ttkbootstrap; imported any other way (the tests), ttkbootstrap takes
the usual path.
"""

from __future__ import annotations

import importlib
import os
import sys
import types

METADATA_MODULE = "importlib.metadata"


class PackageNotFoundError(ModuleNotFoundError):
    """The stand-in's own: what the importing code catches around ``version()``."""


def metadata_version(name: str, path: list[str] | None = None) -> str | None:
    """The ``Version:`` of distribution ``name`` from its METADATA on ``path``, or None."""
    wanted = name.lower().replace("-", "_").replace(".", "_") + "-"
    for folder in sys.path if path is None else path:
        try:
            entries = [entry for entry in os.scandir(folder or ".")
                       if entry.name.lower().startswith(wanted)
                       and entry.name.endswith(".dist-info")]
        except OSError:
            continue
        for entry in entries:
            version = _version_line(os.path.join(entry.path, "METADATA"))
            if version:
                return version
    return None


def _version_line(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line.strip():
                    return None   # the headers end at the first blank line
    except OSError:
        return None
    return None


class _StandIn(types.ModuleType):
    """``importlib.metadata`` while ttkbootstrap is imported."""

    PackageNotFoundError = PackageNotFoundError

    def __init__(self) -> None:
        super().__init__(METADATA_MODULE, "Stand-in for importlib.metadata (gui/quickimport.py)")
        self.real: types.ModuleType | None = None

    def version(self, name: str) -> str:
        found = metadata_version(name)
        if found is not None:
            return found
        real = self.load_real()
        try:
            return real.version(name)
        except real.PackageNotFoundError as exc:
            raise PackageNotFoundError(str(exc)) from None

    def load_real(self) -> types.ModuleType:
        """The real module (imported now if not yet), without leaving it in our place."""
        if self.real is None:
            del sys.modules[METADATA_MODULE]
            try:
                self.real = importlib.import_module(METADATA_MODULE)
            finally:
                sys.modules[METADATA_MODULE] = self
        return self.real

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):   # the import system asks for __path__ and such
            raise AttributeError(attribute)
        return getattr(self.load_real(), attribute)


def import_ttkbootstrap() -> types.ModuleType:
    """Import ttkbootstrap (once) with the stand-in in place; return it."""
    if "ttkbootstrap" in sys.modules or METADATA_MODULE in sys.modules:
        return importlib.import_module("ttkbootstrap")   # too late, or nothing to save
    stand_in = _StandIn()
    package = sys.modules["importlib"]
    sys.modules[METADATA_MODULE] = stand_in
    package.metadata = stand_in   # for `import importlib.metadata; importlib.metadata.x`
    try:
        return importlib.import_module("ttkbootstrap")
    finally:
        if stand_in.real is not None:
            sys.modules[METADATA_MODULE] = package.metadata = stand_in.real
        else:   # as if never imported: a later import finds and loads the real one
            del sys.modules[METADATA_MODULE]
            del package.metadata
