"""Failures the engine explains itself, in plain words."""

from __future__ import annotations

import errno


class LessonError(Exception):
    """A run that cannot start, put in plain words (no process to be had, say).

    ``engine.start`` raises it; the CLI and the window show the message alone:
    a traceback would only hide the one line the learner needs.
    """


def out_of_room(what: str, exc: BaseException) -> LessonError | None:
    """A clear error when the system refuses a new thread or process, else None.

    Under a low limit on processes (``ulimit -u``, which counts threads too)
    fork fails with EAGAIN and ``Thread.start`` with "can't start new thread".
    """
    refused = (isinstance(exc, OSError) and exc.errno == errno.EAGAIN) or \
        (isinstance(exc, RuntimeError) and "can't start new thread" in str(exc))
    if not refused:
        return None
    return LessonError(f"cannot start {what}: the system refused ({exc}). Too many "
                       "processes or threads for this user? See 'ulimit -u'.")
