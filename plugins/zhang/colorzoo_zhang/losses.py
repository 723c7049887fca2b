"""The classification losses of Zhang et al.: cross-entropy over the 313 ab bins."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo_core import Batch, Loss, nearest_bin, rebalance_weights, soft_encode, target_ab


def _soft_targets(output: torch.Tensor, batch: Batch) -> torch.Tensor:
    return soft_encode(target_ab(output, batch).float())


class SoftCELoss(Loss):
    """Cross-entropy against soft-encoded ground truth (5 nearest bins, sigma 5)."""

    name = "ce"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        targets = _soft_targets(output, batch)
        return -(targets * F.log_softmax(output.float(), dim=1)).sum(dim=1).mean()


class RebalancedCELoss(Loss):
    """Soft-encoded cross-entropy, each pixel weighted by the rarity of its color.

    ``prior`` is the empirical distribution (or counts) of the training data over the 313
    bins (``colorzoo priors``); rare, saturated colors get weights above 1, so the network
    stops hedging towards gray.
    """

    name = "ce-rebal"

    def __init__(self, prior: torch.Tensor | None = None, lam: float = 0.5, sigma: float | None = 5.0) -> None:
        super().__init__()
        if prior is None:
            raise ValueError("ce-rebal needs a prior over the 313 ab bins: compute one with `colorzoo priors`")
        self.register_buffer("weights", rebalance_weights(torch.as_tensor(prior), lam=lam, sigma=sigma))

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        targets = _soft_targets(output, batch)
        per_pixel = -(targets * F.log_softmax(output.float(), dim=1)).sum(dim=1)
        pixel_weights = self.weights[targets.argmax(dim=1)]
        return (per_pixel * pixel_weights).mean()


class OneHotCELoss(Loss):
    """Plain cross-entropy against the nearest bin (hard targets)."""

    name = "ce-onehot"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(output.float(), nearest_bin(target_ab(output, batch).float()))
