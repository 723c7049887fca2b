"""A tiny third-party colorizer: three convolutions regressing ab at full resolution."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from zoo_core import Colorizer, ColorizerConfig, ModelSpec, hookimpl


@dataclasses.dataclass
class TinyConfig(ColorizerConfig):
    input_size: int = 64
    hidden: int = 8


class TinyColorizer(Colorizer):
    config_class = TinyConfig

    def __init__(self, config: TinyConfig) -> None:
        super().__init__(config)
        self.net = nn.Sequential(
            nn.Conv2d(1, config.hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(config.hidden, config.hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(config.hidden, 2, 1),
        )

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        return 100.0 * torch.tanh(self.net(lightness / 100.0))


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(
        ModelSpec(
            "example-tiny", TinyColorizer, {"hidden": 8}, "a 3-layer example", num_parameters=682, input_size=64,
            default_loss="mse",
        )
    )
