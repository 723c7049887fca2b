"""Small colorizers and clips for the video tests (importable by the tests' subprocesses too).

``ToyColorizer`` predicts a color that the test can foresee: each frame's mean lightness picks
the hue of the whole frame (bright shots red, dark shots green), and ``flicker`` adds a random
global shift per frame, the flicker of a real image colorizer made large and certain.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from zoo_core.models.colorizer import Colorizer, ColorizerConfig


@dataclasses.dataclass
class ToyConfig(ColorizerConfig):
    model: str = "toy"
    input_size: int = 32
    flicker: float = 0.0


class ToyColorizer(Colorizer):
    config_class = ToyConfig

    def __init__(self, config: ToyConfig | None = None) -> None:
        super().__init__(config or ToyConfig())
        self.gain = nn.Parameter(torch.ones(()))
        self.noise = torch.Generator().manual_seed(0)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        mean = lightness.mean(dim=(1, 2, 3), keepdim=True)
        a = torch.where(mean > 50, 40.0, -40.0) * self.gain * torch.ones_like(lightness)
        b = (lightness - 50) * 0.4
        shift = torch.randn(lightness.shape[0], 2, 1, 1, generator=self.noise) * self.config.flicker
        return torch.cat([a, b], dim=1) + shift.to(lightness)


def photos(size: int = 160) -> list[np.ndarray]:
    """Three scikit-image photos: a bright one, a darker one, a bright one."""
    from PIL import Image
    from skimage import data

    out = []
    for name in ("coffee", "astronaut", "chelsea"):
        image = Image.fromarray(getattr(data, name)())
        scale = size / min(image.size)
        out.append(np.asarray(image.resize((round(image.width * scale), round(image.height * scale)))))
    return out


def brightness_scenes(frames: int, size: tuple[int, int] = (48, 64)) -> list[np.ndarray]:
    """A bright pan over one photo, a hard cut, a dark pan over another: the toy paints them red, then green."""
    from zoo_core.video import synthetic

    first, second = photos()[0], photos()[1]
    bright = np.clip(first.astype(np.float32) * 0.5 + 140, 0, 255).astype(np.uint8)
    dark = (second.astype(np.float32) * 0.35).astype(np.uint8)
    return [*synthetic.shot(bright, "pan-right", frames, size), *synthetic.shot(dark, "zoom-in", frames, size)]
