"""Registers resenc-palette (Lab), resenc-palette-hsv and their losses."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from zoo_core import LossSpec, ModelSpec, hookimpl

from .losses import PaletteBCELoss, ResencLoss, TVColorLoss
from .model import ResencColorizer, ResencConfig

_HERE = Path(__file__).resolve().parent


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for name, space in (("resenc-palette", "lab"), ("resenc-palette-hsv", "hsv")):
        register(
            ModelSpec(
                name=name,
                model_class=ResencColorizer,
                config=ResencConfig(space=space),
                description=f"VGG-16 residual encoder with an editable palette ({space.upper()})",
                default_loss="resenc" if space == "lab" else "resenc-hsv",
                card=_HERE / "model_cards" / "resenc-palette.md",
                bundled_weights=_HERE / "weights" / name,
            )
        )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("resenc", ResencLoss, "reweighted L1 + color variance + TV + palette BCE (Lab)"))
    register(LossSpec("resenc-hsv", partial(ResencLoss, space="hsv"), "the resenc loss on hue and saturation"))
    register(LossSpec("tv-color", TVColorLoss, "total variation of the predicted color"))
    register(LossSpec("palette-bce", PaletteBCELoss, "binary cross-entropy of the palette head"))
