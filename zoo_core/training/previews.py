"""Validation during training: the loss on held-out photos, and a picture grid (gray | prediction |
truth) at each evaluation, rendered through the same path as ``colorzoo run``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from ..color.lab import join_lab
from ..io.grid import image_grid, save_grid
from ..models.colorizer import Colorizer
from ..render.render import render
from .data import ColorImageDataset, collate, to_lab_batch
from .step import TrainingStep

Batches = list[dict[str, torch.Tensor]]


def val_batches(files: list[Path], crop: int, batch_size: int, device: torch.device) -> Batches:
    """Center crops of the validation photos, as Lab batches on ``device`` (loaded once per run)."""
    dataset = ColorImageDataset(files, crop, train=False)
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=collate)
    return [to_lab_batch(b["rgb"], device) for b in loader if b["rgb"] is not None]


@torch.no_grad()
def evaluate(model: Colorizer, step_impl: TrainingStep, batches: Batches, out: Path, step: int, shown: int) -> float:
    """The mean validation loss; writes ``val/step_NNNNNNN.png`` with ``shown`` photos of the first batch."""
    model.eval()
    losses = [step_impl.eval_loss(model, b) for b in batches]
    first = batches[0]
    lightness = [first["L"][i] for i in range(min(shown, first["L"].shape[0]))]
    predictions = render(model, [t.contiguous() for t in lightness])
    rows = []
    for i, (lum, pred) in enumerate(zip(lightness, predictions, strict=True)):
        gray = join_lab(lum, torch.zeros_like(first["ab"][i]))
        truth = join_lab(lum, first["ab"][i])
        rows.append([t.permute(1, 2, 0).cpu().numpy() for t in (gray, pred, truth)])
    (out / "val").mkdir(exist_ok=True)
    grid = image_grid(rows, ["gray", f"step {step}", "truth"], cell_height=128)
    save_grid(grid, out / "val" / f"step_{step:07d}.png")
    return float(np.mean(losses))
