"""Lesson parameters: declared once in a dataclass, checked everywhere.

A lesson's program declares its settings with argparse, and engine.programs
turns that declaration into a dataclass like this one::

    @dataclass
    class Params:
        threads: int = param(5, low=1, high=50, help="how many threads")
        lock: bool = param(True, help="guard the shared resources with the lock")

The GUI builds its form from these fields and the CLI builds its options from
them, so both refuse the same bad values with the same message.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# dataclasses (with inspect, ~10 ms) and typing (~3 ms) are imported only for a
# lesson module's own Params dataclass, which imported dataclasses itself: the
# command line's run of a program lesson needs neither (``Settings``).


class ParamError(ValueError):
    """A parameter value a person typed is not acceptable. The message says why."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def param(default: Any, *, low: float | None = None, high: float | None = None,
          help: str = "", choices: tuple | None = None, kind: str | None = None,
          label: str | None = None) -> Any:
    """Declare one lesson parameter with its bounds.

    ``kind="folder"`` marks a path that must be an existing, readable folder
    (the checked value is that folder's real path, see ``resolve_folder``);
    ``kind="port"`` marks a TCP port (0 means "let the OS choose");
    ``kind="name-ending"`` marks the end of a file name, such as ``.py``.
    """
    import dataclasses
    meta = {"low": low, "high": high, "help": help, "choices": choices,
            "kind": kind, "label": label}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


_SpecFields = namedtuple("ParamSpec", "name type default low high help choices kind label")


class ParamSpec(_SpecFields):
    """Everything a form or a command line needs to know about one parameter.

    (name: str, type: type, default, low and high: float | None, help: str,
    choices: tuple | None, kind: str | None, label: str; as keywords.)
    """

    __slots__ = ()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


class Settings:
    """The checked settings of a lesson program (``programs.params_class`` makes one
    subclass per program, its ``SPECS`` read from the program): one attribute each.

    Not a dataclass, so that a command line run needs no dataclasses; it does what
    callers use of one: keyword arguments with defaults, ``vars``, ``==``, a repr.
    """

    SPECS: tuple[ParamSpec, ...] = ()

    def __init__(self, **values: Any) -> None:
        for spec in self.SPECS:
            setattr(self, spec.name, values.pop(spec.name, spec.default))
        if values:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            f"{next(iter(values))!r}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None   # mutable, as a dataclass with eq is


def settings_class(name: str, declared: list[ParamSpec]) -> type[Settings]:
    """A ``Settings`` class named ``name`` that takes the settings ``declared``."""
    return type(name, (Settings,), {"SPECS": tuple(declared)})


def specs(params_cls: type) -> list[ParamSpec]:
    """The parameters of a lesson, in declaration order."""
    if issubclass(params_cls, Settings):
        return list(params_cls.SPECS)
    import dataclasses
    import typing
    hints = typing.get_type_hints(params_cls)
    out = []
    for f in dataclasses.fields(params_cls):
        meta = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append(ParamSpec(
            name=f.name, type=hints[f.name], default=default,
            low=meta.get("low"), high=meta.get("high"), help=meta.get("help", ""),
            choices=meta.get("choices"), kind=meta.get("kind"),
            label=meta.get("label") or f.name.replace("_", " ").capitalize(),
        ))
    return out


def convert(spec: ParamSpec, raw: Any) -> Any:
    """Turn ``raw`` (a typed value or the text a person typed) into a checked value.

    Raises ParamError with a message meant for a person.
    """
    value = _coerce(spec, raw)
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(str(c) for c in spec.choices)
        raise ParamError(spec.name, f"must be one of {allowed} (got {_echo(raw)})")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if spec.low is not None and value < spec.low or spec.high is not None and value > spec.high:
            raise ParamError(spec.name, f"must be between {_num(spec.low)} and "
                                        f"{_num(spec.high)} (got {_echo(value)})")
    if spec.kind == "folder":
        value = _check_folder(spec.name, value)
    if spec.kind == "name-ending":
        _check_name_ending(spec.name, value)
    return value


