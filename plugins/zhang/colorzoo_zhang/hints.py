"""The user-hint controls of zhang-siggraph17, as plain parsers (no torch): points and hint images."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_color(text: str) -> tuple[float, float, float]:
    """``#RRGGBB`` (or ``RRGGBB``) -> sRGB in [0, 1]."""
    match = _HEX.match(text.strip())
    if not match:
        raise ValueError(f"expected a color as #RRGGBB, got {text!r}")
    value = match.group(1)
    return tuple(int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def hint_point(value: Any) -> tuple[int, int, tuple[float, float, float]]:
    """``X,Y,#RRGGBB`` (pixels of the photo, from its top-left corner), or a tuple ``(x, y, color)``."""
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
        xi, yi = int(x), int(y)
    except (TypeError, ValueError):
        raise ValueError(f"X and Y must be whole pixels, got {x!r}, {y!r}") from None
    if xi < 0 or yi < 0:
        raise ValueError(f"X and Y must be >= 0, got {xi}, {yi}")
    rgb = parse_color(color) if isinstance(color, str) else tuple(float(c) for c in color)
    if len(rgb) != 3 or not all(0.0 <= c <= 1.0 for c in rgb):
        raise ValueError(f"a hint color is #RRGGBB or three values in [0, 1], got {color!r}")
    return xi, yi, rgb  # type: ignore[return-value]


hint_point.type_name = "X,Y,#RRGGBB"  # type: ignore[attr-defined]


def hint_image(value: Any) -> Any:
    """A PNG (or any image with transparency) whose opaque pixels are the hints, in the photo's pixels."""
    from zoo_core.errors import ImageError
    from zoo_core.io.images import Photo, load_image

    if isinstance(value, Photo):
        photo = value
    else:
        try:
            photo = load_image(Path(value))
        except ImageError as exc:
            raise ValueError(str(exc)) from None
    if photo.alpha is None:
        raise ValueError(f"{photo.path}: a hint image needs transparency (its opaque pixels are the hints)")
    if not (photo.alpha > 0).any():
        raise ValueError(f"{photo.path}: the hint image has no opaque pixel")
    return photo


hint_image.type_name = "image with transparency"  # type: ignore[attr-defined]
