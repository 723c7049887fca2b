"""The empirical distribution of a data set's colors over the 313 ab bins.

Class rebalancing needs it: ``colorzoo priors --data DIR -o priors.json`` computes it once,
and ``colorzoo train`` computes it on its own training data when none is given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from ..io.atomic import write_text
from ..io.images import SKIP_GRAY, open_color_image
from .lab import rgb_to_lab
from .quantize import NUM_BINS, ab_bins, ab_histogram, smooth_prior


def compute_prior(
    files: Sequence[Path], size: int = 128, on_file: Callable[[Path], None] | None = None
) -> tuple[torch.Tensor, dict[str, int]]:
    """Pixel counts per bin over ``files`` (each downscaled to at most ``size`` px), and file tallies."""
    counts = torch.zeros(NUM_BINS, dtype=torch.float64)
    tally = {"images": 0, "gray": 0, "unreadable": 0}
    for path in files:
        image, why = open_color_image(path, draft=size)  # JPEGs decode at reduced scale: fast
        if image is None:
            tally["gray" if why == SKIP_GRAY else "unreadable"] += 1
        else:
            image.thumbnail((size, size))
            rgb = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
            counts += ab_histogram(rgb_to_lab(rgb[None])[:, 1:])
            tally["images"] += 1
        if on_file is not None:
            on_file(path)
    return counts, tally


def save_prior(path: str | os.PathLike[str], counts: torch.Tensor, tally: dict[str, int], sigma: float = 5.0) -> Path:
    prior = counts / counts.sum().clamp_min(1)
    payload = {
        "num_bins": NUM_BINS,
        "bins": ab_bins().int().tolist(),
        "counts": counts.tolist(),
        "prior": prior.tolist(),
        "smoothed_prior": smooth_prior(prior, sigma).tolist() if counts.sum() > 0 else prior.tolist(),
        "sigma": sigma,
        **tally,
    }
    return write_text(path, json.dumps(payload))


def load_prior(path: str | os.PathLike[str]) -> torch.Tensor:
    """The unsmoothed prior (sums to 1) from a file written by ``save_prior``."""
    try:
        payload = json.loads(Path(path).read_text())
        prior = torch.tensor(payload["prior"], dtype=torch.float64)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a colorzoo priors file ({exc})") from exc
    if prior.shape != (NUM_BINS,) or prior.sum() <= 0:
        raise ValueError(f"{path}: expected {NUM_BINS} non-negative values with a positive sum")
    return prior / prior.sum()
