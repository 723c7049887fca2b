"""DeOldify's run-time control, as a plain parser (no torch)."""

from __future__ import annotations

from typing import Any


def render_factor(value: Any) -> int:
    """The model sees a square of 16 x render_factor pixels: higher is sharper color, lower more robust."""
    try:
        factor = int(str(value).strip())
    except ValueError:
        raise ValueError(f"expected an integer, got {value!r}") from None
    if not 1 <= factor <= 128:
        raise ValueError(f"must be from 1 to 128 (the square is 16 x render_factor pixels), got {factor}")
    return factor


render_factor.type_name = "int, 1..128"  # type: ignore[attr-defined]
