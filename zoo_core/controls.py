"""Run-time controls: typed, validated ``KEY=VALUE`` settings a model takes per call.

A model declares its controls in its ``ModelSpec`` (temperature, palette, hints, render
factor...). ``colorzoo run MODEL -c KEY=VALUE`` and the Python API (``colorize(model, photos,
temperature=0.3)``) both go through ``parse_controls``, so a bad key or value is the same
one-line error everywhere. Controls are passed with each call, never stored on a model.

Importable without torch: ``colorzoo info`` lists controls without building a model.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
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


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "float": lambda v: finite_float(v),
    "int": _as_int,
    "bool": _as_bool,
    "str": _as_str,
    "path": _as_path,
}


@dataclasses.dataclass(frozen=True)
class Control:
    """One run-time control of a model.

    ``type`` is ``float``, ``int``, ``bool``, ``str``, ``path`` (an existing file), or a
    callable that turns the text (or a Python value) into the value and raises ``ValueError``
    with a short reason. ``repeatable`` controls collect every value given (``-c hint=... -c
    hint=...``) into a tuple.
    """

    name: str
    type: str | Callable[[Any], Any] = "float"
    default: Any = None
    """Shown by ``colorzoo info``; the model applies it when the control is not given."""
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    repeatable: bool = False

    @property
    def type_name(self) -> str:
        if isinstance(self.type, str):
            return self.type
        return getattr(self.type, "type_name", getattr(self.type, "__name__", "value"))

    def convert(self, value: Any) -> Any:
        """One value, checked; raises ``ControlError`` naming this control."""
        try:
            converter = _CONVERTERS[self.type] if isinstance(self.type, str) else self.type
            result = converter(value)
            if self.choices and result not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}, got {value!r}")
            if self.minimum is not None and result < self.minimum:
                raise ValueError(f"must be >= {self.minimum:g}, got {value!r}")
            if self.maximum is not None and result > self.maximum:
                raise ValueError(f"must be <= {self.maximum:g}, got {value!r}")
        except (ValueError, TypeError, OSError) as exc:
            raise ControlError(f"control {self.name}: {exc}") from None
        return result

    def describe(self) -> str:
        """One line for ``colorzoo info``."""
        parts = [self.type_name]
        if self.choices:
            parts = ["|".join(self.choices)]
        if self.minimum is not None or self.maximum is not None:
            low = "" if self.minimum is None else f"{self.minimum:g} <= "
            high = "" if self.maximum is None else f" <= {self.maximum:g}"
            parts.append(f"{low}value{high}")
        if self.repeatable:
            parts.append("repeatable")
        if self.default is not None:
            parts.append(f"default {self.default}")
        return f"{self.name} ({', '.join(parts)}): {self.help}"


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
