"""The palette controls, as plain data (no torch): the named colors and the reference photo."""

from __future__ import annotations

from typing import Any

from zoo_core import Control, ControlType, parse_image

#: Named colors users can push a palette towards, as sRGB.
NAMED_COLORS = {
    "red": (0.85, 0.1, 0.1),
    "orange": (0.95, 0.55, 0.1),
    "yellow": (0.95, 0.85, 0.15),
    "green": (0.15, 0.65, 0.2),
    "cyan": (0.1, 0.75, 0.8),
    "blue": (0.15, 0.3, 0.85),
    "purple": (0.55, 0.2, 0.7),
    "pink": (0.95, 0.5, 0.7),
    "brown": (0.55, 0.35, 0.2),
}


def reference_photo(value: Any) -> Any:
    """``palette_from``: a color photo (a path, or a ``Photo`` from the Python API) whose palette is used."""
    photo = parse_image(value)
    if photo.rgb.shape[2] == 1:
        raise ValueError(f"{photo.path}: a gray reference has no palette to give")
    return photo


COLOR_PHOTO = ControlType(name="color photo", parse=reference_photo, widget="image")

PALETTE_CONTROLS = (
    Control(name="palette_shift", type="str", choices=tuple(NAMED_COLORS),
            help="push the predicted palette towards a named color"),
    Control(name="palette_from", type=COLOR_PHOTO, help="use the palette of this reference color photo"),
)
