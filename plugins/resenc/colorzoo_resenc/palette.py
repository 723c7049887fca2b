"""The palette: a coarse color histogram (bins x bins) that a person can read and edit.

In Lab the bins cover ab in [-110, 110]^2; in HSV they cover hue x saturation in [0, 1]^2.

The edited palette reaches the decoder as the paper intends, but a decoder trained on a few
thousand photos learns to lean little on it: the bundled resenc-lite0 moved its colors by about
1 level of 255 under a palette edit. So the result is also carried to the requested palette
directly, by color transfer in ab (Reinhard et al. 2001: the chroma's mean, and for a reference
photo its spread too, matched to the target's), which makes an edit visible on any weights.
"""

from __future__ import annotations

import math

import kornia.color
import torch
import torch.nn.functional as F

from zoo_core import AB_SCALE, ColorzooError, lab_to_rgb, rgb_to_lab

from .controls import NAMED_COLORS


def coordinates(rgb_or_lab: torch.Tensor, space: str, is_lab: bool = True) -> torch.Tensor:
    """(B, 2, H, W) palette coordinates in [0, 1]^2 from Lab (or sRGB with ``is_lab=False``)."""
    if space == "lab":
        lab = rgb_or_lab if is_lab else rgb_to_lab(rgb_or_lab)
        return (lab[:, 1:] / (2 * AB_SCALE) + 0.5).clamp(0, 1)
    rgb = lab_to_rgb(rgb_or_lab) if is_lab else rgb_or_lab
    hsv = kornia.color.rgb_to_hsv(rgb)
    return torch.stack([hsv[:, 0] / (2 * math.pi), hsv[:, 1]], dim=1).clamp(0, 1)


def histogram(coords: torch.Tensor, bins: int) -> torch.Tensor:
    """Share of pixels per palette bin, (B, bins * bins), each row summing to 1."""
    idx = (coords * bins).long().clamp(0, bins - 1)
    flat = (idx[:, 0] * bins + idx[:, 1]).flatten(1)
    counts = torch.zeros(flat.shape[0], bins * bins, device=coords.device)
    counts.scatter_add_(1, flat, torch.ones_like(flat, dtype=counts.dtype))
    return counts / counts.sum(dim=1, keepdim=True)


def palette_target(hist: torch.Tensor) -> torch.Tensor:
    """What the palette head learns (binary cross-entropy): each bin's share relative to the largest."""
    return hist / hist.amax(dim=1, keepdim=True).clamp_min(1e-8)


def shifted(palette: torch.Tensor, color: str, space: str, bins: int, strength: float = 0.6) -> torch.Tensor:
    """Push a palette (B, K) towards a named color: blend in a Gaussian bump at that color."""
    if color not in NAMED_COLORS:
        raise ColorzooError(f"unknown palette color {color!r}: use one of {', '.join(NAMED_COLORS)}")
    rgb = torch.tensor(NAMED_COLORS[color], device=palette.device).view(1, 3, 1, 1)
    center = coordinates(rgb, space, is_lab=False).view(2)
    grid = (torch.arange(bins, device=palette.device) + 0.5) / bins
    ga, gb = torch.meshgrid(grid, grid, indexing="ij")
    bump = torch.exp(-((ga - center[0]) ** 2 + (gb - center[1]) ** 2) / (2 * (1.0 / bins) ** 2)).flatten()
    return (1 - strength) * palette + strength * (bump / bump.max())[None]


def palette_bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), target)


#: How far ``palette_shift`` moves the photo's mean chroma towards the named color (as ``shifted``).
SHIFT_STRENGTH = 0.6


def named_ab(color: str, device: torch.device) -> torch.Tensor:
    """The ab (2,) of a named color."""
    if color not in NAMED_COLORS:
        raise ColorzooError(f"unknown palette color {color!r}: use one of {', '.join(NAMED_COLORS)}")
    rgb = torch.tensor(NAMED_COLORS[color], device=device).view(1, 3, 1, 1)
    return rgb_to_lab(rgb)[0, 1:, 0, 0]


def transfer(
    ab: torch.Tensor, mean: torch.Tensor, std: torch.Tensor | None = None, strength: float = 1.0
) -> torch.Tensor:
    """Move each image's chroma (B, 2, H, W) so its mean becomes ``mean`` (2,) and, given ``std``, its spread
    too; ``strength`` blends between the prediction (0) and the full transfer (1)."""
    own_mean = ab.mean(dim=(2, 3), keepdim=True)
    moved = ab - own_mean
    if std is not None:
        moved = moved / ab.std(dim=(2, 3), keepdim=True).clamp_min(1.0) * std.view(1, 2, 1, 1)
    target = moved + mean.view(1, 2, 1, 1)
    return ((1 - strength) * ab + strength * target).clamp(-AB_SCALE, AB_SCALE)


def ab_statistics(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, std) of the ab of an sRGB image (1, 3, H, W) in [0, 1]."""
    ab = rgb_to_lab(rgb)[0, 1:].flatten(1)
    return ab.mean(dim=1), ab.std(dim=1)
