"""sRGB <-> CIE Lab (D65) on torch tensors.

Colorizers see the world in Lab: they get the lightness L (0..100) and predict the two
color channels ab (roughly -110..110). The conversions come from kornia, which agrees with
scikit-image's ``rgb2lab``/``lab2rgb`` to well within 0.05 Lab units over all 8-bit colors
(tests/test_lab.py checks it). Tensors are ``(..., 3, H, W)``, batched, on any device.
"""

from __future__ import annotations

import kornia.color
import torch
import torch.nn.functional as F

__all__ = ["fit_to_gamut", "join_lab", "lab_to_rgb", "rgb_to_lab", "rgb_to_lightness"]

_EPS = 0.008856  # CIE (6/29)**3, as kornia rounds it


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], shape (..., 3, H, W) -> Lab with L in [0, 100]."""
    return kornia.color.rgb_to_lab(rgb)


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab (..., 3, H, W) -> sRGB in [0, 1] (clipped unless ``clip=False``)."""
    return kornia.color.lab_to_rgb(lab, clip=clip)


def gray_rgb(lightness: torch.Tensor) -> torch.Tensor:
    """L (B, 1, H, W) in Lab units -> the gray sRGB image with that lightness (B, 3, H, W) in [0, 1], float32:
    how an ImageNet backbone sees a black-and-white photo."""
    lightness = lightness.float()
    return lab_to_rgb(torch.cat([lightness, torch.zeros_like(lightness).expand(-1, 2, -1, -1)], dim=1))


def _rows_per_strip(width: int) -> int:
    """Rows per strip of a full-resolution conversion: about 256k pixels, so each temporary is
    ~1 MB per channel. Whole-image temporaries of a 12 MP photo (48 MB each) are fresh mmaps that
    page-fault on every use: on CPU that costs more than the arithmetic (strips are 3-8x faster)."""
    return max(1, (1 << 18) // max(1, width))


def _lightness(rgb: torch.Tensor) -> torch.Tensor:
    if rgb.shape[-3] == 1:
        # Gray: R = G = B and the Y weights sum to 1, so Y is the linearized gray, and above the
        # knee cbrt(Y) = ((x + 0.055) / 1.055) ** 0.8: one power instead of two.
        p = ((rgb.clamp_min(0.0) + 0.055) / 1.055).pow(0.8)
        y = torch.where(rgb > 0.04045, p * p * p, rgb / 12.92)
        f = torch.where(y > _EPS, p, 7.787 * y + 4.0 / 29.0)
        return 116.0 * f - 16.0
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055).pow(2.4), rgb / 12.92)
    y = 0.212671 * lin[..., 0:1, :, :] + 0.715160 * lin[..., 1:2, :, :] + 0.072169 * lin[..., 2:3, :, :]
    del lin
    f = torch.where(y > _EPS, y.clamp_min(_EPS).pow(1.0 / 3.0), 7.787 * y + 4.0 / 29.0)
    return 116.0 * f - 16.0


def rgb_to_lightness(rgb: torch.Tensor) -> torch.Tensor:
    """The L channel alone, (..., 1, H, W), from sRGB (..., 3, H, W) or gray (..., 1, H, W).

    A third of the work of a full conversion (a ninth for gray input): used on
    full-resolution photos, where only L is kept (the color comes from the model).
    sRGB companding, then Y (D65, Y_n = 1), then CIE f(Y): the same formulas kornia uses.
    """
    height, width = rgb.shape[-2:]
    rows = _rows_per_strip(width)
    if height <= rows:
        return _lightness(rgb)
    out = torch.empty((*rgb.shape[:-3], 1, height, width), dtype=rgb.dtype, device=rgb.device)
    for top in range(0, height, rows):
        out[..., top : top + rows, :] = _lightness(rgb[..., top : top + rows, :])
    return out


# XYZ (D65) -> linear sRGB with the white point folded in: kornia's matrix times (Xn, Yn, Zn).
_XYZ_TO_LINEAR = (
    (3.2404813432005266 * 0.95047, -1.5371515162713185, -0.4985363261688878 * 1.08883),
    (-0.9692549499965682 * 0.95047, 1.8759900014898907, 0.0415559265582928 * 1.08883),
    (0.0556466391351772 * 0.95047, -0.2040413383665112, 1.0573110696453443 * 1.08883),
)
# The sRGB range with lab_to_rgb's 1e-3 tolerance, as linear values (the sRGB curve is
# monotonic, so the test can be made before encoding).
_LINEAR_LOW = -1e-3 / 12.92
_LINEAR_HIGH = ((1 + 1e-3 + 0.055) / 1.055) ** 2.4
_LUT_SIZE = 1 << 20
_ENCODE_LUT: dict[tuple[torch.device, int], torch.Tensor] = {}

#: The output sample types by bit depth: 8-bit photos, and 16 bits for 16-bit PNG/TIFF scans.
DEPTHS = {8: torch.uint8, 16: torch.int32}


def _encode_lut(device: torch.device, depth: int = 8) -> torch.Tensor:
    """sRGB levels (0..2^depth - 1) for linear values i / (2^20 - 1). At 8 bits: off by less than
    0.002 of a level, so rounding agrees with the exact curve; a lookup costs a fifth of a power per
    pixel. At 16 bits (held as int32) within about a level in the darkest tones, exact above."""
    lut = _ENCODE_LUT.get((device, depth))
    if lut is None:
        top = float(2**depth - 1)
        linear = torch.linspace(0.0, 1.0, _LUT_SIZE, dtype=torch.float64, device=device)
        srgb = torch.where(linear > 0.0031308, 1.055 * linear.clamp(min=0.0031308).pow(1 / 2.4) - 0.055, 12.92 * linear)
        lut = _ENCODE_LUT[(device, depth)] = (srgb * top).round().clamp(0, top).to(DEPTHS[depth])
    return lut


