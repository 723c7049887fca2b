"""How good is a colorization? Metrics against the ground-truth color image.

Images are uint8 RGB tensors (B, 3, H, W) (or float in [0, 255]); Lab comes from ``lab.py``.
Per-image values come back as (B,) tensors. PSNR and SSIM are torchmetrics' (checked against
scikit-image in the tests); AuC and colorfulness follow their papers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from ..color.lab import rgb_to_lab
from ..color.quantize import nearest_bin

#: Zhang et al.'s AuC integrates the accuracy curve over ab-distance thresholds 0..150.
AUC_MAX_THRESHOLD = 150


def _float(rgb: torch.Tensor) -> torch.Tensor:
    return rgb.float()


def lab_of(rgb: torch.Tensor) -> torch.Tensor:
    return rgb_to_lab(_float(rgb) / 255.0)


def rmse_ab(pred_lab: torch.Tensor, true_lab: torch.Tensor) -> torch.Tensor:
    """Root of the mean squared Euclidean ab error over pixels, per image (Lab units)."""
    return (pred_lab[:, 1:] - true_lab[:, 1:]).square().sum(dim=1).mean(dim=(1, 2)).sqrt()


def rmse_rgb(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """RMSE over all RGB values, per image, on the 0..255 scale."""
    return (_float(pred) - _float(true)).square().mean(dim=(1, 2, 3)).sqrt()


def psnr(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """PSNR in dB over RGB (data range 255), per image."""
    return peak_signal_noise_ratio(_float(pred), _float(true), data_range=255.0, reduction="none", dim=(1, 2, 3))


def ssim(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """SSIM over RGB (Gaussian window, sigma 1.5), per image."""
    return structural_similarity_index_measure(_float(pred), _float(true), data_range=255.0, reduction="none")


def ab_accuracy_curve(
    pred_lab: torch.Tensor, true_lab: torch.Tensor, pixel_weights: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, 151): for thresholds 0..150, the (weighted) share of pixels with ab error <= threshold."""
    error = (pred_lab[:, 1:] - true_lab[:, 1:]).square().sum(dim=1).sqrt().flatten(1)  # (B, N)
    weights = torch.ones_like(error) if pixel_weights is None else pixel_weights.flatten(1).to(error)
    thresholds = torch.arange(AUC_MAX_THRESHOLD + 1, device=error.device, dtype=error.dtype)
    # histogram of errors by integer ceiling, then a cumulative sum: no (B, N, 151) tensor
    bucket = error.ceil().clamp(max=AUC_MAX_THRESHOLD + 1).long()
    hist = torch.zeros(error.shape[0], AUC_MAX_THRESHOLD + 2, device=error.device, dtype=error.dtype)
    hist.scatter_add_(1, bucket, weights)
    within = hist.cumsum(dim=1)[:, : thresholds.numel()]
    return within / weights.sum(dim=1, keepdim=True)


def auc(curve: torch.Tensor) -> torch.Tensor:
    """Area under an accuracy curve over thresholds 0..150, normalized to 0..100 (%)."""
    return 100.0 * torch.trapezoid(curve, dx=1.0, dim=-1) / AUC_MAX_THRESHOLD


def rebalance_pixel_weights(true_lab: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Per-pixel weights 1 / p(bin of the true color): each color class counts equally."""
    bins = nearest_bin(true_lab[:, 1:])
    p = prior.to(true_lab.device, true_lab.dtype)
    inverse = torch.where(p > 0, 1.0 / p.clamp_min(1e-12), torch.zeros_like(p))
    return inverse[bins]


def colorfulness(rgb: torch.Tensor) -> torch.Tensor:
    """Hasler and Suesstrunk (2003) colorfulness, per image: 0 for gray, ~100+ for vivid."""
    r, g, b = _float(rgb).unbind(dim=1)
    rg = (r - g).flatten(1)
    yb = (0.5 * (r + g) - b).flatten(1)
    std = (rg.var(dim=1, unbiased=False) + yb.var(dim=1, unbiased=False)).sqrt()
    mean = (rg.mean(dim=1).square() + yb.mean(dim=1).square()).sqrt()
    return std + 0.3 * mean


def paired_difference(a: Sequence[float], b: Sequence[float], n_boot: int = 10_000, seed: int = 0) -> dict[str, float]:
    """Mean of a - b over paired per-image values, with a 95% bootstrap interval over images.

    Small validation sets make a few tenths of AuC noise: the interval says whether a model
    really beats a baseline on these images, ``wins`` on how many of them it does.
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.ndim != 1 or diff.size == 0:
        raise ValueError(f"need two equally long, non-empty sequences, got a difference of shape {diff.shape}")
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(n_boot, diff.size))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return {"mean": float(diff.mean()), "low": float(low), "high": float(high), "wins": int((diff > 0).sum()),
            "images": int(diff.size)}
