"""Registers the Deep Koalarization models and the MSLE loss."""

from __future__ import annotations

from pathlib import Path

from zoo_core import LossSpec, ModelSpec, hookimpl

from .losses import MSLELoss
from .model import KoalaColorizer, KoalaConfig

_HERE = Path(__file__).resolve().parent

_MODELS = {
    "koala-inception-mse": ("inception_resnet_v2", "mse", "Inception-ResNet-v2 embedding, MSE (the paper)"),
    "koala-inception-msle": ("inception_resnet_v2", "msle", "Inception-ResNet-v2 embedding, MSLE"),
    "koala-seresnet-msle": ("seresnet152d", "msle", "SE-ResNet-152d embedding, MSLE"),
    "koala-effb7-msle": ("efficientnet_b7", "msle", "EfficientNet-B7 embedding, MSLE"),
}


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for name, (extractor, loss, description) in _MODELS.items():
        register(
            ModelSpec(
                name=name,
                model_class=KoalaColorizer,
                config=KoalaConfig(extractor=extractor),
                description=f"Deep Koalarization: {description}",
                default_loss=loss,
                card=_HERE / "model_cards" / "deep-koalarization.md",
                bundled_weights=_HERE / "weights" / name,
            )
        )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("msle", MSLELoss, "mean squared logarithmic error on ab shifted to [0, 2]"))
