"""Run-time controls: typed, validated ``KEY=VALUE`` settings a model takes per call.

A model declares its controls in its ``ModelSpec`` (temperature, palette, hints, render
factor...). ``colorzoo run MODEL -c KEY=VALUE`` and the Python API (``colorize(model, photos,
temperature=0.3)``) both go through ``parse_controls``, so a bad key or value is the same
one-line error everywhere. Controls are passed with each call, never stored on a model.

A control's type is a ``ControlType``: a parser plus the input a user interface builds for it
(a number, a checkbox, an image upload, a color picker, a click on the photo with a color), so
``colorzoo serve`` makes a form for any plugin's controls with no code of its own. The built-in
types cover numbers, text, files, images, colors and colored points (user hints); a plugin
declares its own the same way.

Importable without torch: ``colorzoo info`` lists controls without building a model.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import ColorzooError


class ControlError(ColorzooError):
    """A control that does not exist for the model, or a value it does not take."""


def finite_float(value: Any, what: str = "value") -> float:
    """``value`` as a finite float; NaN and infinities are refused (they only make black images)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an integer, got {value!r}")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    return value


def _as_path(value: Any) -> Path:
    if not isinstance(value, (str, Path)):
        raise ValueError(f"expected a file path, got {value!r}")
    path = Path(value)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    return path


_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")

RGB = tuple[float, float, float]


