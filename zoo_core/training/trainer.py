"""The training loop: one step after another over the data, with logging, validation previews and
checkpoints at their intervals.

What a step does belongs to the model's plugin (``ModelSpec.training_step``, default
``TrainingStep``); what is optimized is set up in ``objective.py``; checkpoints and the run's records
in ``checkpoint.py``; processes and devices in ``distributed.py``; validation in ``previews.py``. A
run killed at any moment resumes with ``resume=True`` exactly where its last checkpoint left off.
Under ``torchrun`` the same code trains with DistributedDataParallel; rank 0 alone writes files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import warnings
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ..errors import ColorzooError
from ..models.colorizer import Colorizer
from ..plugins.registry import get_model_spec
from . import checkpoint as records
from . import distributed, objective, previews
from .config import (
    CHECKPOINT_NAME,
    LOG_NAME,
    Progress,
    TrainConfig,
    TrainingInterrupted,
    TrainResult,
    check_config,
    jsonable,
)
from .data import ColorImageDataset, collate, scan_data, to_lab_batch, warn_skipped
from .step import TrainContext, TrainingStep

__all__ = ["CHECKPOINT_NAME", "LOG_NAME", "TrainConfig", "TrainResult", "TrainingInterrupted", "check_config", "train"]


@dataclasses.dataclass
class _Run:
    """Everything fixed for the length of a run."""

    cfg: TrainConfig
    cluster: distributed.Cluster
    out: Path
    model: Colorizer
    wrapped: torch.nn.Module
    step_impl: TrainingStep
    dataset: ColorImageDataset
    sampler: DistributedSampler
    val_batches: previews.Batches
    steps_per_epoch: int
    total_steps: int
    start_step: int
    skipped: dict[str, int]
    notes: list[str]


@dataclasses.dataclass
class _State:
    """What changes from step to step."""

    step: int
    checkpoint_step: int | None
    last: dict[str, float] = dataclasses.field(default_factory=dict)
    val_loss: float | None = None
    images_per_s: float = 0.0
    window_images: int = 0
    window_start: float = dataclasses.field(default_factory=time.perf_counter)
    seen_skipped: set[str] = dataclasses.field(default_factory=set)


def train(cfg: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train (or fine-tune, or resume) ``cfg.model`` on ``cfg.data``; returns a summary.

    Ctrl-C raises ``TrainingInterrupted``, which names the last checkpoint to resume from.
    """
    check_config(cfg)
    cluster = distributed.join(cfg.device)
    try:
        run = _prepare(cfg, cluster)
        return _loop(run, progress)
    finally:
        cluster.close()


def _prepare(cfg: TrainConfig, cluster: distributed.Cluster) -> _Run:
    out = Path(cfg.out)
    records.seed_everything(cfg.seed)
    spec = get_model_spec(cfg.model)
    checkpoint = records.load_checkpoint(out / CHECKPOINT_NAME) if cfg.resume else None
    model = objective.starting_model(spec, cfg, checkpoint)
    loss_spec = objective.loss_spec_for(spec, cfg)
    step_class = objective.step_class_for(spec, loss_spec)
    train_files, val_files, skipped = scan_data(cfg.data, cfg.val, cfg.val_fraction, cfg.split_seed, cfg.crop)
    if cluster.main:
        out.mkdir(parents=True, exist_ok=True)
    # channels_last: faster convolutions on GPUs and on oneDNN CPUs (about 10% here)
    model = model.to(cluster.device, memory_format=torch.channels_last)
    loss = objective.build_loss(loss_spec, cfg, train_files, out if cluster.main else None).to(cluster.device)
    steps_per_epoch, total_steps = _schedule(cfg, len(train_files), cluster.world)
    start_step = int(checkpoint["step"]) if checkpoint is not None else 0
    notes = records.resume_notes(cfg, out, start_step, total_steps) if checkpoint is not None else []
    if not val_files:
        notes.append(f"no validation images ({len(train_files)} training photos x --val-fraction {cfg.val_fraction} "
                     "rounds to none): --eval-every does nothing; pass --val DIR or a larger --val-fraction")
    wrapped = cluster.wrap(model)
    context = TrainContext(cluster.device, total_steps, cfg.lr, _autocast(cfg, cluster.device), cluster.wrap)
    step_impl = step_class(model, loss, context)
    if checkpoint is not None:
        step_impl.load_state_dict(checkpoint["training_step"])
        records.set_rng_state(checkpoint["rng"])
        if cluster.main:
            records.truncate_log(out / LOG_NAME, start_step)
    dataset = ColorImageDataset(train_files, cfg.crop, train=True, seed=cfg.seed)
    sampler = DistributedSampler(dataset, num_replicas=cluster.world, rank=cluster.rank, shuffle=True, seed=cfg.seed,
                                 drop_last=True)
    batches = previews.val_batches(val_files[: cfg.val_limit], cfg.crop, cfg.batch_size, cluster.device)
    if cluster.main:
        for text in notes:
            warnings.warn(text, stacklevel=2)
        info = {**jsonable(dataclasses.asdict(cfg)), "world_size": cluster.world, "train_images": len(train_files),
                "val_images": len(val_files), "val_files": [str(p) for p in val_files], "skipped": skipped,
                "total_steps": total_steps}
        records.record_run(out, info, start_step, notes)
    return _Run(cfg, cluster, out, model, wrapped, step_impl, dataset, sampler,
                 batches if cluster.main else [], steps_per_epoch, total_steps, start_step, skipped, notes)


