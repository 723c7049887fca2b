"""A colorizer that paints: ab from its controls, not from the photo (so a test can tell they arrived)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from zoo_core import Colorizer, ColorizerConfig
from zoo_core.color.lab import rgb_to_lab


@dataclasses.dataclass
class TintConfig(ColorizerConfig):
    input_size: int = 32


def _ab(rgb: Sequence[float]) -> torch.Tensor:
    return rgb_to_lab(torch.tensor(list(rgb), dtype=torch.float32).view(1, 3, 1, 1))[0, 1:, 0, 0]


class TintColorizer(Colorizer):
    config_class = TintConfig

    def __init__(self, config: TintConfig) -> None:
        super().__init__(config)
        self.net = nn.Conv2d(1, 2, 1)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        return self.net(lightness) * 0.0

    def predict(
        self, lightness: torch.Tensor, controls: Any = None, sizes: Sequence[tuple[int, int]] = ()
    ) -> torch.Tensor:
        controls = controls or {}
        ab = self(lightness)
        batch, _, height, width = ab.shape
        color = controls.get("tint")
        reference = controls.get("reference")
        if reference is not None:
            color = reference.rgb.reshape(-1, reference.rgb.shape[-1]).mean(axis=0).tolist()
        if color is not None:
            chroma = _ab(color).to(ab) * controls.get("strength", 1.0) * controls.get("gain", 1.0)
            if controls.get("invert", False):
                chroma = -chroma
            right = width // 2 if controls.get("region") == "left" else width
            ab[:, :, :, :right] = chroma.view(1, 2, 1, 1)
        for i in range(batch):
            original = sizes[i] if i < len(sizes) else (height, width)
            for x, y, rgb in controls.get("mark", ()):
                row, col = y * height // original[0], x * width // original[1]
                ab[i, :, max(0, row - 2) : row + 3, max(0, col - 2) : col + 3] = _ab(rgb).to(ab).view(2, 1, 1)
        return ab
