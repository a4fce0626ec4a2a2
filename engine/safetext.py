"""Text that is safe to print on a terminal, whatever a file name holds.

A file name on Linux is any bytes but ``/`` and NUL. Python keeps bytes that
are not UTF-8 as lone surrogates (``surrogateescape``), which a UTF-8 stream
refuses to encode; and a name may hold an escape character or a newline,
which a terminal would obey: it could colour the screen, move the cursor or
forge a line of output. ``for_terminal`` shows all of those as escapes, the
way ``ls -b`` does, so what is printed is one honest line:

* a byte that is not UTF-8 as ``\\xNN`` (``caf\\xe9``);
* newline, carriage return and tab as ``\\n``, ``\\r``, ``\\t``;
* any other control character as ``\\xNN`` (C0 and DEL, e.g. ``\\x1b``) or
  ``\\u0085`` (C1; ``\\u`` keeps them apart from a raw byte 0x85).

The exact name stays in the data (and in ``--json``); only its display is
escaped.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL, C1 controls, and every lone surrogate.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:          # a byte surrogateescape could not decode
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def for_terminal(text: str, keep_newlines: bool = False) -> str:
    """``text`` with undecodable bytes and control characters shown as escapes.

    ``keep_newlines`` keeps ``\\n`` for text made of several lines on purpose
    (a traceback, a table); the names inside such text must have been escaped
    already, or a newline in a name would start a line of its own.
    """
    if text.isprintable():     # the common case, and fast: nothing to escape
        return text
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)
