"""The losses of the Zhang family: cross-entropy over the 313 ab bins (ECCV16 and its variants), and
SIGGRAPH17's L1 on ab plus the cross-entropy of its 529-way class head."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo_core import AB_SCALE, Batch, Loss, nearest_bin, rebalance_weights, soft_encode, target_ab

from .siggraph import CLASS_GRID


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


def ab_classes(ab: torch.Tensor) -> torch.Tensor:
    """The 529-way class (23 x 23 grid over -110..110, a-major) of each ab value: (B, 2, H, W) -> (B, H, W)."""
    index = ((ab.clamp(-110, 110) + 110) / 10).round().long()
    return index[:, 0] * CLASS_GRID + index[:, 1]


class SiggraphLoss(Loss):
    """10 x L1 of the ab regression (summed over a and b, in ab / 110 units) + cross-entropy of the
    529-way class head at 1/4 resolution, as colorization-pytorch trains the network."""

    name = "siggraph"

    def __init__(self, l1_weight: float = 10.0, class_weight: float = 1.0) -> None:
        super().__init__()
        self.l1_weight, self.class_weight = l1_weight, class_weight

    def forward(self, output: torch.Tensor | dict[str, torch.Tensor], batch: Batch) -> torch.Tensor:
        ab = output["ab"] if isinstance(output, dict) else output
        truth = target_ab(ab, batch).float()
        loss = self.l1_weight * (ab.float() - truth).abs().sum(dim=1).mean() / AB_SCALE
        if isinstance(output, dict) and "classes" in output and self.class_weight:
            classes = output["classes"]
            sampled = batch["ab"][:, :, ::4, ::4][..., : classes.shape[-2], : classes.shape[-1]]
            loss = loss + self.class_weight * F.cross_entropy(classes.float(), ab_classes(sampled.float()))
        return loss