def _schedule(cfg: TrainConfig, images: int, world: int) -> tuple[int, int]:
    """(steps per epoch, total steps): ``--steps``, else ``--epochs`` (1) whole epochs."""
    per_step = cfg.batch_size * world
    steps_per_epoch = images // per_step
    if steps_per_epoch == 0:
        raise ColorzooError(
            f"{cfg.data}: {images} usable color images, fewer than one batch of {per_step}; "
            "lower --batch-size or add images"
        )
    return steps_per_epoch, cfg.steps if cfg.steps else (cfg.epochs or 1) * steps_per_epoch


def _autocast(cfg: TrainConfig, device: torch.device) -> Any:
    if cfg.amp and device.type != "mps":
        return lambda: torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext


def _loop(run: _Run, progress: Progress | None) -> TrainResult:
    state = _State(run.start_step, run.start_step or None)
    run.model.train()
    try:
        while state.step < run.total_steps:
            at_start = state.step
            _epoch(run, state, progress)
            if state.step == at_start:  # every file became unreadable since the scan
                raise ColorzooError(f"{run.cfg.data}: no image could be read during a whole epoch")
    except KeyboardInterrupt:
        raise TrainingInterrupted(run.out, state.step, state.checkpoint_step) from None
    if run.cluster.main:
        run.model.eval()
        run.model.save_pretrained(run.out)
        if (run.out / LOG_NAME).exists():
            from ..io.plots import plot_training_log

            plot_training_log(run.out / LOG_NAME, run.out / "loss.png")
    return TrainResult(run.out, state.step, state.last.get("loss"), state.val_loss, state.images_per_s, run.skipped,
                       run.notes)


def _epoch(run: _Run, state: _State, progress: Progress | None) -> None:
    """The rest of the current epoch (a resumed run starts mid-epoch, at the batch it stopped before)."""
    cfg = run.cfg
    epoch, offset = divmod(state.step, run.steps_per_epoch)
    run.sampler.set_epoch(epoch)
    run.dataset.set_epoch(epoch)
    indices = list(run.sampler)[offset * cfg.batch_size :]
    loader = DataLoader(run.dataset, batch_size=cfg.batch_size, sampler=indices, num_workers=cfg.workers,
                        collate_fn=collate, pin_memory=run.cluster.device.type == "cuda", drop_last=True)
    for raw in loader:
        if state.step >= run.total_steps:
            break
        warn_skipped(raw["skipped"], state.seen_skipped)
        if raw["rgb"] is None:
            continue
        batch = to_lab_batch(raw["rgb"], run.cluster.device)
        batch = {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch.items()}
        state.last = run.step_impl(run.wrapped, batch, state.step)
        state.step += 1
        state.window_images += raw["rgb"].shape[0] * run.cluster.world
        _after_step(run, state, epoch)
        if progress is not None and run.cluster.main:
            progress(state.step, run.total_steps, {**state.last, "images_per_s": state.images_per_s})


def _after_step(run: _Run, state: _State, epoch: int) -> None:
    """Logging, validation and checkpoints at their intervals (and at the last step)."""
    cfg, step, main = run.cfg, state.step, run.cluster.main
    last_step = step == run.total_steps
    if step % cfg.log_every == 0 or last_step:
        elapsed = time.perf_counter() - state.window_start
        state.images_per_s = state.window_images / max(elapsed, 1e-9)
        state.window_images, state.window_start = 0, time.perf_counter()
        if main:
            records.append_log(run.out / LOG_NAME, {"step": step, "epoch": epoch, **state.last,
                                                    "lr": run.step_impl.lr,
                                                    "images_per_s": round(state.images_per_s, 2)})
    if main and (step % cfg.eval_every == 0 or last_step) and run.val_batches:
        state.val_loss = previews.evaluate(run.model, run.step_impl, run.val_batches, run.out, step, cfg.grid_images)
        records.append_log(run.out / LOG_NAME, {"step": step, "val_loss": state.val_loss})
        run.model.train()
        state.window_start = time.perf_counter()  # evaluation time is not training throughput
    if step % cfg.checkpoint_every == 0 or last_step:
        if main:
            records.save_checkpoint(run.out / CHECKPOINT_NAME, run.model, run.step_impl, step)
        run.cluster.barrier()
        state.checkpoint_step = step
