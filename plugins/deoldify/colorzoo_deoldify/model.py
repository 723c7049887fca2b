"""``deoldify-artistic``, ``deoldify-stable``, ``deoldify-video``: DeOldify as a colorzoo ``Colorizer``.

The release's pipeline: the photo as a gray RGB square of 16 x ``render_factor`` pixels, ImageNet-
normalized; the generator's RGB output de-normalized and clamped; then its post-processing keeps the
original photo's luminance and takes only the chroma from the output, in YUV (OpenCV's
``COLOR_RGB2YUV`` coefficients, as the pip package and the archived repository's final code; the
repository used ``COLOR_BGR2YUV`` on RGB arrays until March 2023). colorzoo does that join at full
resolution with the photo's own luminance, its chroma upsampled bilinearly from the square. The
network is in ``arch.py``, its pixel loss in ``losses.py``, the released files' adapter in ``release.py``.
"""

from __future__ import annotations

import dataclasses

import torch

from zoo_core import IMAGENET_MEAN, IMAGENET_STD, Colorizer, ColorizerConfig, Controls, gray_rgb, rgb_to_yuv

from .arch import BODIES, DynamicUnet, unet_forward
from .controls import RENDER_FACTORS, RENDER_SCALE


@dataclasses.dataclass
class DeOldifyConfig(ColorizerConfig):
    input_size: int = 560
    body: str = "resnet34"
    deep: bool = True
    """DynamicUnetDeep (Artistic) or DynamicUnetWide (Stable, Video)."""
    nf_factor: float = 1.5
    render_factor: int = 35
    """The side of the square the model sees is RENDER_SCALE x render_factor (the ``render_factor`` control)."""

    def validate(self) -> None:
        super().validate()
        if self.body not in BODIES:
            raise ValueError(f"body must be one of {', '.join(BODIES)}, got {self.body!r}")
        if not RENDER_FACTORS[0] <= self.render_factor <= RENDER_FACTORS[1]:
            raise ValueError(f"render_factor must be in {list(RENDER_FACTORS)}, got {self.render_factor}")
        if not 0 < self.nf_factor <= 8:
            raise ValueError(f"nf_factor must be in (0, 8], got {self.nf_factor}")


class DeOldifyColorizer(Colorizer):
    """L (B, 1, S, S) -> the generator's ImageNet-normalized RGB; ``decode`` gives its YUV chroma."""

    config_class = DeOldifyConfig
    config: DeOldifyConfig
    chroma = "uv"

    def __init__(self, config: DeOldifyConfig) -> None:
        super().__init__(config)
        config.validate()
        self.layers = DynamicUnet(config.body, config.deep, config.nf_factor).layers
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def normalize(self, rgb: torch.Tensor) -> torch.Tensor:
        return (rgb - self.mean) / self.std

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        gray = gray_rgb(lightness)  # the gray photo, as PIL's 'L' gives it
        return unet_forward(self.layers, self.normalize(gray).to(lightness.dtype))

    def decode(self, output: torch.Tensor, controls: Controls | None = None) -> torch.Tensor:
        rgb = (output.float() * self.std + self.mean).clamp(0.0, 1.0)
        return rgb_to_yuv(rgb)[:, 1:]

    def working_size(self, controls: Controls | None = None) -> int:
        return RENDER_SCALE * int((controls or {}).get("render_factor", self.config.render_factor))
