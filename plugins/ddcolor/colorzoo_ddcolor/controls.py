"""DDColor's run-time control, as a plain parser (no torch)."""

from __future__ import annotations

from typing import Any


def input_size(value: Any) -> int:
    """The side of the square DDColor sees: a multiple of 32 from 64 to 2048 (the release uses 512)."""
    try:
        size = int(str(value).strip())
    except ValueError:
        raise ValueError(f"expected an integer, got {value!r}") from None
    if size % 32 or not 64 <= size <= 2048:
        raise ValueError(f"must be a multiple of 32 from 64 to 2048, got {size}")
    return size


input_size.type_name = "int, a multiple of 32"  # type: ignore[attr-defined]
