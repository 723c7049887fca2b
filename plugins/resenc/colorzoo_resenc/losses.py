"""Losses of the residual-encoder colorizer.

``resenc``: frequency-reweighted L1 (rare colors weigh more, as in class rebalancing) + alpha
times a color-variance term (the prediction's per-image color variance should match the
truth's: L1 alone shrinks it) + beta times the total color variation + gamma times the palette
BCE. ``tv-color`` and ``palette-bce`` are also registered alone.
"""

from __future__ import annotations

import math

import kornia.color
import torch

from zoo_core import AB_SCALE, Batch, Loss, Output, ab_of, lab_to_rgb, nearest_bin, rebalance_weights, target_ab

from .palette import coordinates, histogram, palette_bce, palette_target


def total_variation(x: torch.Tensor) -> torch.Tensor:
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


class TVColorLoss(Loss):
    """Total variation of the predicted color channels: smooth, unblotchy color."""

    name = "tv-color"

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:
        return total_variation(ab_of(output).float() / AB_SCALE)


class PaletteBCELoss(Loss):
    """Binary cross-entropy of the palette head against the image's own coarse histogram."""

    name = "palette-bce"

    def __init__(self, space: str = "lab", bins: int = 8) -> None:
        super().__init__()
        self.space, self.bins = space, bins

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:
        lab = torch.cat([batch["L"], batch["ab"]], dim=1).float()
        target = palette_target(histogram(coordinates(lab, self.space), self.bins))
        return palette_bce(output["palette"], target)


class ResencLoss(Loss):
    name = "resenc"

    def __init__(
        self,
        prior: torch.Tensor | None = None,
        space: str = "lab",
        bins: int = 8,
        alpha: float = 0.1,
        beta: float = 0.05,
        gamma: float = 0.1,
    ) -> None:
        super().__init__()
        weights = rebalance_weights(torch.as_tensor(prior)) if prior is not None else torch.ones(313)
        self.register_buffer("weights", weights)
        self.space, self.alpha, self.beta, self.gamma = space, alpha, beta, gamma
        self.palette = PaletteBCELoss(space, bins)

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:
        true_ab = target_ab(output, batch).float()
        pixel_weight = self.weights[nearest_bin(true_ab)][:, None]
        if self.space == "lab":
            pred, true = ab_of(output).float() / AB_SCALE, true_ab / AB_SCALE
            error = (pred - true).abs()
        else:
            pred = output["hs"].float()
            rgb = lab_to_rgb(torch.cat([batch["L"].float(), true_ab], dim=1))
            hsv = kornia.color.rgb_to_hsv(rgb)
            true = torch.stack([hsv[:, 0] / (2 * math.pi), hsv[:, 1]], dim=1)
            error = (pred - true).abs()
            error = torch.cat([torch.minimum(error[:, :1], 1 - error[:, :1]), error[:, 1:]], dim=1)  # hue is circular
        reweighted_l1 = (error * pixel_weight).mean()
        variance = (pred.flatten(2).var(dim=2) - true.flatten(2).var(dim=2)).abs().mean()
        return (
            reweighted_l1
            + self.alpha * variance
            + self.beta * total_variation(pred)
            + self.gamma * self.palette(output, batch)
        )


class ResencHSVLoss(ResencLoss):
    """The resenc loss on hue and saturation (``resenc-hsv``)."""

    name = "resenc-hsv"

    def __init__(self, **options: object) -> None:
        super().__init__(space="hsv", **options)  # type: ignore[arg-type]
