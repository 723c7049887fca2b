"""``deoldify-artistic``, ``deoldify-stable``, ``deoldify-video``: DeOldify as a colorzoo ``Colorizer``.

The release's pipeline: the photo as a gray RGB square of 16 x ``render_factor`` pixels, ImageNet-
normalized; the generator's RGB output de-normalized and clamped; then its post-processing keeps the
original photo's luminance and takes only the chroma from the output, in YUV (OpenCV's
``COLOR_RGB2YUV`` coefficients, as the pip package and the archived repository's final code; the
repository used ``COLOR_BGR2YUV`` on RGB arrays until March 2023). colorzoo does that join at full
resolution with the photo's own luminance, its chroma upsampled bilinearly from the square.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from zoo_core import Batch, Colorizer, ColorizerConfig, Controls, Loss, lab_to_rgb, rgb_to_yuv

from .arch import BODIES, DynamicUnet, unet_forward
from .controls import RENDER_FACTORS, RENDER_SCALE

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


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
        zeros = torch.zeros_like(lightness, dtype=torch.float32).expand(-1, 2, -1, -1)
        gray = lab_to_rgb(torch.cat([lightness.float(), zeros], dim=1))  # the gray photo, as PIL's 'L' gives it
        return unet_forward(self.layers, self.normalize(gray).to(lightness.dtype))

    def decode(self, output: torch.Tensor, controls: Controls | None = None) -> torch.Tensor:
        rgb = (output.float() * self.std + self.mean).clamp(0.0, 1.0)
        return rgb_to_yuv(rgb)[:, 1:]

    def working_size(self, controls: Controls | None = None) -> int:
        return RENDER_SCALE * int((controls or {}).get("render_factor", self.config.render_factor))


class DeOldifyL1Loss(Loss):
    """The generator's pixel loss: L1 between its output and the ImageNet-normalized color photo."""

    name = "deoldify-l1"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        target = lab_to_rgb(torch.cat([batch["L"].float(), batch["ab"].float()], dim=1))
        if target.shape[-2:] != output.shape[-2:]:
            target = torch.nn.functional.interpolate(target, size=output.shape[-2:], mode="area")
        mean = torch.tensor(IMAGENET_MEAN, device=target.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=target.device).view(1, 3, 1, 1)
        return (output.float() - (target - mean) / std).abs().mean()


def adapt_release(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The released generators use our keys. Files saved by torch <= 1.0 keep a spectral-normed conv's
    normalized ``weight`` and no ``weight_v``: use that weight with u, v that make sigma exactly 1."""
    state = dict(state)
    for key in [k for k in state if k.endswith(".weight_u")]:
        base = key[: -len("weight_u")]
        if base + "weight_v" in state or base + "weight" not in state:
            continue
        weight = state.pop(base + "weight").float()
        matrix = weight.reshape(weight.shape[0], -1)
        u = state[key].float()
        wtu = matrix.t() @ u
        state[base + "weight_orig"] = weight
        state[base + "weight_v"] = wtu / wtu.dot(wtu)  # u . (W v) = 1
    return state


def release_layout(state: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Our state dict as fastai saved the generators: ``{"model": state_dict}``."""
    return {"model": dict(state)}
