"""The reusable widgets a lesson tab is built from, one module each.

- ``logview``: the event log, coloured by actor;
- ``sourceview``: the lesson's code, each actor's acting line highlighted;
- ``explain``: the lesson's docstring, lightly formatted;
- ``paramsform``: the form for a lesson's parameters;
- ``timeline``: one lane per actor over time, and the queue depth;
- ``lanes``: the timeline's rules (who has a lane, which spans), without Tk,
  shared by the live timeline and the saved picture;
- ``seqdiagram``: messages between actors, as a sequence diagram;
- ``histogram``: the sizes of the files found;
- ``filetable``: a sortable, filterable table of files;
- ``exports``: the log as CSV or text and the timeline as a PNG;
- ``scrollarea``: a frame that scrolls when the window is too small.

None of them knows a lesson or the app: they take data and callbacks. Each
can be looked at alone on sample data, ``python -m gui.widgets.timeline``, as
idlelib's htest lets one look at a widget (``demo.py`` holds the shared
demo window and the sample run).

What every part of the window shares stays at the top of ``gui/``:
``colors`` (one colour per actor, the theme's colours, contrast),
``scaling`` (named fonts, zoom and DPI) and ``themes``. They are the app's
style rather than widgets, and the window shell and lesson tabs use them
as much as the widgets do.
"""
