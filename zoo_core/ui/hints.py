"""User hints placed by clicking on the photo: a colored point per click, listed, moved, removed.

Any control whose widget is ``point-color`` (a color at pixel X,Y: ``X,Y,#RRGGBB``) takes its
values from here, so a plugin's hint control works in the page with no code of its own. Points
are kept in the photo's own pixels; the page shows a preview whose long side is ``PREVIEW_SIDE``
(a 12-megapixel photo need not travel, a small one is enlarged to be clicked on), so a click is
scaled back from the preview to the photo.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..controls import Control, parse_color

#: The longest side of the photo the page shows for clicking (a 12-megapixel photo need not travel).
PREVIEW_SIDE = 768
#: Small photos are enlarged at most this much for clicking.
MAX_ENLARGE = 4.0


@dataclasses.dataclass(frozen=True)
class Hint:
    x: int
    y: int
    color: str
    """``#rrggbb``."""

    @property
    def value(self) -> str:
        """The control's value, ``X,Y,#RRGGBB``."""
        return f"{self.x},{self.y},{self.color}"


def normalize_color(color: str) -> str:
    """Any color the page's picker gives (``#RGB``, ``#RRGGBB``, ``rgb(r, g, b)``, ``rgba(...)``) as ``#rrggbb``."""
    text = (color or "").strip().lower()
    if text.startswith("rgb"):
        inside = text[text.index("(") + 1 : text.rindex(")")] if "(" in text and ")" in text else ""
        parts = [p.strip() for p in inside.split(",")][:3]
        try:
            rgb = [max(0, min(255, round(float(p)))) for p in parts]
        except ValueError:
            rgb = []
        if len(rgb) != 3:
            raise ValueError(f"expected a color as #RRGGBB, got {color!r}")
        return "#" + "".join(f"{c:02x}" for c in rgb)
    if len(text) == 4 and text.startswith("#"):
        text = "#" + "".join(c * 2 for c in text[1:])
    r, g, b = parse_color(text)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


def preview_scale(width: int, height: int) -> float:
    """Preview pixels per photo pixel: the long side at ``PREVIEW_SIDE`` (small photos enlarged up to 4x)."""
    return min(MAX_ENLARGE, PREVIEW_SIDE / max(width, height))


def to_photo(point: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """A click on preview pixel (x, y) -> the photo pixel under that pixel's center (clamped to the photo)."""
    scale = preview_scale(width, height)
    x = min(width - 1, max(0, math.floor((point[0] + 0.5) / scale)))
    y = min(height - 1, max(0, math.floor((point[1] + 0.5) / scale)))
    return x, y


def add(hints: list[Hint], control: Control, hint: Hint) -> list[Hint]:
    """A new hint; a control that takes one point (not repeatable) keeps only the newest."""
    return [*hints, hint] if control.repeatable else [hint]


def move(hints: list[Hint], index: int, x: int, y: int) -> list[Hint]:
    return [dataclasses.replace(h, x=x, y=y) if i == index else h for i, h in enumerate(hints)]


def recolor(hints: list[Hint], index: int, color: str) -> list[Hint]:
    return [dataclasses.replace(h, color=color) if i == index else h for i, h in enumerate(hints)]


def remove(hints: list[Hint], index: int) -> list[Hint]:
    return [h for i, h in enumerate(hints) if i != index]


def describe(index: int, hint: Hint) -> str:
    """How the list shows a hint: its number (as on the photo), pixel and color."""
    return f"{index + 1}: x {hint.x}, y {hint.y}, {hint.color}"


def draw(rgb: np.ndarray, hints: list[Hint], selected: int | None = None) -> Image.Image:
    """The photo (uint8 (H, W, 1|3)) at preview size, each hint a numbered dot of its color."""
    height, width = rgb.shape[:2]
    image = Image.fromarray(rgb[..., 0] if rgb.shape[2] == 1 else rgb[..., :3]).convert("RGB")
    scale = preview_scale(width, height)
    if scale != 1.0:
        resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.NEAREST  # enlarged: pixels stay pixels
        image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), resample)
    pen = ImageDraw.Draw(image)
    radius = max(5, round(max(image.size) / 80))
    font = ImageFont.load_default(size=max(12, 3 * radius))
    for index, hint in enumerate(hints):
        cx, cy = (hint.x + 0.5) * scale, (hint.y + 0.5) * scale
        outline = "#ffff00" if index == selected else "#ffffff"
        pen.ellipse((cx - radius - 2, cy - radius - 2, cx + radius + 2, cy + radius + 2), fill="#000000")
        pen.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=hint.color, outline=outline,
                    width=2 if index == selected else 1)
        pen.text((cx + radius + 3, cy - 1.5 * radius - 2), str(index + 1), fill=outline, font=font, stroke_width=2,
                 stroke_fill="#000000")
    return image
