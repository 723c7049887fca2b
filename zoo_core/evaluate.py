"""Run colorizers on the same ground-truth images and measure them side by side.

The grayscale baseline (ab = 0) is always measured too: it is what every method must beat
on AuC and colorfulness. Classification models can be measured at several temperatures
from one forward pass, which is also how the temperature sweep is made.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import metrics
from .colorizer import Colorizer
from .data import READ_ERRORS, center_crop, is_gray
from .errors import ColorzooError
from .lab import join_lab
from .quantize import NUM_BINS, ab_histogram

GRAYSCALE = "grayscale"
SWEEP_TEMPERATURES = (0.01, 0.05, 0.1, 0.2, 0.38, 0.5, 0.75, 1.0)
METRICS = ("auc", "auc_rebal", "rmse_ab", "rmse_rgb", "psnr", "ssim", "colorfulness", "colorfulness_diff")


@dataclasses.dataclass
class EvalImage:
    name: str
    rgb: torch.Tensor  # uint8 (3, S, S)


@dataclasses.dataclass
class Contender:
    """A model at a temperature, or the grayscale baseline (model None)."""

    label: str
    model: Colorizer | None = None
    temperatures: tuple[float | None, ...] = (None,)


@dataclasses.dataclass
class Scores:
    label: str
    temperature: float | None
    per_image: list[dict[str, float]]
    pooled_rebal_hist: torch.Tensor  # weighted accuracy counts over thresholds, summed over images
    pooled_rebal_total: float
    outputs: list[np.ndarray] = dataclasses.field(default_factory=list)

    def summary(self) -> dict[str, float]:
        means = {k: float(np.mean([row[k] for row in self.per_image])) for k in METRICS if k != "auc_rebal"}
        curve = self.pooled_rebal_hist / max(self.pooled_rebal_total, 1e-12)
        means["auc_rebal"] = float(metrics.auc(curve))
        return {k: means[k] for k in METRICS}


def load_eval_images(
    files: Sequence[Path], size: int, limit: int | None = None, on_skip: Callable[[Path, str], None] | None = None
) -> list[EvalImage]:
    """Center-cropped ``size`` squares of the color images among ``files``."""
    images: list[EvalImage] = []
    for path in files:
        if limit is not None and len(images) >= limit:
            break
        try:
            with Image.open(path) as image:
                image.load()
                if is_gray(image):
                    if on_skip:
                        on_skip(path, "grayscale: no ground-truth color")
                    continue
                crop = center_crop(image.convert("RGB"), size)
        except READ_ERRORS as exc:
            if on_skip:
                on_skip(path, f"cannot be read ({exc})")
            continue
        images.append(EvalImage(path.name, torch.from_numpy(np.asarray(crop).copy()).permute(2, 0, 1)))
    return images


def data_prior(images: Sequence[EvalImage]) -> torch.Tensor:
    """The evaluation images' own color distribution over the 313 bins (for rebalanced AuC)."""
    counts = torch.zeros(NUM_BINS, dtype=torch.float64)
    for image in images:
        counts += ab_histogram(metrics.lab_of(image.rgb[None])[:, 1:])
    return counts / counts.sum()


@torch.no_grad()
def evaluate(
    contenders: Sequence[Contender],
    images: Sequence[EvalImage],
    device: torch.device,
    batch_size: int = 8,
    keep_outputs: int = 0,
    on_batch: Callable[[int], None] | None = None,
) -> list[Scores]:
    """Scores for every (contender, temperature), the grayscale baseline first."""
    if not images:
        raise ColorzooError("no color images to evaluate on")
    prior = data_prior(images).to(device)
    everyone = [Contender(GRAYSCALE), *contenders]
    scores = {
        (c.label, t): Scores(c.label, t, [], torch.zeros(metrics.AUC_MAX_THRESHOLD + 1, dtype=torch.float64), 0.0)
        for c in everyone
        for t in c.temperatures
    }
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        truth = torch.stack([im.rgb for im in chunk]).to(device)
        true_lab = metrics.lab_of(truth)
        weights = metrics.rebalance_pixel_weights(true_lab, prior)
        for contender in everyone:
            for temperature, pred in _predict(contender, true_lab, temperature_list=contender.temperatures):
                entry = scores[(contender.label, temperature)]
                _score(entry, chunk, pred, truth, true_lab, weights, keep_outputs)
        if on_batch:
            on_batch(len(chunk))
    return list(scores.values())


def _predict(contender: Contender, true_lab: torch.Tensor, temperature_list: Sequence[float | None]):
    """Yield (temperature, uint8 RGB prediction) for each temperature, from one forward pass."""
    lightness = true_lab[:, :1]
    if contender.model is None:
        ab = torch.zeros_like(true_lab[:, 1:])
        yield None, _render(lightness, ab)
        return
    model = contender.model.eval()
    size = model.config.input_size
    small = F.interpolate(lightness, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    output = model(small)
    for temperature in temperature_list:
        ab = model.decode(output, temperature).float()
        ab = F.interpolate(ab, size=lightness.shape[-2:], mode="bilinear", align_corners=False)
        yield temperature, _render(lightness, ab)


def _render(lightness: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    return torch.stack([join_lab(lightness[i], ab[i]) for i in range(lightness.shape[0])])


def _score(entry: Scores, chunk, pred, truth, true_lab, weights, keep_outputs: int) -> None:
    pred_lab = metrics.lab_of(pred)
    curve = metrics.ab_accuracy_curve(pred_lab, true_lab)
    rebal_curve = metrics.ab_accuracy_curve(pred_lab, true_lab, weights)
    weight_sums = weights.flatten(1).sum(dim=1)
    entry.pooled_rebal_hist += (rebal_curve * weight_sums[:, None]).sum(dim=0).cpu().double()
    entry.pooled_rebal_total += float(weight_sums.sum())
    values = {
        "auc": metrics.auc(curve),
        "auc_rebal": metrics.auc(rebal_curve),
        "rmse_ab": metrics.rmse_ab(pred_lab, true_lab),
        "rmse_rgb": metrics.rmse_rgb(pred, truth),
        "psnr": metrics.psnr(pred, truth),
        "ssim": metrics.ssim(pred, truth),
        "colorfulness": metrics.colorfulness(pred),
        "colorfulness_diff": metrics.colorfulness(pred) - metrics.colorfulness(truth),
    }
    for i, image in enumerate(chunk):
        entry.per_image.append({"image": image.name, **{k: float(v[i]) for k, v in values.items()}})
        if len(entry.outputs) < keep_outputs:
            entry.outputs.append(pred[i].permute(1, 2, 0).cpu().numpy())


def load_contender(spec: str, device: torch.device, weights: str | os.PathLike[str] | None = None) -> Contender:
    """A registered model name (with its available weights) or a model directory / file."""
    from .colorizer import Colorizer as Base
    from .registry import create_model

    path = Path(spec)
    if weights is None and (path.is_dir() or path.suffix == ".safetensors"):
        model = Base.from_pretrained(path, device=device)
        label = f"{model.config.model} ({path.name})" if path.name != model.config.model else model.config.model
    else:
        model = create_model(spec, pretrained=True, weights=weights, device=device)
        label = spec
    return Contender(label, model)
