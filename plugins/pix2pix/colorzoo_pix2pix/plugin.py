"""Registers pix2pix-resnet18 and the GAN losses (declarations only: no torch imported here)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl

_HERE = Path(__file__).resolve().parent


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(
        ModelSpec(
            name="pix2pix-resnet18",
            architecture="colorzoo_pix2pix.model:Pix2PixColorizer",
            description="pix2pix cGAN: ResNet-18 U-Net generator, 70x70 PatchGAN, L1 + GAN",
            num_parameters=14_407_298,
            output="ab",
            default_loss="gan-bce",
            losses=("gan-lsgan",),
            training_step="colorzoo_pix2pix.training:Pix2PixTrainingStep",
            size_multiple=32,
            weights=(WeightSet("compact", (Bundled(_HERE / "weights" / "pix2pix-resnet18"),), license="MIT"),),
            card=_HERE / "model_cards" / "pix2pix-resnet18.md",
        )
    )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    needs = ("discriminator",)
    register(LossSpec("gan-bce", "colorzoo_pix2pix.training:GANLoss", "vanilla GAN loss (BCE on discriminator "
                      "logits) + 100 x L1", needs=needs))  # fmt: skip
    register(LossSpec("gan-lsgan", "colorzoo_pix2pix.training:LSGANLoss", "least-squares GAN loss + 100 x L1",
                      needs=needs))  # fmt: skip
