"""Generator: a U-Net on timm's ResNet-18 (features_only). Discriminator: conditional PatchGAN."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import AB_SCALE, Colorizer, ColorizerConfig, create_backbone


@dataclasses.dataclass
class Pix2PixConfig(ColorizerConfig):
    backbone: str = "resnet18"
    pretrained_backbone: bool = False
    """ImageNet weights for the encoder (needs timm's hub once); False always works."""
    decoder_channels: tuple[int, ...] = (256, 128, 64, 64, 32)
    """Decoder widths, from the deepest skip (stride 16) up to full resolution."""


class _UpBlock(nn.Module):
    def __init__(self, in_channels: int, skip_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels + skip_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor | None, size: tuple[int, int]) -> torch.Tensor:
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv(x)


class Pix2PixColorizer(Colorizer):
    """L (B, 1, H, W) -> ab (B, 2, H, W): tanh, scaled to Lab units. H and W multiples of 32."""

    config_class = Pix2PixConfig
    config: Pix2PixConfig

    def __init__(self, config: Pix2PixConfig) -> None:
        super().__init__(config)
        self.encoder = create_backbone(
            config.backbone, pretrained=config.pretrained_backbone, features_only=True, in_chans=1
        )
        skips = self.encoder.feature_info.channels()  # resnet18: 64, 64, 128, 256, 512 at strides 2..32
        widths = list(config.decoder_channels)
        blocks = []
        channels = skips[-1]
        for i, width in enumerate(widths):
            skip = skips[-2 - i] if i < len(skips) - 1 else 0  # the last block reaches full resolution
            blocks.append(_UpBlock(channels, skip, width))
            channels = width
        self.decoder = nn.ModuleList(blocks)
        self.head = nn.Conv2d(channels, 2, 1)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        features = self.encoder((lightness - 50.0) / 50.0)
        x = features[-1]
        skips = features[-2::-1]
        full = lightness.shape[-2:]
        for i, block in enumerate(self.decoder):
            skip = skips[i] if i < len(skips) else None
            x = block(x, skip, skip.shape[-2:] if skip is not None else full)
        return torch.tanh(self.head(x)) * AB_SCALE


class PatchDiscriminator(nn.Module):
    """pix2pix's 70x70 PatchGAN on (L, ab): a 30x30 map of real/fake logits for a 256x256 input."""

    def __init__(self, channels: int = 64, layers: int = 3) -> None:
        super().__init__()
        seq: list[nn.Module] = [nn.Conv2d(3, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        width = channels
        for n in range(1, layers + 1):
            out = channels * min(2**n, 8)
            stride = 2 if n < layers else 1
            seq += [
                nn.Conv2d(width, out, 4, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            width = out
        seq.append(nn.Conv2d(width, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*seq)

    def forward(self, lightness: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([(lightness - 50.0) / 50.0, ab / AB_SCALE], dim=1))
