"""What evaluation produces: the images it runs on and each row's per-image metrics."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from . import metrics

GRAYSCALE = "grayscale"
METRICS = ("auc", "auc_rebal", "rmse_ab", "rmse_rgb", "psnr", "ssim", "colorfulness", "colorfulness_diff")


@dataclasses.dataclass
class EvalImage:
    name: str
    rgb: torch.Tensor  # uint8 (3, S, S)
    group: str = ""
    """The folder the image comes from: results are also reported per folder."""


Setting = tuple[tuple[str, Any], ...]
"""Control values a row was measured with, beyond the model's own (``(("temperature", 0.2),)``)."""


def setting_text(setting: Setting) -> str:
    return ", ".join(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}" for key, value in setting)


@dataclasses.dataclass
class Scores:
    label: str
    setting: Setting
    per_image: list[dict[str, float]]
    pooled_rebal_hist: torch.Tensor  # weighted accuracy counts over thresholds, summed over images
    pooled_rebal_total: float
    outputs: list[np.ndarray] = dataclasses.field(default_factory=list)
    features: list[torch.Tensor] = dataclasses.field(default_factory=list)
    """FID features of the predictions, batch by batch (when FID is measured)."""
    fid: float | None = None

    def summary(self) -> dict[str, float]:
        means = {k: float(np.mean([row[k] for row in self.per_image])) for k in METRICS if k != "auc_rebal"}
        curve = self.pooled_rebal_hist / max(self.pooled_rebal_total, 1e-12)
        means["auc_rebal"] = float(metrics.auc(curve))
        summary = {k: means[k] for k in METRICS}
        if self.fid is not None:
            summary["fid"] = self.fid
        return summary


def columns(rows: list[dict[str, object]]) -> tuple[str, ...]:
    """The metric columns of a table: every metric, and FID where it was measured."""
    return (*METRICS, "fid") if any("fid" in row for row in rows) else METRICS
