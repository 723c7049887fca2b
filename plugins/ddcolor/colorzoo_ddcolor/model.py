"""``ddcolor`` and ``ddcolor-tiny``: DDColor as a colorzoo ``Colorizer``.

The release's pipeline: the model sees the photo as a gray RGB image made from its lightness
(Lab with ab = 0), at ``input_size`` (512 by default, a control), and predicts ab; colorzoo
upsamples the ab to the photo's size and joins it with the photo's own full-resolution L.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from zoo_core import Colorizer, ColorizerConfig, Controls, lab_to_rgb

from .arch import ENCODERS, add_ddcolor, ddcolor_forward
from .controls import INPUT_SIZE


@dataclasses.dataclass
class DDColorConfig(ColorizerConfig):
    input_size: int = INPUT_SIZE
    encoder_name: str = "convnext-l"
    num_queries: int = 100
    num_scales: int = 3
    dec_layers: int = 9
    nf: int = 512

    def validate(self) -> None:
        super().validate()
        if self.encoder_name not in ENCODERS:
            raise ValueError(f"encoder_name must be one of {', '.join(ENCODERS)}, got {self.encoder_name!r}")


class DDColorColorizer(Colorizer):
    """L (B, 1, H, W) -> ab (B, 2, H, W), through the gray RGB image; H and W multiples of ``SIZE_MULTIPLE``."""

    config_class = DDColorConfig
    config: DDColorConfig

    def __init__(self, config: DDColorConfig) -> None:
        super().__init__(config)
        config.validate()
        add_ddcolor(self, config.encoder_name, config.num_queries, config.num_scales, config.dec_layers, config.nf)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        zeros = torch.zeros_like(lightness, dtype=torch.float32).expand(-1, 2, -1, -1)
        gray = lab_to_rgb(torch.cat([lightness.float(), zeros], dim=1))
        return ddcolor_forward(self, gray.to(lightness.dtype))

    def working_size(self, controls: Controls | None = None) -> int:
        return int((controls or {}).get("input_size", self.config.input_size))


def adapt_release(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The releases use our names; the ModelScope file still carries a classifier head (dropped)."""
    return {k: v for k, v in state.items() if not k.startswith("encoder.arch.head_cls.")}


def release_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict as the Hub repos store it (``pytorch_model.bin``: a bare state dict)."""
    return dict(state)
