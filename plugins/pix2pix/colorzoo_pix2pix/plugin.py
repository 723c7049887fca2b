"""Registers pix2pix-resnet18, the GAN losses and the pix2pix training step."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from zoo_core import LossSpec, ModelSpec, hookimpl

from .model import Pix2PixColorizer, Pix2PixConfig
from .training import GANLoss, Pix2PixTrainingStep

_HERE = Path(__file__).resolve().parent


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(
        ModelSpec(
            name="pix2pix-resnet18",
            model_class=Pix2PixColorizer,
            config=Pix2PixConfig(),
            description="pix2pix cGAN: ResNet-18 U-Net generator, 70x70 PatchGAN, L1 + GAN",
            default_loss="gan-bce",
            card=_HERE / "model_cards" / "pix2pix-resnet18.md",
            bundled_weights=_HERE / "weights" / "pix2pix-resnet18",
        )
    )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("gan-bce", partial(GANLoss, "bce"), "vanilla GAN loss (BCE on discriminator logits)"))
    register(LossSpec("gan-lsgan", partial(GANLoss, "lsgan"), "least-squares GAN loss"))


@hookimpl
def training_step(spec, model, loss, lr, total_steps, autocast):  # type: ignore[no-untyped-def]
    if spec.model_class is Pix2PixColorizer:
        return Pix2PixTrainingStep(model, loss, lr, total_steps, autocast)
    return None
