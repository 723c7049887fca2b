"""The one rendering path, used by ``run``, evaluation and training previews.

The model sees a small gray square (its working size); its chroma is upsampled to the photo's
size and joined with the photo's own full-resolution lightness. So the output keeps every
detail of the input's lightness, and memory stays bounded on 12-megapixel photos.
Chroma comes as Lab ab (joined in Lab, out-of-gamut colors losing chroma, never lightness)
or, for models that declare it, as YUV chroma (joined with the photo's luminance in YUV).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..color.lab import DEPTHS, join_lab, lab_to_rgb, rgb_to_lightness
from ..color.yuv import join_luma
from ..controls import parse_controls
from ..errors import ColorzooError
from ..io.images import Photo
from ..models.colorizer import Colorizer
from .precision import autocast, resolve_precision


def check_controls(model: Colorizer, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate run-time controls against the model's spec (one-line errors naming the key)."""
    given = dict(given or {})
    spec = getattr(model, "spec", None)
    if spec is None:
        return given
    return parse_controls(spec.controls, given, model=spec.name)


def working_lightness(lightness: torch.Tensor, size: int) -> torch.Tensor:
    """L (B, 1, H, W) resized to the model's working square (B, 1, size, size), antialiased."""
    if lightness.shape[-2:] == (size, size):
        return lightness
    return F.interpolate(lightness, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


def join(
    lightness: torch.Tensor, chroma: torch.Tensor, space: str = "ab", rows_per_chunk: int = 512, depth: int = 8
) -> torch.Tensor:
    """Full-resolution L (1, H, W) + chroma (2, h, w) -> sRGB (3, H, W), uint8 (or 16-bit levels as int32
    with ``depth=16``); chroma is upsampled."""
    height, width = lightness.shape[-2:]
    if space == "ab":
        return join_lab(lightness, chroma, depth=depth)  # upsamples strip by strip
    if space != "uv":
        raise ColorzooError(f"unknown chroma space {space!r} (expected ab or uv)")
    if chroma.shape[-2:] != (height, width):
        chroma = F.interpolate(chroma[None].float(), size=(height, width), mode="bilinear", align_corners=False)[0]
    top_level = float(2**depth - 1)
    out = torch.empty((3, height, width), dtype=DEPTHS[depth], device=lightness.device)
    for top in range(0, height, rows_per_chunk):
        rows = slice(top, top + rows_per_chunk)
        strip = lightness[:, rows]
        gray = lab_to_rgb(torch.cat([strip, torch.zeros_like(strip).expand(2, -1, -1)]))[:1]
        rgb = join_luma(gray, chroma[:, rows].float())
        out[:, rows] = (rgb * top_level).round_().clamp_(0, top_level).to(out.dtype)
    return out


def _forward_inputs(
    model: Colorizer, lightness: Sequence[torch.Tensor], controls: Mapping[str, Any]
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    size = model.working_size(controls)
    sizes = [tuple(t.shape[-2:]) for t in lightness]
    small = torch.cat([working_lightness(t[None], size) for t in lightness])
    if next(model.parameters()).is_contiguous(memory_format=torch.channels_last) and small.dim() == 4:
        small = small.contiguous(memory_format=torch.channels_last)
    return small, sizes  # type: ignore[return-value]


@torch.inference_mode()
def render(
    model: Colorizer,
    lightness: Sequence[torch.Tensor],
    controls: Mapping[str, Any] | None = None,
    precision: str = "fp32",
    depths: Sequence[int] = (),
) -> list[torch.Tensor]:
    """Colorize a batch of full-resolution L (1, H, W) (sizes may differ): sRGB (3, H, W) each, uint8, or
    16-bit levels (int32) where ``depths`` says 16 for that photo.

    ``controls`` must already be checked (``check_controls``).
    """
    chroma = predict_chroma(model, lightness, controls, precision)
    depths = list(depths) or [8] * len(lightness)
    return [join(lum, c, model.chroma, depth=d) for lum, c, d in zip(lightness, chroma, depths, strict=True)]


@torch.inference_mode()
def predict_chroma(
    model: Colorizer,
    lightness: Sequence[torch.Tensor],
    controls: Mapping[str, Any] | None = None,
    precision: str = "fp32",
) -> torch.Tensor:
    """The first half of ``render``: the model's chroma (B, 2, h, w), fp32, in its own space
    (``model.chroma``), before it is joined with each L (1, H, W). Video stabilization works here."""
    controls = dict(controls or {})
    device = lightness[0].device
    dtype = resolve_precision(precision, device)
    model.eval()
    small, sizes = _forward_inputs(model, lightness, controls)
    with autocast(device, dtype):
        chroma = model.colors(small, controls, sizes)
    return chroma.float()


@torch.inference_mode()
def render_variants(
    model: Colorizer,
    lightness: torch.Tensor,
    variants: Sequence[Mapping[str, Any]],
    precision: str = "fp32",
) -> Iterator[tuple[int, torch.Tensor]]:
    """(index, uint8 (B, 3, H, W)) for each controls variant of a batch of same-size L (B, 1, H, W).

    Where the model's ``predict`` is the plain forward + decode, variants at the same working size
    share one forward pass (a sweep of a decoding control costs one network evaluation).
    """
    dtype = resolve_precision(precision, lightness.device)
    model.eval()
    plain = type(model).predict is Colorizer.predict
    outputs: dict[int, Any] = {}  # a plain model's forward pass depends on the working size alone
    for index, controls in enumerate(variants):
        small, sizes = _forward_inputs(model, list(lightness), controls)
        with autocast(lightness.device, dtype):
            if plain:
                side = small.shape[-1]
                if side not in outputs:
                    outputs[side] = model(small)
                chroma = model.saturate(model.decode(outputs[side], controls), controls)
            else:
                chroma = model.colors(small, controls, sizes)
        yield index, torch.stack([join(lum, c, model.chroma) for lum, c in zip(lightness, chroma.float(), strict=True)])


def photo_lightness(photo: Photo, device: torch.device) -> torch.Tensor:
    """The photo's full-resolution L (1, H, W) on ``device``."""
    rgb = torch.from_numpy(photo.rgb).to(device).permute(2, 0, 1)
    return rgb_to_lightness(rgb)


def colorize(
    model: Colorizer,
    photos: Sequence[Photo],
    controls: Mapping[str, Any] | None = None,
    *,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    **control_values: Any,
) -> list[np.ndarray]:
    """Colorize photos; returns uint8 (H, W, 3), or (H, W, 4) with the alpha kept; uint16 for 16-bit
    photos (``Photo.bits``), so a 16-bit scan keeps its precision.

    Controls come as a mapping or as keywords (``colorize(model, photos, temperature=0.3)``),
    checked against the model's declared controls. Color in the input is ignored: only its
    lightness is used.
    """
    checked = check_controls(model, {**(controls or {}), **control_values})
    device = torch.device(device) if device is not None else next(model.parameters()).device
    lightness = [photo_lightness(p, device) for p in photos]
    depths = [16 if p.bits > 8 else 8 for p in photos]
    results = []
    for photo, rgb in zip(photos, render(model, lightness, checked, precision, depths), strict=True):
        pixels = rgb.permute(1, 2, 0).cpu().numpy()
        if photo.bits > 8:
            pixels = pixels.astype(np.uint16)
        if photo.alpha is not None:
            alpha = photo.alpha.astype(np.uint16) * 257 if photo.bits > 8 else photo.alpha
            pixels = np.concatenate([pixels, alpha[..., None]], axis=2)
        results.append(pixels)
    return results
