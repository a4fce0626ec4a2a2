"""A form built from a lesson's Params dataclass; refuses bad values next to the field."""

from __future__ import annotations

import os
from tkinter import filedialog

import ttkbootstrap as ttk

from engine.params import ParamError, convert, specs

from .wraplabel import WrapLabel


class ParamsForm(ttk.Frame):
    def __init__(self, master, params_cls: type, **kw):
        super().__init__(master, **kw)
        self.params_cls = params_cls
        self.specs = specs(params_cls)
        self.vars: dict[str, ttk.Variable] = {}
        self.messages: dict[str, ttk.Label] = {}
        self.inputs: dict[str, object] = {}
        self.columnconfigure(1, weight=1)
        for row, spec in enumerate(self.specs):
            self._create_field(row, spec)

    def _create_field(self, row: int, spec) -> None:
        tip = spec.help
        if spec.low is not None or spec.high is not None:
            tip += f" ({_n(spec.low)} to {_n(spec.high)})"
        if spec.type is bool:
            var = ttk.BooleanVar(value=spec.default)
            widget = ttk.Checkbutton(self, text=spec.label, variable=var,
                                     bootstyle="round-toggle")
            widget.grid(row=2 * row, column=0, columnspan=3, sticky="w", pady=2)
        else:
            var = ttk.StringVar(value=str(spec.default))
            ttk.Label(self, text=spec.label).grid(row=2 * row, column=0, sticky="w",
                                                  padx=(0, 6), pady=2)
            if spec.choices:
                widget = ttk.Combobox(self, textvariable=var, state="readonly", width=12,
                                      values=[str(c) for c in spec.choices])
            else:
                widget = ttk.Entry(self, textvariable=var, width=14)
            widget.grid(row=2 * row, column=1, sticky="ew", pady=2)
            if spec.kind == "folder":
                ttk.Button(self, text="…", width=2, bootstyle="secondary",
                           command=lambda v=var: self._choose_folder(v)).grid(
                    row=2 * row, column=2, padx=(4, 0))
            widget.bind("<FocusOut>", lambda _e, s=spec: self.check_one(s), add="+")
        ttk.ToolTip(widget, text=tip)
        message = WrapLabel(self, text="", bootstyle="danger")   # the form's full width
        message.grid(row=2 * row + 1, column=0, columnspan=3, sticky="ew")
        self.vars[spec.name] = var
        self.messages[spec.name] = message
        self.inputs[spec.name] = widget

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
            self.messages[spec.name].configure(text=exc.message)
            return False
        self.messages[spec.name].configure(text="")
        return True

    def read(self):
        """A checked Params instance, or None with a message beside each bad field."""
        values, ok = {}, True
        for spec in self.specs:
            try:
                values[spec.name] = convert(spec, self.vars[spec.name].get())
                self.messages[spec.name].configure(text="")
            except ParamError as exc:
                self.messages[spec.name].configure(text=exc.message)
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
