"""The quantized ab space of Zhang et al., "Colorful Image Colorization" (ECCV 2016).

Colorization as classification: ab is cut into Q = 313 bins of grid step 10, ground truth
is soft-encoded over its 5 nearest bins, rare colors are up-weighted by class rebalancing,
and predictions are decoded with the annealed mean.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = [
    "AB_BIN_RANGES",
    "GRID_STEP",
    "NUM_BINS",
    "ab_bins",
    "ab_histogram",
    "annealed_mean",
    "nearest_bin",
    "one_hot_encode",
    "rebalance_weights",
    "smooth_prior",
    "soft_encode",
]

GRID_STEP = 10

#: The published ECCV16 gamut (``pts_in_hull``): for each a, the inclusive range of b.
#: It is not "every in-gamut grid point"; it is the table the paper's network was trained on,
#: so a model's 313 output channels mean these colors, in this order (a, then b, ascending).
AB_BIN_RANGES: dict[int, tuple[int, int]] = {
    -90: (50, 90), -80: (20, 90), -70: (0, 90), -60: (-20, 90), -50: (-30, 100),
    -40: (-40, 100), -30: (-50, 100), -20: (-50, 100), -10: (-60, 100), 0: (-70, 100),
    10: (-80, 90), 20: (-80, 90), 30: (-90, 90), 40: (-100, 90), 50: (-100, 80),
    60: (-110, 80), 70: (-110, 80), 80: (-110, 70), 90: (-110, 70), 100: (-90, 0),
}

NUM_BINS = sum((hi - lo) // GRID_STEP + 1 for lo, hi in AB_BIN_RANGES.values())


def ab_bins(device: torch.device | str | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The 313 bin centers as a (313, 2) tensor of (a, b)."""
    centers = [(a, b) for a, (lo, hi) in AB_BIN_RANGES.items() for b in range(lo, hi + 1, GRID_STEP)]
    return torch.tensor(centers, dtype=dtype, device=device)


def _pixels(ab: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) -> (B*H*W, 2)."""
    return ab.permute(0, 2, 3, 1).reshape(-1, 2)


def _unpixels(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(B*H*W, C) -> (B, C, H, W) with the batch/spatial shape of ``like``."""
    batch, _, height, width = like.shape
    return values.reshape(batch, height, width, -1).permute(0, 3, 1, 2)


def soft_encode(ab: torch.Tensor, neighbors: int = 5, sigma: float = 5.0) -> torch.Tensor:
    """Soft-encode ground truth ab (B, 2, H, W) into a distribution over bins (B, 313, H, W).

    Each pixel spreads over its ``neighbors`` nearest bins with Gaussian weights (sigma in ab
    units), normalized to sum to 1. Runs on ab's device; no nearest-neighbour index needed.
    """
    bins = ab_bins(ab.device, ab.dtype)
    pixels = _pixels(ab)
    dist2 = torch.cdist(pixels, bins).square()
    near_d2, near_idx = dist2.topk(neighbors, dim=1, largest=False)
    weights = torch.softmax(-near_d2 / (2.0 * sigma**2), dim=1)
    encoded = torch.zeros(pixels.shape[0], bins.shape[0], dtype=ab.dtype, device=ab.device)
    encoded.scatter_(1, near_idx, weights)
    return _unpixels(encoded, ab)


def nearest_bin(ab: torch.Tensor) -> torch.Tensor:
    """Index of the nearest bin for each pixel: (B, 2, H, W) -> (B, H, W) int64."""
    bins = ab_bins(ab.device, ab.dtype)
    idx = torch.cdist(_pixels(ab), bins).argmin(dim=1)
    batch, _, height, width = ab.shape
    return idx.reshape(batch, height, width)


def one_hot_encode(ab: torch.Tensor) -> torch.Tensor:
    """Hard (one-hot) encoding over bins: (B, 2, H, W) -> (B, 313, H, W)."""
    return F.one_hot(nearest_bin(ab), NUM_BINS).permute(0, 3, 1, 2).to(ab.dtype)


def ab_histogram(ab: torch.Tensor) -> torch.Tensor:
    """Counts of pixels per nearest bin, (313,) float64 on the CPU: accumulate it to get a prior."""
    return torch.bincount(nearest_bin(ab).flatten(), minlength=NUM_BINS).cpu().double()  # MPS has no float64


def smooth_prior(prior: torch.Tensor, sigma: float = 5.0) -> torch.Tensor:
    """Gaussian-smooth a prior over bins in ab space (sigma in ab units); sums to 1."""
    bins = ab_bins(prior.device, torch.float64)
    kernel = torch.exp(-torch.cdist(bins, bins).square() / (2.0 * sigma**2))
    smoothed = kernel @ prior.double()
    return smoothed / smoothed.sum()


def rebalance_weights(prior: torch.Tensor, lam: float = 0.5, sigma: float | None = 5.0) -> torch.Tensor:
    """Class-rebalancing weights w ~ ((1 - lam) p + lam / Q)^-1 with E_p[w] = 1.

    ``prior`` is the empirical distribution (or counts) over the 313 bins; it is smoothed
    first when ``sigma`` is given, and the expectation is taken under the prior used.
    """
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam mixes the prior with the uniform distribution: it must be in [0, 1], got {lam}")
    p = prior.double() / prior.double().sum()
    if sigma:
        p = smooth_prior(p, sigma)
    weights = 1.0 / ((1.0 - lam) * p + lam / p.numel())
    return (weights / (p * weights).sum()).float()


def annealed_mean(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Decode bin logits (B, 313, H, W) to ab (B, 2, H, W).

    The distribution is re-sharpened as softmax(log z / T) = softmax(logits / T), then its mean
    is taken: T = 1 is the plain mean (desaturated), T -> 0 the mode (vivid, patchy). T = 0 (or a T
    so small float32 holds it as 0) takes the mode exactly.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    logits = logits.float()  # sharpening by 1/T overflows half precision
    bins = ab_bins(logits.device)
    if temperature <= torch.finfo(torch.float32).tiny:  # 0, or so small that float32 holds it as 0: the mode
        return bins[logits.argmax(dim=1)].permute(0, 3, 1, 2)
    # log-probabilities shifted so the most likely bin is exactly 0: dividing by any T > 0, however
    # small, leaves it at 0 and sends the others towards -inf, never to inf - inf (NaN)
    logp = torch.log_softmax(logits, dim=1)
    probs = torch.softmax((logp - logp.amax(dim=1, keepdim=True)) / temperature, dim=1)
    return torch.einsum("bqhw,qc->bchw", probs, bins)


def certainty(logits: torch.Tensor) -> torch.Tensor:
    """1 - the normalized entropy of each pixel's distribution over the bins (B, 1, H, W): 1 where one bin
    takes everything, 0 where the distribution is flat. A decoder can fall back toward gray where it is
    low (chroma times ``certainty ** k``): a colorizer that does not know a color should not guess one."""
    logp = torch.log_softmax(logits.float(), dim=1)
    entropy = -(logp.exp() * logp).sum(dim=1, keepdim=True)
    return (1.0 - entropy / math.log(logits.shape[1])).clamp(0.0, 1.0)
