"""colorzoo's environment settings, read and checked in one place.

``COLORZOO_MAX_PIXELS`` (largest photo accepted, default 89,478,485 pixels) and
``COLORZOO_CONNECT_TIMEOUT`` (seconds to wait for a host, default 3). A malformed value is a
one-line error, never silently replaced by the default. (``COLORZOO_HOME``, ``COLORZOO_OFFLINE``
and ``COLORZOO_MIRROR`` are read where they are used: the cache and the downloads.)
"""

from __future__ import annotations

import math
import os

from .errors import ColorzooError

DEFAULT_MAX_PIXELS = 89_478_485
DEFAULT_CONNECT_TIMEOUT = 3.0


def max_pixels() -> int:
    """``COLORZOO_MAX_PIXELS``, else 89,478,485 (underscores and commas allowed: 100_000_000)."""
    raw = os.environ.get("COLORZOO_MAX_PIXELS", "").strip()
    if not raw:
        return DEFAULT_MAX_PIXELS
    digits = raw.replace("_", "").replace(",", "")
    if not digits.isdigit() or int(digits) == 0:
        raise ColorzooError(f"COLORZOO_MAX_PIXELS={raw!r}: expected a positive whole number of pixels")
    return int(digits)


def connect_timeout() -> float:
    """``COLORZOO_CONNECT_TIMEOUT`` in seconds (at least 0.1), else 3."""
    raw = os.environ.get("COLORZOO_CONNECT_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_CONNECT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ColorzooError(f"COLORZOO_CONNECT_TIMEOUT={raw!r}: expected a positive number of seconds")
    return max(0.1, value)


def check() -> None:
    """Every setting, checked before a command does any work."""
    max_pixels()
    connect_timeout()
