"""The one record that flows from a running lesson to whoever watches it."""

from __future__ import annotations

import json
from collections import namedtuple

from .vocabulary import KINDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["KINDS", "Event"]   # KINDS is defined, with every data key, in vocabulary.py


# A collections.namedtuple, not a typing.NamedTuple: importing typing took ~3 ms of
# every command line's start. The same class for a caller: fields, defaults, _asdict.
_EventFields = namedtuple("Event", "t actor kind text data line pid seq",
                          defaults=(None, None, None, 0))


class Event(_EventFields):
    """What one actor said or did at one moment of a run.

    ``t`` is seconds since the run started (monotonic clock, shared by every
    process on the machine). ``line`` is the line of the program that the
    event came from, so the GUI can highlight it. ``pid`` is the process the
    actor lives in. ``seq`` numbers the events of a run in the order the run's
    queue received them.
    """

    # t: float, actor: str, kind: str, text: str, data: Any = None,
    # line: int | None = None, pid: int | None = None, seq: int = 0

    __slots__ = ()

    def to_json(self) -> str:
        """One JSON line. Non-ASCII text (and surrogate-escaped bytes) stays readable."""
        return json.dumps(self._asdict(), ensure_ascii=True, default=_jsonable)

    def format(self) -> str:
        """A readable one-line form for the command line."""
        where = f" L{self.line}" if self.line else ""
        return f"{self.t:8.3f}s  {self.actor:<18} {self.kind:<8}{where:>5}  {self.text}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    import dataclasses  # here: importing it costs ~7 ms at the start of every command
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return repr(value)
