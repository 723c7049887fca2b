"""DeOldify's run-time control (plain data, no torch)."""

from __future__ import annotations

from zoo_core import Control

#: The model sees a square of RENDER_SCALE x render_factor pixels.
RENDER_SCALE = 16
RENDER_FACTORS = (1, 128)


def render_factor_control(default: int) -> Control:
    return Control(
        name="render_factor", type="int", default=default, minimum=RENDER_FACTORS[0], maximum=RENDER_FACTORS[1],
        help=f"the model sees a square of {RENDER_SCALE} x render_factor pixels: higher is sharper color, lower "
             "more robust",
    )
