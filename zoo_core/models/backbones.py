"""Backbones from timm, for plugins: ``pretrained=False`` always works; pretrained weights
come from timm's hub and, when they cannot be had (offline), fail with a clear message."""

from __future__ import annotations

from typing import Any

from torch import nn

from ..errors import ColorzooError


def create_backbone(name: str, pretrained: bool = False, **kwargs: Any) -> nn.Module:
    """``timm.create_model(name, pretrained=..., **kwargs)`` with a one-line error offline."""
    try:
        import timm
    except ImportError as exc:  # plugins depend on timm; a broken install still gets a clear word
        raise ColorzooError(f"backbone {name} needs timm: pip install timm ({exc})") from None
    try:
        return timm.create_model(name, pretrained=pretrained, **kwargs)
    except (OSError, RuntimeError, ValueError) as exc:
        if not pretrained:
            raise
        raise ColorzooError(
            f"cannot load pretrained {name} weights from timm's hub (offline or unreachable: "
            f"{type(exc).__name__}); use pretrained_backbone=False, or download them once with network access"
        ) from None
