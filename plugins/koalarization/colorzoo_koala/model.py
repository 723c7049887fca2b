"""Deep Koalarization: encoder + feature extractor + fusion + decoder.

The encoder turns H x W x 1 into H/8 x W/8 x 256 (8 convs of 3x3; stride 2 at layers 1, 3, 5).
The gray image, replicated to 3 channels at the extractor's own input size, goes through a timm
classifier; its pre-softmax embedding (1000 logits) is tiled over H/8 x W/8 and concatenated
with the encoder output. A 1x1 fusion conv brings it to 256 channels; the decoder (128, 64, 64,
32, 2 channels with three 2x upsamplings) returns to H x W x 2, tanh.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import (
    AB_SCALE,
    IMAGENET_MEAN,
    IMAGENET_STD,
    Colorizer,
    ColorizerConfig,
    create_backbone,
    gray_rgb,
    load_backbone_weights,
)

ENCODER = [(64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 1), (256, 1)]


@dataclasses.dataclass
class KoalaConfig(ColorizerConfig):
    input_size: int = 224
    extractor: str = "inception_resnet_v2"
    """timm model: inception_resnet_v2 (the paper), seresnet152d or efficientnet_b7."""
    pretrained_backbone: bool = False
    """ImageNet weights for the extractor (timm's hub, needs network once); the paper's setting."""
    extractor_size: int | None = None
    """The extractor's input size (default: its pretrained config, e.g. 299 for Inception)."""
    freeze_extractor: bool = True
    width_mult: float = 1.0
    """Scales the encoder, fusion and decoder widths (not the extractor): 0.5 for compact weights."""

    def validate(self) -> None:
        super().validate()
        if not 0 < self.width_mult <= 4:
            raise ValueError(f"width_mult must be in (0, 4], got {self.width_mult}")


def _w(channels: int, mult: float) -> int:
    return channels if mult == 1.0 else max(8, round(channels * mult / 8) * 8)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU(inplace=True))


class KoalaColorizer(Colorizer):
    config_class = KoalaConfig
    config: KoalaConfig

    def __init__(self, config: KoalaConfig) -> None:
        super().__init__(config)
        config.validate()
        m = config.width_mult
        layers, channels = [], 1
        for width, stride in ENCODER:
            layers.append(_conv(channels, _w(width, m), stride))
            channels = _w(width, m)
        self.encoder = nn.Sequential(*layers)
        self.extractor = create_backbone(config.extractor, pretrained=config.pretrained_backbone)
        embedding = self.extractor.num_classes
        self.extractor_size = (
            config.extractor_size or self.extractor.pretrained_cfg.get("input_size", (3, 224, 224))[-1]
        )
        cfg = self.extractor.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg.get("mean", IMAGENET_MEAN)).view(1, 3, 1, 1), False)
        self.register_buffer("std", torch.tensor(cfg.get("std", IMAGENET_STD)).view(1, 3, 1, 1), False)
        if config.freeze_extractor:
            self.extractor.requires_grad_(False)
        w256, w128, w64, w32 = (_w(c, m) for c in (256, 128, 64, 32))
        self.fusion = nn.Sequential(nn.Conv2d(channels + embedding, w256, 1), nn.ReLU(inplace=True))
        self.decoder = nn.Sequential(
            _conv(w256, w128), nn.Upsample(scale_factor=2.0),
            _conv(w128, w64), _conv(w64, w64), nn.Upsample(scale_factor=2.0),
            _conv(w64, w32), nn.Conv2d(w32, 2, 3, padding=1), nn.Tanh(), nn.Upsample(scale_factor=2.0),
        )

    def frozen_backbones(self) -> dict[str, str]:
        return {"extractor.": self.config.extractor} if self.config.freeze_extractor else {}

    def load_frozen_backbone(self, prefix: str) -> None:
        load_backbone_weights(self.config.extractor, self.extractor)

    def train(self, mode: bool = True) -> KoalaColorizer:
        super().train(mode)
        if self.config.freeze_extractor:
            self.extractor.eval()  # frozen means its BatchNorm statistics too
        return self

    def embed(self, lightness: torch.Tensor) -> torch.Tensor:
        """The extractor's pre-softmax embedding of the gray image, (B, 1000)."""
        gray = gray_rgb(lightness)
        gray = F.interpolate(gray, size=(self.extractor_size,) * 2, mode="bilinear", align_corners=False)
        return self.extractor((gray - self.mean) / self.std)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        features = self.encoder((lightness - 50.0) / 50.0)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.config.freeze_extractor):
            embedding = self.embed(lightness)
        tiled = embedding[:, :, None, None].expand(-1, -1, *features.shape[-2:])
        out = self.decoder(self.fusion(torch.cat([features, tiled], dim=1)))
        if out.shape[-2:] != lightness.shape[-2:]:
            out = F.interpolate(out, size=lightness.shape[-2:], mode="bilinear", align_corners=False)
        return out * AB_SCALE
