"""``compare`` and ``eval`` as Python functions: load the data, run everyone, write reports."""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from .data import find_images
from .errors import ColorzooError
from .evaluate import GRAYSCALE, SWEEP_TEMPERATURES, Contender, EvalImage, Scores, evaluate, load_contender
from .evaluate import load_eval_images as _load_images
from .report import summary_rows, write_report

ProgressHook = Callable[[str, int, int], None]
"""(phase, done, total)"""


def load_images(data: str | os.PathLike[str], size: int, limit: int | None) -> list[EvalImage]:
    try:
        files = find_images(data)
    except FileNotFoundError as exc:
        raise ColorzooError(str(exc)) from None
    images = _load_images(
        files, size, limit, on_skip=lambda path, why: warnings.warn(f"skipping {path}: {why}", stacklevel=2)
    )
    if not images:
        raise ColorzooError(f"{data}: no readable color images to evaluate on")
    return images


@dataclasses.dataclass
class Comparison:
    scores: list[Scores]
    rows: list[dict[str, object]]
    """``summary_rows(scores)``: the table, with each model's AuC against grayscale."""
    sweep: dict[str, list[dict[str, float]]]
    files: dict[str, Path]


def compare(
    models: Sequence[str],
    data: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    temperatures: Sequence[float] = (),
    size: int = 256,
    limit: int | None = None,
    device: torch.device | str = "cpu",
    batch_size: int = 8,
    sweep: bool = True,
    grid_rows: int = 8,
    progress: ProgressHook | None = None,
) -> Comparison:
    """Run ``models`` (names or model directories) and the grayscale baseline on ``data``."""
    device = torch.device(device)
    images = load_images(data, size, limit)
    contenders = [load_contender(m, device) for m in models]
    labels = [c.label for c in contenders]
    if len(set(labels)) != len(labels) or GRAYSCALE in labels:
        raise ColorzooError(f"models must differ (and not be called {GRAYSCALE!r}): {', '.join(labels)}")
    for contender in contenders:
        if contender.model is not None and contender.model.uses_temperature:
            contender.temperatures = tuple(temperatures) or (None,)
            if sweep:  # the sweep rides on the same forward passes
                contender.temperatures += tuple(t for t in SWEEP_TEMPERATURES if t not in contender.temperatures)
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("compare", done, len(images))

    scores = evaluate(contenders, images, device, batch_size, keep_outputs=grid_rows, on_batch=on_batch)
    sweep_points: dict[str, list[dict[str, float]]] = {}
    shown: list[Scores] = []
    for contender in [*contenders, Contender(GRAYSCALE)]:
        mine = [s for s in scores if s.label == contender.label]
        requested = [s for s in mine if s.temperature in (tuple(temperatures) or (None,))]
        if contender.model is not None and contender.model.uses_temperature and sweep:
            sweep_points[contender.label] = [
                {"temperature": s.temperature, **s.summary()}
                for s in sorted((s for s in mine if s.temperature in SWEEP_TEMPERATURES), key=lambda s: s.temperature)
            ]
        shown += requested or mine
    shown.sort(key=lambda s: s.label != GRAYSCALE)
    meta = {"data": str(data), "images": len(images), "size": size, "device": device.type}
    rows = summary_rows(shown)
    files = write_report(out_dir, shown, rows, images, sweep_points, meta)
    return Comparison(shown, rows, sweep_points, files)
