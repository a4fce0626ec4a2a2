"""Failures a lesson expects and explains itself."""


class LessonError(Exception):
    """A failure the lesson can put in plain words (a busy port, say).

    The run reports it as an ``error`` event with the message alone: a
    traceback would only hide the one line the learner needs.
    """
