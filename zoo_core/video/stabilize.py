"""Temporal stability for any colorizer: chroma carried along the optical flow, reset at scene cuts.

Image colorizers see one frame at a time, so the same surface can change color from frame to
frame (flicker). Following blind temporal-consistency methods (Bonneel et al. 2015; Lai et al.
2018, whose warp error this reduces), the stabilizer makes each output a recurrent blend along the
motion: where the flow from the previous frame is trusted (``flow.FlowEstimator``), the previous
output's chroma, warped onto the current frame, is mixed with the model's new prediction

    out_t = pred_t + carry * trust * (warp(out_{t-1}) - pred_t)

so on a tracked surface the color is an exponential average of the model's guesses along its
trajectory (with ``carry`` 0.8, the last ~9 frames), while occluded, new or untrusted pixels take
the new prediction at once. At a scene cut (detected on the lightness alone: the histogram
changes, or the flow finds almost nothing of the previous frame) the state is dropped, so the
first frame of a shot is exactly the frame-by-frame prediction and no color crosses a cut.

It works on the chroma the renderer produces (Lab ab or YUV uv, at the model's output grid)
before it is joined with each frame's own full-resolution lightness, so it is model-independent
and the output keeps the input's lightness. Flow runs at ``flow_size`` pixels on the long side.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import deps
from .flow import FlowEstimator, resize_flow, warp


@dataclasses.dataclass
class StabilizerSettings:
    carry: float = 0.8
    """Weight of the carried chroma where the flow is trusted (0: frame by frame)."""
    flow_size: int = 256
    """Long side of the frames the flow is computed on (never upscaled)."""
    preset: str = "fast"
    """DIS preset: ultrafast, fast or medium."""
    cut_histogram: float = 0.5
    """A cut when the lightness histograms (16 bins) differ by more than this (total variation, 0..1)..."""
    cut_trusted: float = 0.2
    """...or when the flow trusts less than this share of the frame."""
    feather: int = 2
    """Pixels (at the flow's resolution) over which trust is softened, so carried regions have no seams."""


@dataclasses.dataclass
class FrameStats:
    cut: bool
    trusted: float
    histogram_change: float
    seconds: float


def _histogram(gray: np.ndarray, bins: int = 16) -> np.ndarray:
    counts = np.bincount((gray.ravel() >> 4).astype(np.int64), minlength=bins).astype(np.float64)
    return counts / max(1.0, counts.sum())


class Stabilizer:
    """Call it on each frame in order: ``stabilized = stabilizer(lightness, chroma)``."""

    def __init__(self, settings: StabilizerSettings | None = None) -> None:
        self.settings = settings or StabilizerSettings()
        self.flow = FlowEstimator(self.settings.preset)
        self.stats: list[FrameStats] = []
        self.reset()

    def reset(self) -> None:
        self._gray: np.ndarray | None = None
        self._hist: np.ndarray | None = None
        self._chroma: np.ndarray | None = None

    @property
    def cuts(self) -> list[int]:
        """Indices of the frames where a new shot was detected (the first frame counts)."""
        return [i for i, s in enumerate(self.stats) if s.cut]

    def small_gray(self, lightness: torch.Tensor) -> np.ndarray:
        """L (1, H, W) in 0..100 -> uint8 gray at the flow's resolution (area-averaged)."""
        height, width = lightness.shape[-2:]
        scale = min(1.0, self.settings.flow_size / max(height, width))
        size = (max(8, round(height * scale)), max(8, round(width * scale)))
        small = lightness[None].float()
        if size != (height, width):
            small = F.interpolate(small, size=size, mode="area")
        return (small[0, 0] * 2.55).round_().clamp_(0, 255).to(torch.uint8).cpu().numpy()

    def __call__(self, lightness: torch.Tensor, chroma: torch.Tensor) -> torch.Tensor:
        """The stabilized chroma (2, h, w) for this frame's L (1, H, W) and the model's chroma (2, h, w)."""
        start = time.perf_counter()
        gray = self.small_gray(lightness)
        hist = _histogram(gray)
        pred = chroma.detach().float().cpu().numpy().transpose(1, 2, 0)  # (h, w, 2) for OpenCV
        change = 1.0 if self._hist is None else 0.5 * float(np.abs(hist - self._hist).sum())
        out, trusted, cut = pred, 0.0, True
        if self._gray is not None and self._gray.shape == gray.shape and change <= self.settings.cut_histogram:
            back, trust = self.flow.backward(gray, self._gray)
            trusted = float(trust.mean())
            if trusted >= self.settings.cut_trusted:
                cut = False
                out = self._blend(pred, back, trust)
        self._gray, self._hist, self._chroma = gray, hist, out
        self.stats.append(FrameStats(cut, trusted, change, time.perf_counter() - start))
        if out is pred:
            return chroma
        return torch.from_numpy(out.transpose(2, 0, 1).copy()).to(chroma.device)

    def _blend(self, pred: np.ndarray, back: np.ndarray, trust: np.ndarray) -> np.ndarray:
        cv2 = deps.cv2()

        if self.settings.feather > 0:  # soft edges: a trusted pixel next to untrusted ones carries less
            k = 2 * self.settings.feather + 1
            trust = cv2.erode(trust, np.ones((3, 3), np.uint8))
            trust = cv2.blur(trust, (k, k))
        height, width = pred.shape[:2]
        grid_flow = resize_flow(back, height, width)
        weight = cv2.resize(trust, (width, height), interpolation=cv2.INTER_AREA) * self.settings.carry
        carried = warp(self._chroma, grid_flow)
        return pred + weight[..., None] * (carried - pred)
