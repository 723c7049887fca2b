"""sRGB <-> CIE Lab (D65) on torch tensors.

Colorizers see the world in Lab: they get the lightness L (0..100) and predict the two
color channels ab (roughly -110..110). The conversions come from kornia, which agrees with
scikit-image's ``rgb2lab``/``lab2rgb`` to well within 0.05 Lab units over all 8-bit colors
(tests/test_lab.py checks it). Tensors are ``(..., 3, H, W)``, batched, on any device.
"""

from __future__ import annotations

import kornia.color
import torch

__all__ = ["fit_to_gamut", "join_lab", "lab_to_rgb", "rgb_to_lab", "rgb_to_lightness"]


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], shape (..., 3, H, W) -> Lab with L in [0, 100]."""
    return kornia.color.rgb_to_lab(rgb)


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab (..., 3, H, W) -> sRGB in [0, 1] (clipped unless ``clip=False``)."""
    return kornia.color.lab_to_rgb(lab, clip=clip)


def rgb_to_lightness(rgb: torch.Tensor) -> torch.Tensor:
    """The L channel alone, (..., 1, H, W), from sRGB (..., 3, H, W) or gray (..., 1, H, W).

    A third of the work of a full conversion (a ninth for gray input): used on
    full-resolution photos, where only L is kept (the color comes from the model).
    """
    # sRGB companding, then Y (D65, Y_n = 1), then CIE f(Y): the same formulas kornia uses.
    # For gray, R = G = B and the Y weights sum to 1, so Y is the linearized gray itself.
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055).pow(2.4), rgb / 12.92)
    if rgb.shape[-3] == 1:
        y = lin
    else:
        y = 0.212671 * lin[..., 0:1, :, :] + 0.715160 * lin[..., 1:2, :, :] + 0.072169 * lin[..., 2:3, :, :]
    del lin
    eps = 0.008856
    f = torch.where(y > eps, y.clamp_min(eps).pow(1.0 / 3.0), 7.787 * y + 4.0 / 29.0)
    return 116.0 * f - 16.0


def fit_to_gamut(lightness: torch.Tensor, ab: torch.Tensor, steps: int = 8) -> torch.Tensor:
    """Shrink the chroma of out-of-gamut colors until they fit sRGB; L and hue are kept.

    Clipping RGB instead would shift the lightness (by several L units on dark or bright
    pixels) and the hue. ``lightness`` (1, N) and ``ab`` (2, N); returns sRGB (3, N) in [0, 1].
    Bisection on the chroma scale: gray (scale 0) is always in gamut.
    """
    low = torch.zeros_like(lightness)
    high = torch.ones_like(lightness)
    for _ in range(steps):
        mid = (low + high) / 2
        rgb = lab_to_rgb(torch.cat([lightness, ab * mid])[..., None], clip=False)[..., 0]
        inside = ((rgb >= -1e-3) & (rgb <= 1 + 1e-3)).all(dim=0, keepdim=True)
        low = torch.where(inside, mid, low)
        high = torch.where(inside, high, mid)
    return lab_to_rgb(torch.cat([lightness, ab * low])[..., None])[..., 0]


def join_lab(lightness: torch.Tensor, ab: torch.Tensor, rows_per_chunk: int = 512) -> torch.Tensor:
    """Join L (1, H, W) and ab (2, H, W) into an sRGB uint8 image (3, H, W).

    Out-of-gamut colors lose chroma, not lightness (``fit_to_gamut``), so the output keeps the
    input's L. Works in horizontal strips: a 12-megapixel photo needs a few hundred MB.
    """
    _, height, width = lightness.shape
    out = torch.empty((3, height, width), dtype=torch.uint8, device=lightness.device)
    for top in range(0, height, rows_per_chunk):
        rows = slice(top, top + rows_per_chunk)
        strip_l, strip_ab = lightness[:, rows], ab[:, rows].to(lightness.dtype)
        rgb = lab_to_rgb(torch.cat([strip_l, strip_ab]), clip=False)
        outside = ((rgb < -1e-3) | (rgb > 1 + 1e-3)).any(dim=0)
        if outside.any():
            rgb[:, outside] = fit_to_gamut(strip_l[:, outside], strip_ab[:, outside])
        out[:, rows] = (rgb * 255.0).round_().clamp_(0, 255).to(torch.uint8)
    return out
