"""The About box and the F1 help, on the virtual screen."""

import importlib.metadata
import os
import platform
import re
from pathlib import Path

import gui
from gui.about import app_version, help_text, show_about, show_help

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)


def settle(app, rounds=20):
    for _ in range(rounds):
        app.update()


def test_the_built_in_version_is_the_one_in_pyproject():
    assert gui.__version__ == pyproject_version()
    assert app_version() == importlib.metadata.version("pysyslab") == pyproject_version()


def test_about_shows_the_versions_and_the_settings_file_and_closes(app):
    dialog = show_about(app, wait=False)
    settle(app)
    window = dialog.window
    assert window.winfo_ismapped() and window.wm_title() == "About PySysLab"
    shown = {name: label.cget("text") for name, label in dialog.value_labels.items()}
    assert shown["PySysLab"] == pyproject_version()
    assert shown["Python"].startswith(platform.python_version())
    tcl = app.tk.eval("info patchlevel")
    tk_level = app.tk.eval("set tk_patchLevel")
    assert shown["Tk / Tcl"] == f"{tk_level} / {tcl}" and tcl.startswith("8.")
    assert shown["ttkbootstrap"] == importlib.metadata.version("ttkbootstrap")
    assert shown["Pillow"] == importlib.metadata.version("pillow")
    expected_path = str(Path(os.environ["PYSYSLAB_CONFIG_DIR"]) / "settings.json")
    assert shown["Settings file"] == expected_path
    # It sits over the window and fits on the screen.
    assert str(window.transient()) == str(app)
    assert window.winfo_height() <= window.winfo_screenheight()

    dialog.copy_button.invoke()
    copied = app.clipboard_get()
    assert expected_path in copied and pyproject_version() in copied

    dialog.close_button.invoke()
    settle(app)
    assert not window.winfo_exists()


def test_about_is_modal_and_escape_closes_it(app):
    seen = {}

    def press_escape():
        dialog_window = app.grab_current()   # the modal About box holds the grab
        if dialog_window is None or not dialog_window.winfo_ismapped():
            app.after(20, press_escape)
            return
        seen["title"] = dialog_window.wm_title()
        dialog_window.focus_force()
        dialog_window.event_generate("<Escape>")
    def give_up():                             # Escape did nothing: end the wait anyway
        stuck = app.grab_current()
        if stuck is not None:
            seen["stuck"] = True
            stuck.destroy()
    app.after(20, press_escape)
    guard = app.after(5000, give_up)
    dialog = show_about(app)                   # returns only once the box is closed
    app.after_cancel(guard)
    assert "stuck" not in seen, "Escape did not close the About box"
    assert seen["title"] == "About PySysLab"
    assert not dialog.window.winfo_exists()
    assert app.grab_current() is None


def test_help_lists_every_shortcut_and_fits_on_the_screen(app):
    keys = ["F5", "Ctrl+R", "Esc", "F10", "Ctrl+Plus", "Ctrl+Minus", "Ctrl+0", "Ctrl+Tab",
            "Ctrl+Shift+Tab", "F1", "Ctrl+S", "Ctrl+Q", "Ctrl+D"]
    text = help_text()
    for key in keys:
        assert re.search(rf"(^|[\s/]){re.escape(key)}($|[\s/])", text, re.MULTILINE), key
    dialog = show_help(app, wait=False)
    settle(app)
    window = dialog.window
    shown = " ".join(dialog.value_labels)
    for key in keys:
        assert key in shown, key
    assert dialog.value_labels["F1"].cget("text") == "This help"
    # The whole box, Close button included, is on a 1280x800 screen.
    assert window.winfo_rooty() >= 0
    assert window.winfo_rooty() + window.winfo_height() <= window.winfo_screenheight()
    assert dialog.close_button.winfo_ismapped()
    dialog.close_button.invoke()
    settle(app)
    assert not window.winfo_exists()
