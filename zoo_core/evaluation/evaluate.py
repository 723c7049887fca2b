"""Run colorizers on the same ground-truth images and measure them side by side.

The grayscale baseline (ab = 0) is always measured too: it is what every method must beat
on AuC and colorfulness. Predictions go through the same rendering path as ``colorzoo run``
(each model at its own working size, color upsampled and joined with the image's lightness),
so models of different families compare on equal terms. A model can be measured at several
settings of its controls (a sweep of a decoding control its spec declares sweepable, such as an
annealed-mean temperature): where only decoding changes, they share one forward pass.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..controls import Control
from ..errors import ColorzooError
from ..io.files import list_images
from ..io.images import SKIP_GRAY, center_crop, open_color_image
from ..models.colorizer import Colorizer
from ..render.render import check_controls, render_variants
from . import metrics
from .report import summary_rows
from .scores import GRAYSCALE, EvalImage, Scores, Setting


@dataclasses.dataclass
class Contender:
    """A model with its controls, at one or more settings, or the grayscale baseline (model None)."""

    label: str
    model: Colorizer | None = None
    settings: tuple[Setting, ...] = ((),)
    """Control values beyond ``controls``, one row each (``((),)``: the model as it comes)."""
    controls: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def sweep_control(self) -> Control | None:
        """The control the model's spec declares sweepable (``Control.sweep``), if any."""
        spec = getattr(self.model, "spec", None)
        return next((c for c in spec.controls if c.sweep), None) if spec is not None else None

    def variants(self) -> list[dict[str, Any]]:
        """The controls of each setting, checked and converted (one-line errors for a bad value)."""
        given = [{**self.controls, **dict(setting)} for setting in self.settings]
        return [check_controls(self.model, v) for v in given] if self.model is not None else given


def load_eval_images(
    files: Sequence[Path], size: int, limit: int | None = None, on_skip: Callable[[Path, str], None] | None = None
) -> list[EvalImage]:
    """Center-cropped ``size`` squares of the color images among ``files``."""
    images: list[EvalImage] = []
    for path in files:
        if limit is not None and len(images) >= limit:
            break
        image, why = open_color_image(path)
        if image is None:
            if on_skip:
                on_skip(path, "grayscale: no ground-truth color" if why == SKIP_GRAY else f"cannot be read ({why})")
            continue
        crop = center_crop(image, size)
        pixels = torch.from_numpy(np.asarray(crop).copy()).permute(2, 0, 1)
        images.append(EvalImage(path.name, pixels, path.parent.name))
    return images


def load_images(data: str | os.PathLike[str], size: int, limit: int | None = None) -> list[EvalImage]:
    """The evaluation set of a folder (unreadable and gray files skipped with a warning)."""
    try:
        files = list_images(data)
    except (FileNotFoundError, OSError) as exc:
        raise ColorzooError(str(exc)) from None
    images = load_eval_images(
        files, size, limit, on_skip=lambda path, why: warnings.warn(f"skipping {path}: {why}", stacklevel=2)
    )
    if not images:
        raise ColorzooError(f"{data}: no readable color images to evaluate on")
    return images


def data_prior(images: Sequence[EvalImage]) -> torch.Tensor:
    """The evaluation images' own color distribution over the 313 bins (for rebalanced AuC)."""
    from ..color.quantize import NUM_BINS, ab_histogram

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
    precision: str = "fp32",
    fid_features: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> list[Scores]:
    """Scores for every (contender, setting), the grayscale baseline first.

    With ``fid_features`` (uint8 images -> features) each row also gets its FID against the truth.
    """
    if not images:
        raise ColorzooError("no color images to evaluate on")
    prior = data_prior(images).to(device)
    everyone = [Contender(GRAYSCALE), *contenders]
    for contender in contenders:
        contender.variants()  # every setting checked before any work
    scores = {
        (c.label, t): Scores(c.label, t, [], torch.zeros(metrics.AUC_MAX_THRESHOLD + 1, dtype=torch.float64), 0.0)
        for c in everyone
        for t in c.settings
    }
    real_features = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        truth = torch.stack([im.rgb for im in chunk]).to(device)
        true_lab = metrics.lab_of(truth)
        weights = metrics.rebalance_pixel_weights(true_lab, prior)
        if fid_features is not None:
            real_features.append(fid_features(truth).cpu())
        for contender in everyone:
            for setting, pred in _predict(contender, true_lab, precision):
                entry = scores[(contender.label, setting)]
                _score(entry, chunk, pred, truth, true_lab, weights, keep_outputs)
                if fid_features is not None:
                    entry.features.append(fid_features(pred).cpu())
        if on_batch:
            on_batch(len(chunk))
    if fid_features is not None and len(images) >= 2:
        from .fid import frechet_distance

        real = torch.cat(real_features)
        for entry in scores.values():
            entry.fid = frechet_distance(real, torch.cat(entry.features))
            entry.features = []
    return list(scores.values())


def _predict(contender: Contender, true_lab: torch.Tensor, precision: str):
    """Yield (setting, uint8 RGB prediction) for each setting, from one forward pass where they differ in
    decoding only."""
    lightness = true_lab[:, :1]
    if contender.model is None:
        from ..render.render import join

        ab = torch.zeros_like(true_lab[:, 1:])
        yield (), torch.stack([join(lightness[i], ab[i]) for i in range(lightness.shape[0])])
        return
    for index, pred in render_variants(contender.model, lightness, contender.variants(), precision):
        yield contender.settings[index], pred


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
        entry.per_image.append({"image": image.name, "group": image.group,
                                **{k: float(v[i]) for k, v in values.items()}})
        if len(entry.outputs) < keep_outputs:
            entry.outputs.append(pred[i].permute(1, 2, 0).cpu().numpy())


def load_contender(
    name: str,
    device: torch.device,
    weights: str | os.PathLike[str] | None = None,
    controls: Mapping[str, Any] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Contender:
    """A registered model name (``MODEL`` or ``MODEL.TAG``, with its weights) or a model directory / file."""
    from ..plugins.registry import load_model, load_pretrained, split_model_name

    path = Path(name)
    if weights is None and (path.is_dir() or path.suffix == ".safetensors"):
        model = load_model(path, device=device)
        label = f"{model.config.model} ({path.name})" if path.name != model.config.model else model.config.model
    else:
        spec, tag = split_model_name(name)
        model, resolved = load_pretrained(spec, tag, weights, device=device, notify=notify)
        label = f"{spec.name}.{resolved.tag}" if tag is None and weights is None and resolved.tag else name
        if resolved.commit:  # a Hub model id: the model, the repo and its short commit
            label = f"{spec.name} ({resolved.tag.partition('@')[0].removeprefix('hf-hub:')}@{resolved.commit[:7]})"
        if notify and resolved.note:
            notify(resolved.note)
    return Contender(label, model, controls=dict(controls or {}))


@dataclasses.dataclass
class EvalResult:
    scores: list[Scores]
    rows: list[dict[str, object]]
    images: int


def evaluate_model(
    contender: Contender,
    data: str | os.PathLike[str],
    *,
    size: int = 256,
    limit: int | None = None,
    device: torch.device | str = "cpu",
    batch_size: int = 8,
    precision: str = "fp32",
    on_batch: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """One model against the ground truth of ``data``, next to the grayscale baseline."""
    images = load_images(data, size, limit)
    done = 0

    def count(n: int) -> None:
        nonlocal done
        done += n
        if on_batch:
            on_batch(done, len(images))

    scores = evaluate([contender], images, torch.device(device), batch_size, on_batch=count, precision=precision)
    return EvalResult(scores, summary_rows(scores), len(images))
