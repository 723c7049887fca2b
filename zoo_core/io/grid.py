"""Side-by-side picture grids: what people look at to judge a colorizer."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .atomic import atomic_write


def image_grid(
    rows: Sequence[Sequence[np.ndarray]],
    column_titles: Sequence[str] | None = None,
    cell_height: int = 192,
    gap: int = 4,
) -> Image.Image:
    """Lay out uint8 images (H, W, 3|4) in rows; each cell is scaled to ``cell_height``.

    Cells of a column share the widest width of that column; titles go on top.
    """

    def fit(pixels: np.ndarray) -> Image.Image:
        image = Image.fromarray(pixels[..., :3] if pixels.ndim == 3 else pixels).convert("RGB")
        width = max(1, round(image.width * cell_height / image.height))
        return image.resize((width, cell_height), Image.Resampling.LANCZOS)

    cells = [[fit(p) for p in row] for row in rows]
    columns = max(len(row) for row in cells)
    widths = [max(row[c].width for row in cells if c < len(row)) for c in range(columns)]
    title_h = 22 if column_titles else 0
    canvas = Image.new(
        "RGB",
        (sum(widths) + gap * (columns + 1), title_h + len(cells) * (cell_height + gap) + gap),
        (255, 255, 255),
    )
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    x_positions = [gap + sum(widths[:c]) + gap * c for c in range(columns)]
    for c, title in enumerate(column_titles or []):
        draw.text((x_positions[c] + 2, 4), title, fill=(0, 0, 0), font=font)
    for r, row in enumerate(cells):
        y = title_h + gap + r * (cell_height + gap)
        for c, cell in enumerate(row):
            canvas.paste(cell, (x_positions[c] + (widths[c] - cell.width) // 2, y))
    return canvas


def save_grid(image: Image.Image, path: str | os.PathLike[str]) -> Path:
    return atomic_write(Path(path), lambda tmp: image.save(tmp, format="PNG"))
