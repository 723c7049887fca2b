"""Fine-tuning DDColor: its pixel loss (L1 on ab) and its colorfulness term, with its optimizer.

The release also trains with a VGG16-BN perceptual loss and a U-Net discriminator; both need
weights colorzoo cannot get offline, so they are left out (the model card says so).
"""

from __future__ import annotations

import torch
from torch import nn

from zoo_core import Batch, Loss, TrainingStep, lab_to_rgb, target_ab


def colorfulness(rgb: torch.Tensor) -> torch.Tensor:
    """DDColor's colorfulness of RGB in [0, 1] (B, 3, H, W), per image (Hasler and Suesstrunk, |r - g| form)."""
    r, g, b = rgb.unbind(dim=1)
    rg = (r - g).abs().flatten(1)
    yb = (0.5 * (r + g) - b).abs().flatten(1)
    spread = (rg.std(dim=1).square() + yb.std(dim=1).square()).sqrt()
    mean = (rg.mean(dim=1).square() + yb.mean(dim=1).square()).sqrt()
    return spread + 0.3 * mean


class DDColorLoss(Loss):
    """``pixel_weight`` x L1 on ab (Lab units) + ``colorfulness_weight`` x sum over the batch of (1 - colorfulness)."""

    name = "ddcolor"

    def __init__(self, pixel_weight: float = 0.1, colorfulness_weight: float = 0.5) -> None:
        super().__init__()
        self.pixel_weight, self.colorfulness_weight = pixel_weight, colorfulness_weight

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        ab = output.float()
        loss = self.pixel_weight * (ab - target_ab(output, batch).float()).abs().mean()
        if self.colorfulness_weight:
            rgb = lab_to_rgb(torch.cat([batch["L"].float(), ab], dim=1))
            loss = loss + self.colorfulness_weight * (1.0 - colorfulness(rgb)).sum()
        return loss


class DDColorTrainingStep(TrainingStep):
    """AdamW (lr 1e-4, weight decay 0.01, betas 0.9/0.99), the release's generator optimizer."""

    default_lr = 1e-4

    def make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.01)
