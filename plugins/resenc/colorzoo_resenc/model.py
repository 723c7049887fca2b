"""A VGG-16 residual encoder (timm) with an explicit palette fed back into its decoder."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import kornia.color
import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import AB_SCALE, Colorizer, ColorizerConfig, Controls, Photo, create_backbone, lab_to_rgb, rgb_to_lab

from .palette import (
    SHIFT_STRENGTH,
    ab_statistics,
    coordinates,
    histogram,
    named_ab,
    palette_target,
    shifted,
    transfer,
)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass
class ResencConfig(ColorizerConfig):
    input_size: int = 224
    space: str = "lab"
    """``lab``: predict ab from L. ``hsv``: predict hue and saturation from value."""
    trunk: str = "vgg16"
    pretrained_backbone: bool = False
    freeze_trunk: bool = False
    palette_bins: int = 8
    """The palette is a palette_bins x palette_bins histogram (ab, or hue x saturation)."""
    width: int = 256
    """Decoder width at the deepest stage (halved at each upsampling, at least 32)."""

    def validate(self) -> None:
        super().validate()
        if self.space not in ("lab", "hsv"):
            raise ValueError(f"space must be lab or hsv, got {self.space!r}")
        if not 2 <= self.palette_bins <= 64:
            raise ValueError(f"palette_bins must be in [2, 64], got {self.palette_bins}")


class ResencColorizer(Colorizer):
    """forward(L) -> {"ab": (B, 2, H, W), "palette": logits (B, K), and "hs" in HSV mode}."""

    config_class = ResencConfig
    config: ResencConfig

    def __init__(self, config: ResencConfig) -> None:
        super().__init__(config)
        config.validate()
        self.trunk = create_backbone(
            config.trunk, pretrained=config.pretrained_backbone, features_only=True, out_indices=(0, 1, 2, 3, 4)
        )
        if config.freeze_trunk:
            self.trunk.requires_grad_(False)
        skips = self.trunk.feature_info.channels()  # vgg16: 64, 128, 256, 512, 512 at strides 1..16
        widths = [max(32, config.width // 2**i) for i in range(len(skips))]
        self.project = nn.ModuleList(  # residual (additive) taps of every trunk stage: a hypercolumn
            nn.Sequential(nn.Conv2d(c, w, 1, bias=False), nn.BatchNorm2d(w))
            for c, w in zip(skips[::-1], widths, strict=True)
        )
        self.refine = nn.ModuleList(
            nn.Sequential(nn.Conv2d(w, w_next, 3, padding=1), nn.BatchNorm2d(w_next), nn.ReLU(inplace=True))
            for w, w_next in zip(widths, [*widths[1:], widths[-1]], strict=True)
        )
        bins = config.palette_bins**2
        self.palette_head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(skips[-1], 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, bins),
        )
        self.palette_in = nn.ModuleList(nn.Linear(bins, w) for w in widths)  # the palette, back into the decoder
        self.head = nn.Conv2d(widths[-1], 2, 3, padding=1)
        cfg = getattr(self.trunk, "pretrained_cfg", {}) or {}  # the statistics the trunk was trained with
        self.register_buffer("mean", torch.tensor(cfg.get("mean", IMAGENET_MEAN)).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(cfg.get("std", IMAGENET_STD)).view(1, 3, 1, 1), persistent=False)

    def forward(
        self, lightness: torch.Tensor, shift: str | None = None, reference: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """L -> ab, palette logits (and hs). ``reference`` (K,) replaces the predicted palette and
        ``shift`` (a named color) pushes it: the palette the decoder sees, not the logits returned."""
        gray = _gray_rgb(lightness)
        features = self.trunk((gray - self.mean) / self.std)[::-1]  # deepest first
        logits = self.palette_head(features[0])
        palette = self.steered(torch.sigmoid(logits), shift, reference)
        x = None
        for i, (feat, project, refine, inject) in enumerate(
            zip(features, self.project, self.refine, self.palette_in, strict=True)
        ):
            tap = project(feat)
            x = tap if i == 0 else F.interpolate(x, size=tap.shape[-2:], mode="bilinear", align_corners=False) + tap
            x = refine(x + inject(palette)[:, :, None, None])
        raw = self.head(x)
        if raw.shape[-2:] != lightness.shape[-2:]:
            raw = F.interpolate(raw, size=lightness.shape[-2:], mode="bilinear", align_corners=False)
        if self.config.space == "lab":
            return {"ab": torch.tanh(raw) * AB_SCALE, "palette": logits}
        hs = torch.sigmoid(raw)  # hue in turns, saturation, both in [0, 1]
        return {"ab": _hsv_to_ab(hs, gray), "hs": hs, "palette": logits}

    # -- the human in the loop ---------------------------------------------------------------

    def predict(
        self, lightness: torch.Tensor, controls: Controls | None = None, sizes: Sequence[tuple[int, int]] = ()
    ) -> torch.Tensor:
        """ab with the palette controls of this call: ``palette_shift`` (a named color), ``palette_from`` (a photo)."""
        controls = controls or {}
        photo = controls.get("palette_from")
        shift = controls.get("palette_shift")
        reference = self.reference_palette(photo) if photo is not None else None
        ab = self(lightness, shift, reference)["ab"]
        if photo is not None:  # the decoder saw the palette; the result is carried to it as well
            mean, std = ab_statistics(torch.from_numpy(photo.rgb).permute(2, 0, 1)[None].float().to(ab.device))
            ab = transfer(ab.float(), mean, std)
        if shift:
            ab = transfer(ab.float(), named_ab(shift, ab.device), strength=SHIFT_STRENGTH)
        return ab

    def reference_palette(self, photo: Photo) -> torch.Tensor:
        """The palette of a color photo, as the palette head would learn it: (K,)."""
        rgb = torch.from_numpy(photo.rgb).permute(2, 0, 1)[None].float()
        coords = coordinates(rgb, self.config.space, is_lab=False)
        return palette_target(histogram(coords, self.config.palette_bins))[0]

    def steered(self, palette: torch.Tensor, shift: str | None, reference: torch.Tensor | None) -> torch.Tensor:
        if reference is not None:
            palette = reference.to(palette)[None].expand_as(palette)
        if shift:
            palette = shifted(palette, shift, self.config.space, self.config.palette_bins)
        return palette


def _gray_rgb(lightness: torch.Tensor) -> torch.Tensor:
    """L (B, 1, H, W) -> the gray sRGB image in [0, 1], 3 channels."""
    lab = torch.cat([lightness.float(), torch.zeros_like(lightness, dtype=torch.float).expand(-1, 2, -1, -1)], 1)
    return lab_to_rgb(lab)


def _hsv_to_ab(hs: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """Hue and saturation with the gray image's value -> ab (the Lab pipeline takes it from there)."""
    hsv = torch.cat([hs[:, :1] * 2 * math.pi, hs[:, 1:2], gray[:, :1]], dim=1)
    return rgb_to_lab(kornia.color.hsv_to_rgb(hsv))[:, 1:]
