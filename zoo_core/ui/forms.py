"""A model's controls as page inputs, from its declared ``Control``s alone.

``control.widget`` says what to build: a number field (a slider where the range is closed and
a default is given), an integer, a checkbox, a text field, a choice, a file or image upload, a
color picker. ``point-color`` controls (user hints) are placed by clicking on the photo
(``hints.py``), not typed. No model or control is named here: a plugin's controls appear as
they are declared. Values go back through ``parse_controls``, the same check as ``colorzoo run
-c``, so a bad value is the same one-line error in the page.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import gradio as gr

from ..controls import Control, parse_color
from ..spec import ModelSpec

#: Controls given by clicking on the photo rather than in the form.
CLICKED = ("point-color",)
#: What an empty choice (or a three-way checkbox) reads as: not given, the model decides.
UNSET = ""
UNSET_LABEL = "(model default)"


@dataclasses.dataclass(frozen=True)
class Field:
    """One control of one model and the input that sets it."""

    model: str
    control: Control
    component: gr.components.Component


def _info(control: Control) -> str:
    parts = [control.help] if control.help else []
    if bounds := control.range_text("\u2264"):
        parts.append(bounds)
    if control.step is not None:
        parts.append(f"in steps of {control.step:g}")
    if control.repeatable and control.widget not in ("file", "image"):
        parts.append("one value per line" if control.widget != "choice" else "pick any number")
    if control.default is None and control.widget not in ("checkbox",):
        parts.append("empty: the model's default")
    return "; ".join(parts)


def _hex(value: Any) -> str | None:
    if value is None:
        return None
    try:
        rgb = parse_color(value)
    except ValueError:
        return None
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _make(kind: type[gr.components.Component], **options: Any) -> gr.components.Component:
    """``kind(**options)``; where ``kind`` shows no help line of its own, the help goes in a line above it."""
    if "info" not in inspect.signature(kind.__init__).parameters:
        info = options.pop("info", "")
        if info:
            gr.Markdown(f"**{options['label']}**: {info}", elem_classes=["control-info"])
    return kind(**options)


def build(control: Control, model: str) -> gr.components.Component | None:
    """The input for one control (rendered in the current layout), or None for clicked ones."""
    widget = control.widget
    if widget in CLICKED:
        return None
    common: dict[str, Any] = {"label": control.name, "info": _info(control),
                              "elem_id": f"control-{model}-{control.name}", "elem_classes": ["control"]}
    default = control.default
    if control.repeatable and widget == "choice":
        return _make(gr.Dropdown, choices=[str(c) for c in control.choices], value=[], multiselect=True, **common)
    if control.repeatable and widget in ("file", "image"):
        return _make(gr.File, file_count="multiple", type="filepath", **common)
    if control.repeatable:
        return _make(gr.Textbox, value="", lines=2, **common)
    if widget == "choice":
        options = [(str(c), str(c)) for c in control.choices]
        if default is None:
            options.insert(0, (UNSET_LABEL, UNSET))
        return _make(gr.Dropdown, choices=options, value=UNSET if default is None else str(default), **common)
    if widget in ("number", "integer"):
        integer = widget == "integer"
        step = control.step or (1 if integer else 0.01)
        if default is not None and control.minimum is not None and control.maximum is not None:
            return _make(gr.Slider, minimum=control.minimum, maximum=control.maximum, step=step, value=default,
                         **common)
        if default is None:  # gradio's number field cannot be empty (it shows and sends 0): a text field can
            return _make(gr.Textbox, value="", placeholder=UNSET_LABEL, **common)
        return _make(gr.Number, value=default, minimum=control.minimum, maximum=control.maximum, step=step,
                     precision=0 if integer else None, **common)
    if widget == "checkbox":
        if isinstance(default, bool):
            common.pop("info")
            return _make(gr.Checkbox, value=default, info=control.help or None, **common)
        return _make(gr.Radio, choices=[(UNSET_LABEL, UNSET), ("on", "true"), ("off", "false")], value=UNSET, **common)
    if widget == "color":
        return _make(gr.ColorPicker, value=_hex(default), **common)
    if widget == "file":
        return _make(gr.File, type="filepath", **common)
    if widget == "image":
        # image_mode=None: the file as uploaded reaches the control's parser (alpha, 16-bit kept)
        return _make(gr.Image, type="filepath", image_mode=None, sources=["upload", "clipboard"], format="png",
                     height=180, **common)
    return _make(gr.Textbox, value="" if default is None else str(default), **common)


def build_form(spec: ModelSpec) -> list[Field]:
    """Inputs for every typed control of ``spec``, in declaration order (in the current layout)."""
    fields = []
    for control in spec.controls:
        component = build(control, spec.name)
        if component is not None:
            fields.append(Field(spec.name, control, component))
    return fields


def is_unset(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple)) and not value)


def given(field: Field, value: Any) -> list[tuple[str, Any]]:
    """(control, value) pairs for ``parse_controls``; nothing when the input is left at "model default"."""
    name = field.control.name
    if is_unset(value):
        return []
    if field.control.repeatable:
        if isinstance(value, str):
            items: list[Any] = [line.strip() for line in value.splitlines() if line.strip()]
        else:
            items = [v for v in value if not is_unset(v)]
        return [(name, item) for item in items]
    if field.control.widget == "color" and isinstance(value, str):
        from .hints import normalize_color

        try:
            value = normalize_color(value)
        except ValueError:
            pass  # parse_controls says what is wrong, naming the control
    return [(name, value)]
