"""A form built from a lesson's Params dataclass; refuses bad values next to the field."""

from __future__ import annotations

import os
from tkinter import filedialog

import ttkbootstrap as ttk

from engine.params import ParamError, convert, specs

from .tips import tip
from .wraplabel import WrapLabel


class ParamsForm(ttk.Frame):
    """Fields in two columns, each a label over its input, with its message below.

    Two narrow columns keep a nine-field form short enough for a 700-pixel
    screen. A folder field takes a whole row: a path needs the width. A
    message takes room only while it has something to say.
    """

    COLUMNS = 2

    def __init__(self, master, params_cls: type, **kw):
        super().__init__(master, **kw)
        self.params_cls = params_cls
        self.specs = specs(params_cls)
        self.vars: dict[str, ttk.Variable] = {}
        self.messages: dict[str, ttk.Label] = {}
        self.inputs: dict[str, object] = {}
        for column in range(self.COLUMNS):
            self.columnconfigure(column, weight=1)
        # Each field takes three grid rows of one column: its label, its input, and
        # its message (gridded only while it has one). No frame per field: the
        # form is built before the window is ready, and each frame costs that.
        self._cells: dict[str, tuple[int, int, int]] = {}   # name -> row, column, span
        place = 0   # cells filled so far, row by row
        for spec in self.specs:
            wide = spec.kind == "folder"
            if wide and place % self.COLUMNS:
                place += self.COLUMNS - place % self.COLUMNS   # start a fresh row
            row = 3 * (place // self.COLUMNS)
            self._cells[spec.name] = (row, place % self.COLUMNS, self.COLUMNS if wide else 1)
            self.rowconfigure(row + 2, minsize=2)   # the gap under a field, message or not
            self._create_field(spec)
            place += self.COLUMNS if wide else 1

    def _place(self, widget, name: str, line: int, **grid) -> None:
        """Grid ``widget`` on ``line`` (0 label, 1 input, 2 message) of field ``name``."""
        row, column, span = self._cells[name]
        right_gap = 8 if column + span < self.COLUMNS else 0
        widget.grid(row=row + line, column=column, columnspan=span,
                    padx=(0, right_gap), **grid)

    def _create_field(self, spec) -> None:
        help_text = spec.help
        if spec.low is not None or spec.high is not None:
            help_text += f" ({_n(spec.low)} to {_n(spec.high)})"
        if spec.type is bool:
            # No label line: the switch sits on the input line, level with the input
            # beside it.
            var = ttk.BooleanVar(value=spec.default)
            widget = ttk.Checkbutton(self, text=spec.label, variable=var,
                                     bootstyle="round-toggle")
            self._place(widget, spec.name, 1, sticky="sw", pady=4)
        else:
            var = ttk.StringVar(value=str(spec.default))
            self._place(ttk.Label(self, text=spec.label), spec.name, 0, sticky="w",
                        pady=(2, 0))
            if spec.kind == "folder":   # a path and its "…" button share the line
                holder = ttk.Frame(self)
                ttk.Button(holder, text="…", width=2, bootstyle="secondary",
                           command=lambda v=var: self._choose_folder(v)).pack(
                    side="right", padx=(4, 0))
            else:
                holder = self
            if spec.choices:
                values = [str(c) for c in spec.choices]
                widget = ttk.Combobox(holder, textvariable=var, state="readonly",
                                      values=values,
                                      width=max(8, *map(len, values)))   # no value cut off
            else:
                widget = ttk.Entry(holder, textvariable=var, width=8)
            if holder is self:
                self._place(widget, spec.name, 1, sticky="ew")
            else:
                widget.pack(side="left", fill="x", expand=True)
                self._place(holder, spec.name, 1, sticky="ew")
            widget.bind("<FocusOut>", lambda _e, s=spec: self.check_one(s), add="+")
        tip(widget, help_text)
        # Wraps at the column's width, whatever the zoom and the pane's width.
        message = WrapLabel(self, text="", bootstyle="danger")
        self.vars[spec.name] = var
        self.messages[spec.name] = message
        self.inputs[spec.name] = widget

    def _show_message(self, name: str, text: str) -> None:
        """A field's message, or none: an empty message takes no room."""
        message = self.messages[name]
        message.configure(text=text)
        if text and not message.winfo_manager():
            self._place(message, name, 2, sticky="ew", pady=(0, 2))
        elif not text and message.winfo_manager():
            message.grid_forget()

    def _choose_folder(self, var) -> None:
        start = os.path.expanduser(var.get() or "~")
        chosen = filedialog.askdirectory(parent=self, initialdir=start,
                                         title="Choose a folder to scan")
        if chosen:
            var.set(chosen)

    def raw_values(self) -> dict:
        return {name: var.get() for name, var in self.vars.items()}

    def set_values(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.vars:
                self.vars[name].set(value)

    def check_one(self, spec) -> bool:
        try:
            convert(spec, self.vars[spec.name].get())
        except ParamError as exc:
            self._show_message(spec.name, exc.message)
            return False
        self._show_message(spec.name, "")
        return True

    def read(self):
        """A checked Params instance, or None with a message beside each bad field."""
        values, ok = {}, True
        for spec in self.specs:
            try:
                values[spec.name] = convert(spec, self.vars[spec.name].get())
                self._show_message(spec.name, "")
            except ParamError as exc:
                self._show_message(spec.name, exc.message)
                ok = False
        return self.params_cls(**values) if ok else None

    def errors(self) -> dict[str, str]:
        return {name: label.cget("text") for name, label in self.messages.items()
                if label.cget("text")}

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, ttk.Combobox):
                widget.configure(state="readonly" if enabled else "disabled")
            else:
                widget.configure(state="normal" if enabled else "disabled")


def _n(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def demo(parent) -> ParamsForm:
    """The parameters of a lesson, one of them out of range so its message shows."""
    from engine import catalog
    form = ParamsForm(parent, catalog.get("thread_queue").params_cls)
    form.set_values({"consumers": "0"})
    form.read()   # shows the message beside the bad field
    return form


if __name__ == "__main__":
    from .demo import run
    run(demo, "Form")
