"""Deep Koalarization's losses on tanh-scaled ab."""

from __future__ import annotations

import torch

from zoo_core import AB_SCALE, Batch, Loss, target_ab


class MSLELoss(Loss):
    """Mean squared logarithmic error, on ab / 110 shifted from [-1, 1] to [0, 2]."""

    name = "msle"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        pred = (output.float() / AB_SCALE + 1).clamp_min(0)
        true = (target_ab(output, batch).float() / AB_SCALE + 1).clamp_min(0)
        return (torch.log1p(pred) - torch.log1p(true)).square().mean()
