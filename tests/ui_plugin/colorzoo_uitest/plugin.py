"""Registers uitest-tint: declarations only (no torch), one control of every widget kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo_core import Control, ModelSpec, ReleaseFile, WeightSet, hookimpl

CONTROLS = (
    Control(name="tint", type="color", help="the color to paint the photo with"),
    Control(name="strength", type="float", default=1.0, minimum=0.0, maximum=1.0, help="how much of the tint"),
    Control(name="gain", type="float", minimum=0.0, help="multiplies the chroma (empty: 1)"),
    Control(name="steps", type="int", default=3, minimum=1, help="an integer the status line shows"),
    Control(name="invert", type="bool", default=False, help="paint the opposite color"),
    Control(name="note", type="str", help="free text the status line shows"),
    Control(name="region", type="str", choices=("all", "left"), help="where to paint (empty: all)"),
    Control(name="reference", type="image", help="paint with this photo's mean color"),
    Control(name="mark", type="point-color", repeatable=True, help="a colored square at X,Y"),
)


@hookimpl
def register_colorizers(register: Callable[[Any], None]) -> None:
    register(
        ModelSpec(
            name="uitest-tint",
            architecture="colorzoo_uitest.model:TintColorizer",
            description="paints the photo with the color its controls give (a test plugin)",
            num_parameters=4,
            input_size=32,
            output="ab",
            default_loss="mse",
            weights=(
                WeightSet(tag="plain", sources=(ReleaseFile(url="https://example.invalid/uitest.pth", sha256=None),),
                          license="MIT", description="the one set (the tests put it in the cache)"),
            ),
            controls=CONTROLS,
        )
    )
