"""The pix2pix training step: L1 warm-up, then alternating discriminator and generator updates."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import Batch, L1Loss, Loss, TrainContext, TrainingStep, cosine_schedule

from .model import PatchDiscriminator

LAMBDA_L1 = 100.0
PIX2PIX_LR = 2e-4
BETAS = (0.5, 0.999)


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


class Pix2PixTrainingStep(TrainingStep):
    """Two Adam optimizers (lr 2e-4, betas 0.5/0.999); the first ``warmup`` steps train the
    generator on L1 alone, then each step updates D once and G once (GAN + 100 * L1).
    It owns the discriminator the GAN losses need."""

    default_lr = PIX2PIX_LR
    provides = frozenset({"discriminator"})

    def __init__(self, model: nn.Module, loss: Loss, context: TrainContext, warmup_fraction: float = 0.25) -> None:
        self.loss = loss
        self.autocast = context.autocast
        self.gan = loss if isinstance(loss, GANLoss) else GANLoss("bce")
        self.l1 = L1Loss()
        total_steps = context.total_steps
        self.warmup = int(total_steps * warmup_fraction)
        self.discriminator = PatchDiscriminator().to(context.device, memory_format=torch.channels_last)
        self._d = context.distribute(self.discriminator)
        lr = context.lr or PIX2PIX_LR
        self.optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, betas=BETAS)
        self.optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=BETAS)
        self.scheduler = cosine_schedule(self.optimizer, total_steps)
        self.scheduler_d = cosine_schedule(self.optimizer_d, max(1, total_steps - self.warmup))

    def __call__(self, model: nn.Module, batch: Batch, step: int) -> dict[str, float]:
        lightness, ab = batch["L"], batch["ab"]
        with self.autocast():
            fake = model(lightness)
        fake = fake.float()
        logs: dict[str, float] = {}
        if step >= self.warmup:
            self.optimizer_d.zero_grad(set_to_none=True)
            with self.autocast():
                d_fake = self._d(lightness, fake.detach()).float()
                d_real = self._d(lightness, ab).float()
            loss_d = 0.5 * (self.gan(d_fake, {"real": False}) + self.gan(d_real, {"real": True}))
            loss_d.backward()
            self.optimizer_d.step()
            self.scheduler_d.step()
            logs["loss_d"] = loss_d.item()

        self.optimizer.zero_grad(set_to_none=True)
        loss_l1 = self.l1(fake, batch)
        loss = LAMBDA_L1 * loss_l1
        if step >= self.warmup:
            with self.autocast():
                d_fake = self._d(lightness, fake).float()
            loss_gan = self.gan(d_fake, {"real": True})
            loss = loss + loss_gan
            logs["loss_gan"] = loss_gan.item()
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        return {"loss": loss.item(), "loss_l1": loss_l1.item(), **logs}

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "optimizer_d": self.optimizer_d.state_dict(),
            "scheduler_d": self.scheduler_d.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.discriminator.load_state_dict(state["discriminator"])
        self.optimizer_d.load_state_dict(state["optimizer_d"])
        self.scheduler_d.load_state_dict(state["scheduler_d"])

    @torch.no_grad()
    def eval_loss(self, model: nn.Module, batch: Batch) -> float:
        with self.autocast():
            fake = model(batch["L"])
        return (LAMBDA_L1 * self.l1(fake.float(), batch)).item()
