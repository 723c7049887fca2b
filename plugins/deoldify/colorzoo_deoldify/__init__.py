"""DeOldify as a colorzoo plugin.

The classes load on first use: the plugin's registration (``plugin.py``) must not import torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DeOldifyColorizer", "DeOldifyConfig"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
