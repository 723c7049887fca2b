"""sRGB <-> YUV (BT.601, OpenCV's ``COLOR_RGB2YUV`` coefficients) on tensors.

Some releases keep the photo's luminance and take only the chroma from the network in YUV
rather than Lab (DeOldify's post-processing). Values here are in [0, 1] with U and V centred
on 0, where OpenCV's 8-bit images add 128 (0.5).
"""

from __future__ import annotations

import torch

#: Y weights of R, G and B (ITU-R BT.601).
WEIGHTS = (0.299, 0.587, 0.114)
_U, _V = 0.492, 0.877
_R_V, _G_U, _G_V, _B_U = 1.140, 0.395, 0.581, 2.032


def rgb_to_yuv(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) sRGB in [0, 1] -> (..., 3, H, W) Y in [0, 1], U and V around 0."""
    r, g, b = rgb.unbind(dim=-3)
    y = WEIGHTS[0] * r + WEIGHTS[1] * g + WEIGHTS[2] * b
    return torch.stack([y, _U * (b - y), _V * (r - y)], dim=-3)


def yuv_to_rgb(yuv: torch.Tensor) -> torch.Tensor:
    """The inverse of ``rgb_to_yuv`` (not clipped)."""
    y, u, v = yuv.unbind(dim=-3)
    return torch.stack([y + _R_V * v, y - _G_U * u - _G_V * v, y + _B_U * u], dim=-3)


def join_luma(luma: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
    """Y (..., 1, H, W) in [0, 1] and chroma UV (..., 2, H, W) -> sRGB in [0, 1].

    Where the color would leave the gamut, its chroma is scaled down just enough (per pixel, in
    closed form): the luma is kept exactly, as Lab joins keep L; clipping RGB would change it.
    """
    y = luma.clamp(0.0, 1.0)
    u, v = uv.unbind(dim=-3)
    offsets = torch.stack([_R_V * v, -_G_U * u - _G_V * v, _B_U * u], dim=-3)  # each channel is y + offset
    room = torch.where(offsets > 0, (1.0 - y) / offsets.clamp_min(1e-12), y / (-offsets).clamp_min(1e-12))
    scale = room.amin(dim=-3, keepdim=True).clamp(0.0, 1.0)
    return (y + scale * offsets).clamp(0.0, 1.0)
