"""The authors' DDColor checkpoints (``ModelSpec.adapter``) and our weights in their layout
(``ModelSpec.release_layout``, for the contract checks)."""

from __future__ import annotations

from typing import Any

import torch


def adapt_release(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The releases use our names; the ModelScope file still carries a classifier head (dropped)."""
    return {k: v for k, v in state.items() if not k.startswith("encoder.arch.head_cls.")}


def release_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict as the Hub repos store it (``pytorch_model.bin``: a bare state dict)."""
    return dict(state)
