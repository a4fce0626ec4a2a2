"""PySysLab's light and dark themes: Bootstrap's, with accents that pass WCAG AA.

ttkbootstrap's own bootstrap family puts white text on its dark-mode green,
red and blue (3.2-3.5:1) and uses a cyan and a yellow that cannot be read as
text on white (2.0 and 1.6:1): the Run and Stop buttons, the "Running…" and
"Stopping…" status lines and the Continue and SIGTERM buttons. Here every
accent reaches 4.5:1 as text on the theme's background and under its button
text, also in the hover and pressed shades ttkbootstrap derives from it.
Everything else is Bootstrap's.
"""

from __future__ import annotations

from ttkbootstrap.style.theme import ThemeDefinition
from ttkbootstrap.utils import config

FAMILY = "pysyslab"
LIGHT_THEME, DARK_THEME = f"{FAMILY}-light", f"{FAMILY}-dark"

# role: (light theme, dark theme)
_COLOURS = {
    # The accents. Light: dark shades under white button text, readable as
    # text on white. Dark: light shades under black button text, readable as
    # text on the dark grey.
    "primary": ("#0a58ca", "#8bb9fe"),
    "secondary": ("#5f6367", "#bdc4ca"),
    "success": ("#115d3a", "#7fd1a8"),
    "info": ("#075b6c", "#6edff6"),
    "warning": ("#734b00", "#ffda6a"),
    "danger": ("#b02a37", "#f5a3ab"),
    # Bootstrap's own (bootstrap-light, bootstrap-dark).
    "light": ("#eff0f2", "#eff0f2"),
    "dark": ("#45484c", "#45484c"),
    "bg": ("#ffffff", "#212529"),
    "fg": ("#212529", "#f8f9fa"),
    "selectbg": ("#686d71", "#bdc4ca"),
    "selectfg": ("#ffffff", "#000000"),
    "border": ("#d6d6d6", "#45484b"),
    "inputfg": ("#212529", "#f8f9fa"),
    "inputbg": ("#ffffff", "#262b30"),
    "active": ("#efefef", "#32383e"),
}


def skip_builtin_themes() -> None:
    """Make ttkbootstrap's Style know only the themes registered with it (ours).

    Each Style generates the colour ramps of ttkbootstrap's 15 built-in theme
    families (30 themes, ~12 ms) as it is made, at every start; the window
    shows only its own two, which ``register_themes`` registers. Called before
    the root is made; for the rest of the process (the tests' windows too).
    """
    from ttkbootstrap.style.engine import Style

    def register_none(style, EXTERNAL_THEMES=None) -> None:
        """(ttkbootstrap's hook for its catalog: ours come from register_themes)"""

    Style._load_themes = register_none


def register_themes() -> None:
    """Make both themes known to the next window (or to the one open now).

    ttkbootstrap forgets registered themes when its window is destroyed, so
    this is called before each ``App`` is built.
    """
    def register() -> None:
        from ttkbootstrap.style.engine import Style
        style = Style.get_instance()
        for column, (name, mode) in enumerate(((LIGHT_THEME, "light"), (DARK_THEME, "dark"))):
            if name not in style.theme_names():
                colours = {role: pair[column] for role, pair in _COLOURS.items()}
                style.register_theme(ThemeDefinition(name, colors=colours, mode=mode))
    config.defer(f"register_theme:{FAMILY}", register)
