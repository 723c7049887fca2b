"""Flicker: how much a clip's colors change between frames where the scene does not.

Two figures from the video colorization literature, computed frame by frame as a clip streams:

- warp error (Lai et al. 2018, in Lab ab as video colorization reports it): the mean ab distance
  between each frame and the previous one warped onto it, over the pixels the flow trusts.
  The flow is Farneback's (OpenCV), computed on the ground truth's lightness, with the trust
  tests of ``flow.FlowEstimator``: a different algorithm from the stabilizer's DIS flow, so the
  stabilizer is not graded by its own flow.
- CDC, the color distribution consistency of TCVC (Liu et al. 2021): the Jensen-Shannon
  divergence (natural log) of the 256-bin R, G and B histograms of frames i and i + d, for d in
  1, 2 and 4, averaged over frames and channels, the three distances weighted equally.

Both are lower for steadier color, and neither is zero for the truth, which has motion,
lighting changes and cuts of its own: report each output's excess over the truth.
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np

from .flow import FlowEstimator, warp

CDC_DISTANCES = (1, 2, 4)


def rgb_histograms(rgb: np.ndarray) -> np.ndarray:
    """(3, 256) normalized histograms of the R, G and B channels of a uint8 (H, W, 3) frame."""
    flat = rgb.reshape(-1, 3)
    hists = np.stack([np.bincount(flat[:, c], minlength=256) for c in range(3)]).astype(np.float64)
    return hists / max(1, flat.shape[0])


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence (natural log) along the last axis of two distributions."""
    m = (p + q) / 2

    def kl(a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(a > 0, a * np.log(a / np.where(m > 0, m, 1)), 0.0)
        return terms.sum(axis=-1)

    return 0.5 * kl(p) + 0.5 * kl(q)


class CDCMeter:
    """CDC of one clip, fed frame by frame (keeps the last four histograms only)."""

    def __init__(self) -> None:
        self.history: collections.deque[np.ndarray] = collections.deque(maxlen=max(CDC_DISTANCES))
        self.sums = dict.fromkeys(CDC_DISTANCES, 0.0)
        self.counts = dict.fromkeys(CDC_DISTANCES, 0)

    def add(self, rgb: np.ndarray) -> None:
        hist = rgb_histograms(rgb)
        for d in CDC_DISTANCES:
            if len(self.history) >= d:
                self.sums[d] += float(js_divergence(self.history[-d], hist).mean())  # mean over R, G, B
                self.counts[d] += 1
        self.history.append(hist)

    @property
    def value(self) -> float:
        """Mean over the distances that have pairs (all three once the clip has five frames)."""
        means = [self.sums[d] / self.counts[d] for d in CDC_DISTANCES if self.counts[d]]
        return float(np.mean(means)) if means else 0.0


class WarpMotion:
    """The flow between consecutive ground-truth frames and its trust mask, shared by every output."""

    def __init__(self) -> None:
        self.estimator = FlowEstimator(method="farneback")
        self.previous: np.ndarray | None = None
        self.back: np.ndarray | None = None
        self.trust: np.ndarray | None = None

    def add(self, gray: np.ndarray) -> None:
        """The next frame's lightness as uint8 (H, W); after it, ``back`` and ``trust`` hold the pair's."""
        if self.previous is not None and self.previous.shape == gray.shape:
            self.back, self.trust = self.estimator.backward(gray, self.previous)
        else:
            self.back = self.trust = None
        self.previous = gray


@dataclasses.dataclass
class WarpErrorMeter:
    """Warp error of one sequence of ab frames, pooled over the trusted pixels of all pairs."""

    total: float = 0.0
    weight: float = 0.0
    previous: np.ndarray | None = None

    def add(self, ab: np.ndarray, motion: WarpMotion) -> None:
        """``ab`` (H, W, 2) float32 of this frame; ``motion`` already holds this frame's flow."""
        if self.previous is not None and motion.back is not None and motion.trust is not None:
            moved = warp(self.previous, motion.back)
            distance = np.sqrt(np.square(ab - moved).sum(axis=2))
            self.total += float((distance * motion.trust).sum())
            self.weight += float(motion.trust.sum())
        self.previous = ab

    @property
    def value(self) -> float:
        return self.total / self.weight if self.weight else 0.0
