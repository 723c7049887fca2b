"""The ECCV16 colorization network of Zhang, Isola and Efros, and its variants.

Module names and shapes follow the reference implementation (richzhang/colorization,
``ECCVGenerator``: ``model1``..``model8`` and ``model_out``), so its state dict loads as is.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import torch
from torch import nn

from zoo_core import AB_SCALE, NUM_BINS, Colorizer, ColorizerConfig, Controls, ab_bins, annealed_mean, certainty

from .controls import PAPER_TEMPERATURE

if TYPE_CHECKING:
    from .lite import LiteConfig

# Encoder blocks 1-7: (out_channels, stride, dilation) per 3x3 conv; each block ends in BatchNorm.
_ECCV16_BLOCKS = [
    [(64, 1, 1), (64, 2, 1)],
    [(128, 1, 1), (128, 2, 1)],
    [(256, 1, 1), (256, 1, 1), (256, 2, 1)],
    [(512, 1, 1)] * 3,
    [(512, 1, 2)] * 3,
    [(512, 1, 2)] * 3,
    [(512, 1, 1)] * 3,
]
# "Simplified": the same 8 blocks, at most 2 convs each, at most 416 channels (~15.4M params).
_SIMPLIFIED_BLOCKS = [
    [(64, 1, 1), (64, 2, 1)],
    [(128, 1, 1), (128, 2, 1)],
    [(256, 1, 1), (256, 2, 1)],
    [(416, 1, 1)] * 2,
    [(416, 1, 2)] * 2,
    [(416, 1, 2)] * 2,
    [(416, 1, 1)] * 2,
]
# Block 8: a stride-2 transposed conv to this width, then this many 3x3 convs, then the head.
_DECODER = {"eccv16": (256, 2), "simplified": (256, 1)}
_BLOCKS = {"eccv16": _ECCV16_BLOCKS, "simplified": _SIMPLIFIED_BLOCKS}


@dataclasses.dataclass
class ZhangConfig(ColorizerConfig):
    variant: str = "eccv16"
    """``eccv16`` (the paper's network) or ``simplified``."""
    head: str = "classification"
    """``classification`` over the 313 ab bins, or ``regression`` of ab (the Euclidean baseline)."""
    width_mult: float = 1.0
    """Scales every channel count (not the 313 bins): 0.25 trains on a CPU."""
    temperature: float = PAPER_TEMPERATURE
    """Default annealed-mean temperature for decoding (the ``temperature`` control overrides it)."""
    caution: float = 0.0
    """Default exponent of the fall-back toward gray where the bins are uncertain (``caution`` control)."""

    def validate(self) -> None:
        super().validate()
        if self.variant not in _BLOCKS:
            raise ValueError(f"variant must be one of {', '.join(sorted(_BLOCKS))}, got {self.variant!r}")
        if self.head not in ("classification", "regression"):
            raise ValueError(f"head must be classification or regression, got {self.head!r}")
        if not 0 < self.width_mult <= 4:
            raise ValueError(f"width_mult must be in (0, 4], got {self.width_mult}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.caution < 0:
            raise ValueError(f"caution must be >= 0, got {self.caution}")


def _width(channels: int, mult: float) -> int:
    return channels if mult == 1.0 else max(8, round(channels * mult / 8) * 8)


class ZhangColorizer(Colorizer):
    """L (B, 1, H, W) -> logits over 313 bins, or ab, at (H/4, W/4)."""

    config_class = ZhangConfig
    config: ZhangConfig

    def __init__(self, config: ZhangConfig) -> None:
        super().__init__(config)
        config.validate()
        channels = 1
        for index, block in enumerate(_BLOCKS[config.variant], start=1):
            layers: list[nn.Module] = []
            for out, stride, dilation in block:
                out = _width(out, config.width_mult)
                layers += [
                    nn.Conv2d(channels, out, 3, stride=stride, padding=dilation, dilation=dilation),
                    nn.ReLU(inplace=True),
                ]
                channels = out
            layers.append(nn.BatchNorm2d(channels))
            setattr(self, f"model{index}", nn.Sequential(*layers))

        width, convs = _DECODER[config.variant]
        width = _width(width, config.width_mult)
        layers = [nn.ConvTranspose2d(channels, width, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
        for _ in range(convs):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True)]
        head_out = NUM_BINS if self.classifies else 2
        layers.append(nn.Conv2d(width, head_out, 1))
        self.model8 = nn.Sequential(*layers)

        if self.classifies:
            # Upstream's fixed 313 -> 2 projection (bin centers / 110), kept for state-dict
            # compatibility; decoding uses the annealed mean over the same bins.
            self.model_out = nn.Conv2d(NUM_BINS, 2, 1, bias=False)
            with torch.no_grad():
                self.model_out.weight.copy_((ab_bins() / AB_SCALE).T[:, :, None, None])
            self.model_out.weight.requires_grad_(False)

    @property
    def classifies(self) -> bool:
        return self.config.head == "classification"

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        x = (lightness - 50.0) / 100.0
        for index in range(1, 9):
            x = getattr(self, f"model{index}")(x)
        return x if self.classifies else x * AB_SCALE

    def decode(self, output: torch.Tensor, controls: Controls | None = None) -> torch.Tensor:
        if not self.classifies:
            return output
        return decode_bins(output, self.config, controls)


def decode_bins(logits: torch.Tensor, config: ZhangConfig | LiteConfig, controls: Controls | None) -> torch.Tensor:
    """Bin logits -> ab: the annealed mean at the ``temperature``, its chroma times ``certainty ** caution``
    (a distribution spread over many bins is a guess: toward gray rather than a confident wrong color)."""
    controls = controls or {}
    ab = annealed_mean(logits, controls.get("temperature", config.temperature))
    caution = controls.get("caution", config.caution)
    return ab * certainty(logits) ** caution if caution else ab
