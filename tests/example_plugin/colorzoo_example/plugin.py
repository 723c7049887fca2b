"""Registers example-tiny (declarations only: no torch here, so `colorzoo list` stays fast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo_core import ModelSpec, hookimpl

MODELS = (
    ModelSpec(
        name="example-tiny",
        architecture="colorzoo_example.model:TinyColorizer",
        config={"hidden": 8},
        description="a 3-layer example",
        num_parameters=682,
        output="ab",
        default_loss="mse",
        no_weights="an example: make its first weights with `colorzoo train example-tiny`",
        input_size=64,
    ),
)


@hookimpl
def register_colorizers(register: Callable[[Any], None]) -> None:
    for spec in MODELS:
        register(spec)
