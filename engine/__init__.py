"""PySysLab's engine: runs lessons headless and reports what they do as Events.

Nothing here imports tkinter, ttkbootstrap or the gui package.
"""

from .errors import LessonError
from .events import Event
from .params import ParamError
from .runner import Run, start

__all__ = ["Event", "LessonError", "ParamError", "Run", "start"]
