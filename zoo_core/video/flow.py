"""Optical flow between consecutive frames, and where to trust it.

Flow is computed on the lightness at a reduced resolution (chroma is smooth, and a 256-pixel frame
costs a few milliseconds). A pixel is trusted when the flow passes the checks video style transfer
uses (Sundaram et al. 2010; Ruder et al. 2016): the backward flow and the forward flow at its end
point cancel (no occlusion), the pixel is not on a motion boundary, and its lightness matches the
warped previous frame's (the flow found the same surface). Everything else (disocclusions, new
objects, the first frame of a shot) is left to the model's own prediction.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import deps


def grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (x, y), float32 (H, W) each."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def warp(image: np.ndarray, flow: np.ndarray, border_value: float = 0.0) -> np.ndarray:
    """``image`` (H, W[, C]) sampled at x + flow(x) (bilinear): the previous frame moved onto the current."""
    cv2 = deps.cv2()
    height, width = flow.shape[:2]
    xs, ys = grid(height, width)
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=border_value)


def resize_flow(flow: np.ndarray, height: int, width: int) -> np.ndarray:
    """A flow field (h, w, 2) resampled to (height, width), its vectors scaled to the new pixels."""
    cv2 = deps.cv2()
    h, w = flow.shape[:2]
    if (h, w) == (height, width):
        return flow
    out = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    out[..., 0] *= width / w
    out[..., 1] *= height / h
    return out


@dataclasses.dataclass
class FlowChecks:
    """Thresholds of the trust tests, in pixels of the flow's resolution and 8-bit gray levels."""

    consistency: float = 0.01
    """|b + f|^2 <= consistency * (|b|^2 + |f|^2) + slack: forward and backward flow cancel."""
    slack: float = 0.5
    boundary: float = 0.01
    """|grad b|^2 <= boundary * |b|^2 + 0.002: no motion boundary."""
    photometric: float = 12.0
    """|gray - warped previous gray| <= photometric (of 255)."""


class FlowEstimator:
    """DIS optical flow (Kroeger et al. 2016, OpenCV) both ways, and the trusted pixels."""

    PRESETS = ("ultrafast", "fast", "medium")

    def __init__(self, preset: str = "fast", checks: FlowChecks | None = None, method: str = "dis") -> None:
        cv2 = deps.cv2()
        self.checks = checks or FlowChecks()
        self.method = method
        if method == "dis":
            self.dis = cv2.DISOpticalFlow_create(getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{preset.upper()}"))
        elif method != "farneback":
            raise ValueError(f"unknown flow method {method!r} (dis or farneback)")

    def flow(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Flow (H, W, 2) with first(x) ~ second(x + flow(x)); uint8 gray images."""
        cv2 = deps.cv2()
        if self.method == "dis":
            return self.dis.calc(first, second, None)
        return cv2.calcOpticalFlowFarneback(first, second, None, 0.5, 4, 15, 3, 5, 1.2, 0)

    def backward(self, current: np.ndarray, previous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(flow, trust): current(x) ~ previous(x + flow(x)); trust is 1 where all checks pass, else 0."""
        back = self.flow(current, previous)
        fore = self.flow(previous, current)
        return back, self.trust(current, previous, back, fore)

    def trust(self, current: np.ndarray, previous: np.ndarray, back: np.ndarray, fore: np.ndarray) -> np.ndarray:
        checks = self.checks
        height, width = current.shape
        xs, ys = grid(height, width)
        tx, ty = xs + back[..., 0], ys + back[..., 1]
        inside = (tx >= 0) & (tx <= width - 1) & (ty >= 0) & (ty <= height - 1)
        fore_at = warp(fore, back)
        gap = np.square(back + fore_at).sum(axis=2)
        scale = np.square(back).sum(axis=2) + np.square(fore_at).sum(axis=2)
        consistent = gap <= checks.consistency * scale + checks.slack
        du_y, du_x = np.gradient(back[..., 0])
        dv_y, dv_x = np.gradient(back[..., 1])
        edges = du_x**2 + du_y**2 + dv_x**2 + dv_y**2
        smooth = edges <= checks.boundary * np.square(back).sum(axis=2) + 0.002
        warped = warp(previous.astype(np.float32), back)
        same = np.abs(current.astype(np.float32) - warped) <= checks.photometric
        return (inside & consistent & smooth & same).astype(np.float32)