def parse_color(value: Any) -> RGB:
    """``#RRGGBB`` (or ``RRGGBB``, or three values in [0, 1]) -> sRGB in [0, 1]."""
    if isinstance(value, (tuple, list)) and len(value) == 3:
        rgb = tuple(finite_float(c, "a color component") for c in value)
        if not all(0.0 <= c <= 1.0 for c in rgb):
            raise ValueError(f"color components must be in [0, 1], got {value!r}")
        return rgb  # type: ignore[return-value]
    match = _HEX.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a color as #RRGGBB, got {value!r}")
    digits = match.group(1)
    return tuple(int(digits[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def parse_point_color(value: Any) -> tuple[int, int, RGB]:
    """``X,Y,#RRGGBB``: a color at pixel (X, Y) of the photo, from its top-left corner; or ``(x, y, color)``."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 3:
            raise ValueError(f"expected X,Y,#RRGGBB, got {value!r}")
        x, y, color = parts
    elif isinstance(value, (tuple, list)) and len(value) == 3:
        x, y, color = value
    else:
        raise ValueError(f"expected X,Y,#RRGGBB, got {value!r}")
    try:
        xi, yi = _as_int(x), _as_int(y)
    except ValueError:
        raise ValueError(f"X and Y must be whole pixels, got {x!r}, {y!r}") from None
    if xi < 0 or yi < 0:
        raise ValueError(f"X and Y must be >= 0, got {xi}, {yi}")
    return xi, yi, parse_color(color)


def parse_image(value: Any) -> Any:
    """An image file (a path), read as a ``Photo``; a ``Photo`` from the Python API passes as it is."""
    from .errors import ImageError
    from .io.images import Photo, load_image

    if isinstance(value, Photo):
        return value
    if not isinstance(value, (str, Path)):
        raise ValueError(f"expected an image file, got {value!r}")
    try:
        return load_image(Path(value))
    except ImageError as exc:
        raise ValueError(str(exc)) from None


#: The inputs a user interface may build for a control; ``choice`` is any control with ``choices``.
WIDGETS = ("number", "integer", "checkbox", "text", "choice", "file", "image", "color", "point-color")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ControlType:
    """What a control's values are: a name for help texts, a parser, and the input a UI builds for it.

    ``parse`` turns the text a user typed (or a Python value from the API) into the value the model
    receives, raising ``ValueError`` with a short reason. ``widget`` (one of ``WIDGETS``) tells a user
    interface what to show: a number field, a checkbox, a file or image upload, a color picker, or
    ``point-color``, a click on the photo plus a color (user hints). ``ordered`` types take
    ``minimum``/``maximum``/``step``.
    """

    name: str
    parse: Callable[[Any], Any]
    widget: str = "text"
    ordered: bool = False

    def __post_init__(self) -> None:
        if self.widget not in WIDGETS or self.widget == "choice":
            raise ValueError(f"ControlType {self.name!r}: widget must be one of {', '.join(WIDGETS[:4] + WIDGETS[5:])}")


FLOAT = ControlType(name="float", parse=finite_float, widget="number", ordered=True)
INT = ControlType(name="int", parse=_as_int, widget="integer", ordered=True)
BOOL = ControlType(name="bool", parse=_as_bool, widget="checkbox")
STR = ControlType(name="str", parse=_as_str, widget="text")
PATH = ControlType(name="path", parse=_as_path, widget="file")
IMAGE = ControlType(name="image", parse=parse_image, widget="image")
COLOR = ControlType(name="color", parse=parse_color, widget="color")
POINT_COLOR = ControlType(name="X,Y,#RRGGBB", parse=parse_point_color, widget="point-color")

#: The built-in types by the names a ``Control`` may give instead of the object.
TYPES = {"float": FLOAT, "int": INT, "bool": BOOL, "str": STR, "path": PATH, "image": IMAGE, "color": COLOR,
         "point-color": POINT_COLOR}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Control:
    """One run-time control of a model: its type, range, choices, help and parser in one declaration.

    ``type`` is a ``ControlType`` or the name of a built-in one (``float``, ``int``, ``bool``, ``str``,
    ``path``, ``image``, ``color``, ``point-color``). ``repeatable`` controls collect every value given
    (``-c hint=... -c hint=...``) into a tuple. ``sweep`` lists values ``colorzoo compare --sweep``
    measures the model at (a decoding temperature, say); ``shortcut`` makes ``--NAME VALUE`` a short
    form of ``-c NAME=VALUE`` on the commands that take controls.
    """

    name: str
    type: ControlType | str = "float"
    default: Any = None
    """Shown by ``colorzoo info``; the model applies it when the control is not given (None: the weights decide)."""
    help: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    """For ordered types: the spacing of valid values from ``minimum`` (e.g. 32 for sizes a network
    halves five times), and a UI slider's step."""
    repeatable: bool = False
    sweep: tuple[Any, ...] = ()
    shortcut: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.type, str):
            if self.type not in TYPES:
                raise ValueError(
                    f"control {self.name}: unknown type {self.type!r} (use {', '.join(TYPES)} or a ControlType)"
                )
            object.__setattr__(self, "type", TYPES[self.type])
        elif not isinstance(self.type, ControlType):
            raise TypeError(
                f"control {self.name}: type must be a ControlType or one of {', '.join(TYPES)}, got {self.type!r} "
                "(wrap a parser as ControlType(name=..., parse=..., widget=...))"
            )
        if not self.control_type.ordered and (self.minimum, self.maximum, self.step) != (None, None, None):
            raise ValueError(f"control {self.name}: minimum, maximum and step apply to ordered types only")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"control {self.name}: step must be positive")

    @property
    def control_type(self) -> ControlType:
        assert isinstance(self.type, ControlType)  # __post_init__ made it one
        return self.type

    @property
    def type_name(self) -> str:
        return self.control_type.name

    @property
    def widget(self) -> str:
        return "choice" if self.choices else self.control_type.widget

    def convert(self, value: Any) -> Any:
        """One value, checked; raises ``ControlError`` naming this control."""
        try:
            result = self.control_type.parse(value)
            if self.choices and result not in self.choices:
                raise ValueError(f"expected one of {', '.join(map(str, self.choices))}, got {value!r}")
            if self.minimum is not None and result < self.minimum:
                raise ValueError(f"must be >= {self.minimum:g}, got {value!r}")
            if self.maximum is not None and result > self.maximum:
                raise ValueError(f"must be <= {self.maximum:g}, got {value!r}")
            if self.step is not None and not _on_step(result, self.minimum or 0, self.step):
                base = f" from {self.minimum:g}" if self.minimum else ""
                raise ValueError(f"must be a multiple of {self.step:g}{base}, got {value!r}")
        except (ValueError, TypeError, OSError) as exc:
            raise ControlError(f"control {self.name}: {exc}") from None
        return result

    def range_text(self, sign: str = "<=") -> str:
        """The bounds as text, ``"1 <= value <= 128"`` (``sign``: how to print "at most"); "" without any."""
        if self.minimum is None and self.maximum is None:
            return ""
        low = "" if self.minimum is None else f"{self.minimum:g} {sign} "
        high = "" if self.maximum is None else f" {sign} {self.maximum:g}"
        return f"{low}value{high}"

    def describe(self) -> str:
        """One line for ``colorzoo info``."""
        parts = ["|".join(map(str, self.choices))] if self.choices else [self.type_name]
        if bounds := self.range_text():
            parts.append(bounds)
        if self.step is not None:
            parts.append(f"in steps of {self.step:g}")
        if self.repeatable:
            parts.append("repeatable")
        if self.default is not None:
            parts.append(f"default {self.default}")
        if self.shortcut:
            parts.append(f"also --{self.name.replace('_', '-')}")
        return f"{self.name} ({', '.join(parts)}): {self.help}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for ``info --json`` and for user interfaces building a form."""
        return {
            "name": self.name, "type": self.type_name, "widget": self.widget, "default": _plain(self.default),
            "help": self.help, "choices": [_plain(c) for c in self.choices], "minimum": self.minimum,
            "maximum": self.maximum, "step": self.step, "repeatable": self.repeatable,
            "sweep": [_plain(v) for v in self.sweep], "shortcut": self.shortcut,
        }


#: Controls every model takes, added to each spec's own by the core (``ModelSpec.controls``): how the
#: predicted chroma is scaled before it is joined with the photo's lightness, for any family alike.
SATURATION = Control(
    name="saturation", type="float", default=None, minimum=0.0, maximum=4.0, step=None,
    help="gain on the predicted colors: 0 gray, 1 as the model predicts, above 1 more saturated; default: the "
         "weights' config (1 unless tuned for them)",
)
UNIVERSAL_CONTROLS = (SATURATION,)


def _on_step(value: float, base: float, step: float) -> bool:
    ratio = (value - base) / step
    return abs(ratio - round(ratio)) < 1e-9


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def parse_assignments(items: Iterable[str], flag: str = "-c") -> list[tuple[str, str]]:
    """``KEY=VALUE`` strings -> (key, value) pairs, in order."""
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ControlError(f"{flag} {item!r}: expected KEY=VALUE")
        pairs.append((key.strip(), value))
    return pairs


def parse_controls(
    controls: Iterable[Control],
    given: Mapping[str, Any] | Iterable[tuple[str, Any]],
    model: str = "this model",
) -> dict[str, Any]:
    """Validate user controls against a model's declared ones; only the given keys come back."""
    declared = {c.name: c for c in controls}
    pairs = given.items() if isinstance(given, Mapping) else given
    values: dict[str, Any] = {}
    for key, raw in pairs:
        control = declared.get(key)
        if control is None:
            close = difflib.get_close_matches(key, declared, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            takes = f"it takes {', '.join(sorted(declared))}" if declared else "it takes no controls"
            raise ControlError(f"{model} has no control {key!r} ({takes}){hint}")
        if control.repeatable:
            items = raw if isinstance(raw, (list, tuple)) else [raw]
            values[key] = (*values.get(key, ()), *(control.convert(v) for v in items))
        else:
            if key in values:
                raise ControlError(f"control {key} given twice")
            values[key] = control.convert(raw)
    return values