def _coerce(spec: ParamSpec, raw: Any) -> Any:
    kind = spec.type
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ParamError(spec.name, f"must be yes or no (got {_echo(raw)})")
    if kind in (int, float):
        if isinstance(raw, bool):
            raise ParamError(spec.name, f"must be a number (got {_echo(raw)})")
        if isinstance(raw, (int, float)) and kind is float:
            return float(raw)
        if isinstance(raw, int) and kind is int:
            return raw
        text = str(raw).strip()
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ParamError(spec.name, f"must be {what} (got {_echo(text)})") from None
        if kind is float and value != value:  # NaN compares unequal to itself
            raise ParamError(spec.name, "must be a number (got 'nan')")
        return value
    if kind is str:
        return str(raw)
    raise TypeError(f"unsupported parameter type {kind!r} for {spec.name}")


def resolve_folder(path: str) -> str:
    """The one absolute path, free of symlinks and ``..``, that ``path`` names now.

    A folder is resolved once, here, and the check and the lesson both use the
    result, so the folder that is checked is the folder that is used, and the
    learner is shown which one that is. Resolving by hand goes wrong: a
    lexical ``os.path.abspath('link/..')`` is the folder that holds ``link``,
    while the kernel takes ``..`` from where ``link`` points. ``realpath``
    follows each link as the kernel does.
    """
    return os.path.realpath(os.path.expanduser(path))


def _check_folder(name: str, path: str) -> str:
    """``path`` resolved (``resolve_folder``), if it is a folder we may read."""
    if not path:
        raise ParamError(name, "no folder given")
    full = resolve_folder(path)
    if not os.path.exists(full):
        raise ParamError(name, f"{path} does not exist")
    if not os.path.isdir(full):
        raise ParamError(name, f"{path} is a file, not a folder")
    try:
        with os.scandir(full):
            pass
    except PermissionError:
        raise ParamError(name, f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise ParamError(name, f"cannot read {path}: {exc.strerror or exc}") from None
    return full


NAME_ENDING_EXPECTED = "must be the end of a file name, such as .py or .tar.gz"


def _check_name_ending(name: str, ending: str) -> None:
    """Refuse an ending that no file name can have, or that is meant as a pattern.

    A file name never holds "/" or NUL, so such an ending matches nothing. The
    ending is compared as it is, case and all (like find -name), so "*" and "?"
    would only match those very characters: "*.py" is a pattern from the shell,
    and it would silently find 0 files.
    """
    if "/" in ending or "\0" in ending:
        why = "no folders"
    elif "*" in ending or "?" in ending:
        why = "no wildcards"
    else:
        return
    hint = ""
    meant = ending.lstrip("*")          # "*.py" was surely meant as ".py"
    if meant and "*" not in meant and "?" not in meant and "/" not in meant:
        hint = f": give {meant} instead"
    raise ParamError(name, f"{NAME_ENDING_EXPECTED}, with {why} (got {_echo(ending)}{hint})")


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))   # 2.0 -> "2"; but 1e300 stays "1e+300", not 301 digits
    return str(value)


def _echo(raw: Any, most: int = 40) -> str:
    """What the person gave, for a message: quoted text or a number, cut short if long."""
    if isinstance(raw, str):
        return repr(raw) if len(raw) <= most else f"{raw[:most - 10]!r}… ({len(raw)} characters)"
    text = _num(raw)
    return text if len(text) <= most else f"{text[:most - 10]}… ({len(text)} digits)"


def build(params_cls: type, values: dict[str, Any] | None = None) -> Any:
    """A checked Params instance from defaults overlaid with ``values``.

    Every given value is checked, and so is every default of a kind that
    depends on the machine (a folder may not exist here).
    """
    values = dict(values or {})
    known = {s.name: s for s in specs(params_cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParamError(unknown[0], "is not a parameter of this lesson")
    checked = {}
    for name, spec in known.items():
        if name in values:
            checked[name] = convert(spec, values[name])
        else:
            checked[name] = convert(spec, spec.default) if spec.kind else spec.default
    return params_cls(**checked)
