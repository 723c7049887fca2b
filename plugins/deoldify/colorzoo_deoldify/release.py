"""The author's released DeOldify generators (``ModelSpec.adapter``) and our weights in their layout
(``ModelSpec.release_layout``, for the contract checks)."""

from __future__ import annotations

from typing import Any

import torch


def adapt_release(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The released generators use our keys. Files saved by torch <= 1.0 keep a spectral-normed conv's
    normalized ``weight`` and no ``weight_v``: use that weight with u, v that make sigma exactly 1."""
    state = dict(state)
    for key in [k for k in state if k.endswith(".weight_u")]:
        base = key[: -len("weight_u")]
        if base + "weight_v" in state or base + "weight" not in state:
            continue
        weight = state.pop(base + "weight").float()
        matrix = weight.reshape(weight.shape[0], -1)
        u = state[key].float()
        wtu = matrix.t() @ u
        state[base + "weight_orig"] = weight
        state[base + "weight_v"] = wtu / wtu.dot(wtu)  # u . (W v) = 1
    return state


def release_layout(state: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Our state dict as fastai saved the generators: ``{"model": state_dict}``."""
    return {"model": dict(state)}