def _lab_to_linear(lightness: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """L (1, h, w) + ab (2, h, w) -> linear sRGB (3, h, w), unclipped: kornia's formulas, fused."""
    fy = (lightness + 16.0) / 116.0
    f = torch.cat([fy + ab[0:1] / 500.0, fy, fy - ab[1:2] / 200.0])
    delta = 6.0 / 29.0
    xyz = torch.where(f > delta, f * f * f, (f - 4.0 / 29.0) * (3.0 * delta * delta))
    matrix = torch.tensor(_XYZ_TO_LINEAR, dtype=xyz.dtype, device=xyz.device)
    return torch.mm(matrix, xyz.reshape(3, -1)).reshape(xyz.shape)


def fit_to_gamut(lightness: torch.Tensor, ab: torch.Tensor, steps: int = 8) -> torch.Tensor:
    """Shrink the chroma of out-of-gamut colors until they fit sRGB; L and hue are kept.

    Clipping RGB instead would shift the lightness (by several L units on dark or bright
    pixels) and the hue. ``lightness`` (1, N) and ``ab`` (2, N); returns linear sRGB (3, N),
    in [0, 1] up to lab_to_rgb's 1e-3 tolerance. Bisection on the chroma scale: gray (scale 0)
    is always in gamut.
    """
    low = torch.zeros_like(lightness)
    high = torch.ones_like(lightness)
    for _ in range(steps):
        mid = (low + high) / 2
        linear = _lab_to_linear(lightness, ab * mid)
        inside = (linear.amin(dim=0, keepdim=True) >= _LINEAR_LOW) & (linear.amax(dim=0, keepdim=True) <= _LINEAR_HIGH)
        low = torch.where(inside, mid, low)
        high = torch.where(inside, high, mid)
    return _lab_to_linear(lightness, ab * low)


def _encode(linear: torch.Tensor, lut: torch.Tensor) -> torch.Tensor:
    """Linear sRGB (any shape) -> sRGB levels through the table (clamped to [0, 1] in place)."""
    return torch.take(lut, linear.clamp_(0.0, 1.0).mul_(_LUT_SIZE - 1).add_(0.5).long())


def _upsample_columns(ab: torch.Tensor, width: int) -> torch.Tensor:
    """Bilinear (align_corners=False) resize of (2, h, w) to (2, h, width): the cheap first half
    of a separable upsampling; the rows are interpolated strip by strip (``_rows_of``)."""
    if ab.shape[-1] == width:
        return ab
    return F.interpolate(ab[None], size=(ab.shape[-2], width), mode="bilinear", align_corners=False)[0]


def _rows_of(columns: torch.Tensor, top: int, rows: int, height: int) -> torch.Tensor:
    """Rows ``top .. top + rows`` of ``columns`` (2, h, W) resized bilinearly to ``height`` rows:
    PyTorch's source-index rule (clamped at 0), so the strips equal one whole interpolation."""
    small = columns.shape[-2]
    if small == height:
        return columns[:, top : top + rows]
    end = min(top + rows, height)
    rows_out = torch.arange(top, end, device=columns.device, dtype=torch.float32)
    source = ((rows_out + 0.5) * (small / height) - 0.5).clamp_(min=0.0)
    first = source.long()
    weight = (source - first)[:, None]
    second = (first + 1).clamp_(max=small - 1)
    return torch.lerp(columns[:, first], columns[:, second], weight)


def join_lab(
    lightness: torch.Tensor, ab: torch.Tensor, rows_per_chunk: int | None = None, depth: int = 8
) -> torch.Tensor:
    """Join L (1, H, W) and ab (2, h, w) into an sRGB image (3, H, W): uint8, or with ``depth=16``
    levels 0..65535 (as int32).

    ab is upsampled bilinearly to (H, W) if it is smaller. Out-of-gamut colors lose chroma, not
    lightness (``fit_to_gamut``), so the output keeps the input's L. Works in horizontal strips
    of ``rows_per_chunk`` rows (default: ``_rows_per_strip``), so a 12-megapixel photo needs a
    few MB of temporaries; the sRGB curve is a table lookup.
    """
    _, height, width = lightness.shape
    rows_per_chunk = rows_per_chunk or _rows_per_strip(width)
    columns = _upsample_columns(ab.float(), width)
    lut = _encode_lut(lightness.device, depth)
    out = torch.empty((3, height, width), dtype=lut.dtype, device=lightness.device)
    flat = out.view(3, -1)
    outside_at, outside_l, outside_ab = [], [], []
    for top in range(0, height, rows_per_chunk):
        rows = slice(top, top + rows_per_chunk)
        strip_l, strip_ab = lightness[:, rows].float(), _rows_of(columns, top, rows_per_chunk, height)
        linear = _lab_to_linear(strip_l, strip_ab)
        outside = (linear.amin(dim=0) < _LINEAR_LOW) | (linear.amax(dim=0) > _LINEAR_HIGH)
        out[:, rows] = _encode(linear, lut)
        where = outside.flatten().nonzero()[:, 0]
        if where.numel():
            outside_at.append(where + top * width)
            outside_l.append(strip_l.flatten(1)[:, where])
            outside_ab.append(strip_ab.flatten(1)[:, where])
    if outside_at:  # one bisection for all out-of-gamut pixels of the image, not one per strip
        at = torch.cat(outside_at)
        flat[:, at] = _encode(fit_to_gamut(torch.cat(outside_l, dim=1), torch.cat(outside_ab, dim=1)), lut)
    return out
