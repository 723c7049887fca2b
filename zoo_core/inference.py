"""Colorize photos at full resolution.

The model sees a small gray square (its working resolution); its ab is upsampled to the
photo's size and joined with the photo's own full-resolution L. So the output keeps every
detail of the input's lightness, and memory stays bounded on 12-megapixel photos.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .colorizer import Colorizer
from .imageio import Photo
from .lab import join_lab, rgb_to_lightness


def working_lightness(photo: Photo, size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(full-resolution L (1, H, W), L resized to the model's working square (1, size, size))."""
    rgb = torch.from_numpy(photo.rgb).to(device).permute(2, 0, 1)
    lightness = rgb_to_lightness(rgb)
    del rgb
    small = F.interpolate(lightness[None], size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return lightness, small[0]


@torch.inference_mode()
def colorize(
    model: Colorizer,
    photos: Sequence[Photo],
    temperature: float | None = None,
    device: torch.device | str | None = None,
) -> list[np.ndarray]:
    """Colorize a batch of photos; returns uint8 (H, W, 3), or (H, W, 4) with the alpha kept.

    Color in the input is ignored: only its lightness is used.
    """
    if device is None:
        device = next(model.parameters()).device
    device = torch.device(device)
    model.eval()
    size = model.config.input_size
    fulls, smalls = zip(*(working_lightness(p, size, device) for p in photos), strict=True)
    ab_small = model.predict_ab(torch.stack(smalls), temperature).float()
    results = []
    for photo, lightness, ab in zip(photos, fulls, ab_small, strict=True):
        height, width = lightness.shape[-2:]
        ab_full = F.interpolate(ab[None], size=(height, width), mode="bilinear", align_corners=False)[0]
        rgb = join_lab(lightness, ab_full).permute(1, 2, 0).cpu().numpy()
        if photo.alpha is not None:
            rgb = np.concatenate([rgb, photo.alpha[..., None]], axis=2)
        results.append(rgb)
    return results
