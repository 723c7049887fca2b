"""The palette controls, as plain data (no torch): the named colors and the reference photo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    from zoo_core.errors import ImageError
    from zoo_core.io.images import Photo, load_image

    if isinstance(value, Photo):
        photo = value
    else:
        try:
            photo = load_image(Path(value))
        except ImageError as exc:
            raise ValueError(str(exc)) from None
    if photo.rgb.shape[2] == 1:
        raise ValueError(f"{photo.path}: a gray reference has no palette to give")
    return photo


reference_photo.type_name = "color photo"  # type: ignore[attr-defined]
