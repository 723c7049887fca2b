"""A tiny third-party colorizer: three convolutions regressing ab at full resolution."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from zoo_core import Colorizer, ColorizerConfig


@dataclasses.dataclass
class TinyConfig(ColorizerConfig):
    input_size: int = 64
    hidden: int = 8

    def validate(self) -> None:
        super().validate()
        if self.hidden < 1:
            raise ValueError(f"hidden must be positive, got {self.hidden}")


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
