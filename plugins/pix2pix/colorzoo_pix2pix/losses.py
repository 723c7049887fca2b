"""pix2pix's adversarial losses (``gan-bce``, ``gan-lsgan``), on the PatchGAN discriminator's logits.

They need a discriminator, which the training step owns and provides (``training.py``); the
generator's L1 term is added there too.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo_core import Batch, Loss


class GANLoss(Loss):
    """Adversarial loss on discriminator logits; ``batch["real"]`` says which side they should be on."""

    def __init__(self, mode: str = "bce") -> None:
        super().__init__()
        if mode not in ("bce", "lsgan"):
            raise ValueError(f"GAN loss mode must be bce or lsgan, got {mode!r}")
        self.mode = mode
        self.name = f"gan-{mode}"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        target = torch.full_like(output, 1.0 if bool(batch["real"]) else 0.0)
        if self.mode == "bce":
            return F.binary_cross_entropy_with_logits(output, target)
        return F.mse_loss(output, target)


class LSGANLoss(GANLoss):
    """The least-squares GAN loss (``gan-lsgan``)."""

    def __init__(self) -> None:
        super().__init__("lsgan")
