"""Close a window the way a window manager does when a person clicks its ✕.

Clicking ✕ does not destroy anything: the window manager sends the client a
``WM_PROTOCOLS`` ClientMessage whose first word is the ``WM_DELETE_WINDOW``
atom, and the client decides what to do (Tk calls the handler set with
``protocol("WM_DELETE_WINDOW", ...)``). The virtual screen of the tests has
no window manager, and ``xdotool windowclose`` (3.x) calls XDestroyWindow
instead, which no person can do; so this sends that message itself, with
libX11 through ctypes (libX11 is there wherever Tk is).
"""

from __future__ import annotations

import ctypes
import ctypes.util

_CLIENT_MESSAGE = 33           # X.h: ClientMessage
_NO_EVENT_MASK = 0


class _ClientMessageData(ctypes.Union):
    _fields_ = [("b", ctypes.c_char * 20), ("s", ctypes.c_short * 10),
                ("l", ctypes.c_long * 5)]


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", _ClientMessageData)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def _xlib():
    lib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_XEvent)]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def close_window(window: str | int, display: str) -> None:
    """Ask ``window`` on ``display`` to close, as a window manager's ✕ does."""
    close_windows([window], display)


def close_windows(windows: list[str | int], display: str) -> None:
    """Ask every window in ``windows`` to close at the same moment, as at logout.

    One flush sends all the messages; on return the X server has handled them
    (XSync), so they are on their way to the windows' programs.
    """
    lib = _xlib()
    dpy = lib.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        protocols = lib.XInternAtom(dpy, b"WM_PROTOCOLS", False)
        delete = lib.XInternAtom(dpy, b"WM_DELETE_WINDOW", False)
        for window in windows:
            event = _XEvent()
            message = event.xclient
            message.type = _CLIENT_MESSAGE
            message.window = int(window)
            message.message_type = protocols
            message.format = 32
            message.data.l[0] = delete
            message.data.l[1] = 0          # CurrentTime
            if not lib.XSendEvent(dpy, int(window), False, _NO_EVENT_MASK,
                                  ctypes.byref(event)):
                raise RuntimeError(f"XSendEvent to window {window} failed")
        lib.XSync(dpy, False)
    finally:
        lib.XCloseDisplay(dpy)
