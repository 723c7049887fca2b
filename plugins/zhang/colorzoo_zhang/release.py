"""The authors' released checkpoints, adapted to colorzoo's models (``ModelSpec.adapter``), and our
weights in their layout (``ModelSpec.release_layout``, for the contract checks): ECCV16 and SIGGRAPH17."""

from __future__ import annotations

from typing import Any

import torch

from zoo_core import AB_SCALE, ab_bins


def eccv16_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict as the ECCV16 release stores it: the same keys, without BatchNorm counters."""
    return {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}


def eccv16(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """ECCV16 (``colorization_release_v2``): same keys as ours; its fixed 313 -> 2 projection must
    hold the bin centers in colorzoo's order, or its classes would be decoded as the wrong colors."""
    weight = state.get("model_out.weight")
    expected = (ab_bins() / AB_SCALE).T[:, :, None, None]
    if weight is not None and (weight.shape != expected.shape or not torch.allclose(weight.float(), expected,
                                                                                     atol=1e-3)):
        raise ValueError(
            "its 313 -> 2 projection (model_out) does not hold the ECCV16 bin centers in colorzoo's order"
        )
    return state


def siggraph17_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict as the SIGGRAPH17 release stores it: the same keys."""
    return dict(state)


def siggraph17(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The SIGGRAPH17 release: the same keys as ours; its input conv takes L, ab and the mask."""
    weight = state.get("model1.0.weight")
    if weight is not None and weight.shape[1] != 4:
        raise ValueError(f"model1.0.weight takes {weight.shape[1]} channels, not L + ab + mask (4)")
    return state
