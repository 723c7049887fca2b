"""The training loop: devices, AMP, DDP, logging, evaluation and checkpoints.

What a step does belongs to the model's plugin (``ModelSpec.training_step``, default
``TrainingStep``); everything around it lives here, and the loss is checked against the model
(its output kind, and what the loss needs: the data's color prior, a discriminator).
Checkpoints (model, optimizer, scheduler, step, RNG) are written atomically, so a run killed
at any moment resumes with ``resume=True`` exactly where its last checkpoint left off. Under
``torchrun`` the same code trains with DistributedDataParallel; rank 0 alone writes files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import pickle
import random
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ..color.priors import compute_prior, load_prior, save_prior
from ..errors import ColorzooError
from ..io.atomic import atomic_write, write_text
from ..io.grid import image_grid, save_grid
from ..io.images import SKIP_GRAY, open_color_image
from ..models.build import build_model, instantiate
from ..models.colorizer import Colorizer
from ..plugins.registry import get_loss_spec, get_model_spec, losses_for
from ..render.devices import pick_device
from ..render.render import render
from ..spec import ModelSpec, resolve
from ..weights.convert import unpickling_reason
from .data import ColorImageDataset, collate, list_images, split_files, to_lab_batch, warn_skipped
from .step import TrainContext, TrainingStep

CHECKPOINT_NAME = "checkpoint.pt"
LOG_NAME = "train_log.jsonl"


@dataclasses.dataclass
class TrainConfig:
    model: str
    data: Path
    out: Path
    val: Path | None = None
    val_fraction: float = 0.05
    steps: int | None = None
    epochs: int | None = None
    batch_size: int = 16
    crop: int = 176
    lr: float | None = None
    """None: the training step's own default (3e-4 for most models, 2e-4 for pix2pix)."""
    loss: str | None = None
    loss_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Keyword arguments of the loss (``--loss-set KEY=VALUE``), e.g. ``lam`` of ce-rebal."""
    prior: Path | None = None
    init: str | None = None
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Config fields of a new model (``--set KEY=VALUE``)."""
    resume: bool = False
    device: str = "auto"
    amp: bool = False
    seed: int = 0
    split_seed: int = 0
    """Seed of the train/val split, apart from ``seed``: runs with other seeds validate on the same files."""
    workers: int = 2
    log_every: int = 10
    eval_every: int = 500
    checkpoint_every: int = 500
    val_limit: int = 64
    grid_images: int = 6


@dataclasses.dataclass
class TrainResult:
    out: Path
    steps: int
    final_loss: float | None
    val_loss: float | None
    images_per_s: float
    skipped: dict[str, int]


Progress = Callable[[int, int, dict[str, float]], None]


def check_config(cfg: TrainConfig) -> None:
    """Refuse bad options before any work: one line naming the option."""
    if not 0 <= cfg.val_fraction < 1:
        raise ColorzooError(f"--val-fraction must be in [0, 1), got {cfg.val_fraction}")
    if cfg.lr is not None and not (math.isfinite(cfg.lr) and cfg.lr > 0):
        raise ColorzooError(f"--lr must be a positive number, got {cfg.lr}")
    for name in ("batch_size", "crop", "workers", "log_every", "eval_every", "checkpoint_every"):
        value = getattr(cfg, name)
        if value < (0 if name == "workers" else 1):
            least = 0 if name == "workers" else 1
            raise ColorzooError(f"--{name.replace('_', '-')} must be at least {least}, got {value}")
    if cfg.crop < 16:
        raise ColorzooError(f"--crop must be at least 16, got {cfg.crop}")
    spec = get_model_spec(cfg.model)
    if cfg.crop % spec.size_multiple:
        raise ColorzooError(
            f"--crop {cfg.crop} is not a multiple of {spec.size_multiple} ({spec.name} works on multiples of it)"
        )
    out = Path(cfg.out)
    if out.exists() and not out.is_dir():
        raise ColorzooError(f"--out {out}: is a file; training writes a model directory")
    if not Path(cfg.data).exists():
        raise ColorzooError(f"--data {cfg.data}: no such folder or list file")
    if cfg.val is not None and not Path(cfg.val).exists():
        raise ColorzooError(f"--val {cfg.val}: no such folder or list file")
    if cfg.prior is not None and not Path(cfg.prior).is_file():
        raise ColorzooError(f"--prior {cfg.prior}: no such file")


def train(cfg: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train (or fine-tune, or resume) ``cfg.model`` on ``cfg.data``; returns a summary."""
    check_config(cfg)
    rank, world, device = _setup_distributed(cfg.device)
    main = rank == 0
    try:
        return _train(cfg, progress, rank, world, device, main)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _train(cfg: TrainConfig, progress: Progress | None, rank: int, world: int, device: torch.device, main: bool):
    out = Path(cfg.out)
    checkpoint_file = out / CHECKPOINT_NAME
    if checkpoint_file.exists() and not cfg.resume:
        raise ColorzooError(f"{out} already holds a training run; pass --resume to continue it or choose another --out")
    if cfg.resume and not checkpoint_file.exists():
        raise ColorzooError(f"--resume: no {CHECKPOINT_NAME} in {out}")
    _seed_everything(cfg.seed)

    spec = get_model_spec(cfg.model)
    checkpoint = _load_checkpoint(checkpoint_file) if cfg.resume else None
    model = _build_model(spec, cfg, checkpoint)
    loss_spec = _check_loss(spec, cfg)
    step_class = resolve(spec.training_step) if spec.training_step else TrainingStep
    missing = [n for n in loss_spec.needs if n != "prior" and n not in step_class.provides]
    if missing:
        raise ColorzooError(
            f"loss {loss_spec.name} needs a {', '.join(missing)}, which {spec.name}'s training step does not provide"
        )
    train_files, val_files, skipped = _scan_data(cfg)
    if main:
        out.mkdir(parents=True, exist_ok=True)
    # channels_last: faster convolutions on GPUs and on oneDNN CPUs (about 10% here)
    model = model.to(device, memory_format=torch.channels_last)
    loss = _build_loss(loss_spec, cfg, train_files, out if main else None).to(device)

    per_step = cfg.batch_size * world
    steps_per_epoch = len(train_files) // per_step
    if steps_per_epoch == 0:
        raise ColorzooError(
            f"{cfg.data}: {len(train_files)} usable color images, fewer than one batch of {per_step}; "
            "lower --batch-size or add images"
        )
    total_steps = cfg.steps if cfg.steps else (cfg.epochs or 1) * steps_per_epoch

    amp_dtype = torch.bfloat16
    autocast = (
        (lambda: torch.autocast(device.type, dtype=amp_dtype))
        if cfg.amp and device.type != "mps"
        else contextlib.nullcontext
    )
    def distribute(module: nn.Module) -> nn.Module:
        if world == 1:
            return module
        return nn.parallel.DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)

    wrapped = distribute(model)
    context = TrainContext(device, total_steps, cfg.lr, autocast, distribute)
    step_impl = step_class(model, loss, context)

    start_step = 0
    if checkpoint is not None:
        step_impl.load_state_dict(checkpoint["training_step"])
        start_step = int(checkpoint["step"])
        _set_rng_state(checkpoint["rng"])
        if main:
            _truncate_log(out / LOG_NAME, start_step)

    dataset = ColorImageDataset(train_files, cfg.crop, train=True, seed=cfg.seed)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=cfg.seed, drop_last=True)
    val_batches = _val_batches(val_files[: cfg.val_limit], cfg, device) if main else []
    if main:
        run_info = {
            **_jsonable(dataclasses.asdict(cfg)),
            "world_size": world,
            "train_images": len(train_files),
            "val_images": len(val_files),
            "val_files": [str(p) for p in val_files],
            "skipped": skipped,
            "total_steps": total_steps,
        }
        write_text(out / "train_config.json", json.dumps(run_info, indent=2))

    step = start_step
    last: dict[str, float] = {}
    val_loss = None
    seen_skipped: set[str] = set()
    window_images, window_start = 0, time.perf_counter()
    images_per_s = 0.0
    model.train()
    while step < total_steps:
        step_at_epoch_start = step
        epoch, offset = divmod(step, steps_per_epoch)
        sampler.set_epoch(epoch)
        dataset.set_epoch(epoch)
        indices = list(sampler)[offset * cfg.batch_size :]
        loader = DataLoader(
            dataset,
            batch_size=cfg.batch_size,
            sampler=indices,
            num_workers=cfg.workers,
            collate_fn=collate,
            pin_memory=device.type == "cuda",
            drop_last=True,
        )
        for raw in loader:
            if step >= total_steps:
                break
            warn_skipped(raw["skipped"], seen_skipped)
            if raw["rgb"] is None:
                continue
            batch = to_lab_batch(raw["rgb"], device)
            batch = {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch.items()}
            last = step_impl(wrapped, batch, step)
            step += 1
            window_images += raw["rgb"].shape[0] * world
            if step % cfg.log_every == 0 or step == total_steps:
                elapsed = time.perf_counter() - window_start
                images_per_s = window_images / max(elapsed, 1e-9)
                window_images, window_start = 0, time.perf_counter()
                if main:
                    _append_log(
                        out / LOG_NAME,
                        {
                            "step": step,
                            "epoch": epoch,
                            **last,
                            "lr": step_impl.lr,
                            "images_per_s": round(images_per_s, 2),
                        },
                    )
            if main and (step % cfg.eval_every == 0 or step == total_steps) and val_batches:
                val_loss = _evaluate(model, step_impl, val_batches, out, step, cfg.grid_images)
                _append_log(out / LOG_NAME, {"step": step, "val_loss": val_loss})
                model.train()
                window_start = time.perf_counter()  # evaluation time is not training throughput
            if step % cfg.checkpoint_every == 0 or step == total_steps:
                if main:
                    _save_checkpoint(checkpoint_file, model, step_impl, step)
                if world > 1:
                    dist.barrier()
            if progress is not None and main:
                progress(step, total_steps, {**last, "images_per_s": images_per_s})
        if step == step_at_epoch_start:  # every file became unreadable since the scan
            raise ColorzooError(f"{cfg.data}: no image could be read during a whole epoch")

    if main:
        model.eval()
        model.save_pretrained(out)
        if (out / LOG_NAME).exists():
            from ..io.plots import plot_training_log

            plot_training_log(out / LOG_NAME, out / "loss.png")
    return TrainResult(out, step, last.get("loss"), val_loss, images_per_s, skipped)


# -- pieces ---------------------------------------------------------------------------------


def _setup_distributed(device_name: str) -> tuple[int, int, torch.device]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, pick_device(device_name)
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _scan_data(cfg: TrainConfig) -> tuple[list[Path], list[Path], dict[str, int]]:
    """List, check and split the images once, so that every batch is full (and DDP ranks agree)."""
    try:
        files = list_images(cfg.data)
        val_files = list_images(cfg.val) if cfg.val else []
    except (FileNotFoundError, OSError) as exc:
        raise ColorzooError(str(exc)) from None
    if not cfg.val:
        files, val_files = split_files(files, cfg.val_fraction, cfg.split_seed)
    skipped = {"unreadable": 0, "gray": 0, "val_unreadable": 0, "val_gray": 0}
    usable, val_usable, small = [], [], 0
    for split, group in (("", files), ("val_", val_files)):
        for path in group:
            image, why = open_color_image(path, draft=cfg.crop)
            if image is None:
                reason = "gray" if why == SKIP_GRAY else "unreadable"
                skipped[split + reason] += 1
                what = "is grayscale (teaches no color)" if reason == "gray" else f"cannot be read ({why})"
                warnings.warn(f"skipping {path}{' (validation)' if split else ''}: {what}", stacklevel=2)
                continue
            (val_usable if split else usable).append(path)
            small += not split and min(image.size) < cfg.crop
    if small:
        warnings.warn(
            f"--crop {cfg.crop} is larger than {small} of {len(usable)} training photos (at least after JPEG "
            "draft decoding): their crops are upscaled, which blurs what the model learns",
            stacklevel=2,
        )
    return usable, val_usable, skipped


def _load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint written by this engine, on the CPU whatever device wrote it; one line if it is not one."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile,
            AttributeError, TypeError) as exc:  # fmt: skip
        reason = unpickling_reason(exc)
        raise ColorzooError(f"{path}: not a colorzoo training checkpoint that loads safely ({reason})") from None
    keys = {"step", "config", "model", "training_step", "rng"}
    if not isinstance(checkpoint, dict) or not keys <= set(checkpoint):
        raise ColorzooError(f"{path}: not a colorzoo training checkpoint (expected the keys {', '.join(sorted(keys))})")
    return checkpoint


def _build_model(spec: ModelSpec, cfg: TrainConfig, checkpoint: dict[str, Any] | None) -> Colorizer:
    overrides = dict(cfg.overrides)
    if checkpoint is not None:
        where = f"{Path(cfg.out) / CHECKPOINT_NAME}"
        config = spec.model_class.config_class.from_dict(json.loads(checkpoint["config"]), where=where)
        model = instantiate(spec, config, where=where, weights_follow=True)
        model.load_state_dict(checkpoint["model"])
        return model
    if cfg.init is None:
        try:
            try:
                return build_model(spec, **{**spec.train_config, **overrides})
            except ColorzooError as exc:  # the spec's preferred start (ImageNet weights) cannot be had
                preferred = {k: v for k, v in spec.train_config.items() if k not in overrides}
                if not preferred:
                    raise
                warnings.warn(f"{exc}; training {spec.name} without {', '.join(preferred)}", stacklevel=2)
                return build_model(spec, **overrides)
        except TypeError as exc:  # an unknown config field
            raise ColorzooError(f"--set: {spec.name} has no such config field ({exc})") from None
    from ..models.build import load_model_dir
    from ..weights.resolve import resolve_weights

    init_path = Path(cfg.init)
    if not init_path.exists():  # a model name (or MODEL.TAG): its available weights
        from ..plugins.registry import split_model_name

        init_spec, tag = split_model_name(cfg.init)
        init_path = resolve_weights(init_spec, tag).path
    return load_model_dir(spec, init_path, overrides=overrides)


def _check_loss(spec: ModelSpec, cfg: TrainConfig):
    name = cfg.loss or spec.default_loss
    if name is None:
        raise ColorzooError(f"{spec.name} declares no default loss; pass --loss")
    loss_spec = get_loss_spec(name)
    fitting = losses_for(spec)
    if loss_spec not in fitting:
        raise ColorzooError(
            f"loss {name} does not fit {spec.name} (it trains on {spec.output} output with "
            f"{', '.join(s.name for s in fitting) or 'no registered loss'})"
        )
    return loss_spec


def _build_loss(loss_spec, cfg: TrainConfig, train_files: list[Path], out: Path | None):
    name = loss_spec.name
    options: dict[str, Any] = dict(cfg.loss_options)
    if "prior" in loss_spec.needs and "prior" not in options:
        if cfg.prior is not None:
            try:
                options["prior"] = load_prior(cfg.prior)
            except ValueError as exc:
                raise ColorzooError(str(exc)) from None
        else:  # rebalanced on your own data: the training images' own prior
            counts, tally = compute_prior(train_files)
            if out is not None:
                save_prior(out / "priors.json", counts, tally)
            options["prior"] = counts / counts.sum()
    try:
        return loss_spec.build(**options)
    except (TypeError, ValueError) as exc:  # an unknown loss option, or a bad value
        raise ColorzooError(f"loss {name}: {exc}") from None


def _val_batches(files: list[Path], cfg: TrainConfig, device: torch.device) -> list[dict[str, torch.Tensor]]:
    dataset = ColorImageDataset(files, cfg.crop, train=False)
    loader = DataLoader(dataset, batch_size=cfg.batch_size, collate_fn=collate)
    return [to_lab_batch(b["rgb"], device) for b in loader if b["rgb"] is not None]


@torch.no_grad()
def _evaluate(model: Colorizer, step_impl: TrainingStep, batches, out: Path, step: int, grid_images: int) -> float:
    from ..color.lab import join_lab

    model.eval()
    losses = [step_impl.eval_loss(model, b) for b in batches]
    rows = []
    first = batches[0]
    shown = [first["L"][i] for i in range(min(grid_images, first["L"].shape[0]))]
    predictions = render(model, [t.contiguous() for t in shown])
    for i, (lightness, pred) in enumerate(zip(shown, predictions, strict=True)):
        gray = join_lab(lightness, torch.zeros_like(first["ab"][i]))
        truth = join_lab(lightness, first["ab"][i])
        rows.append([t.permute(1, 2, 0).cpu().numpy() for t in (gray, pred, truth)])
    (out / "val").mkdir(exist_ok=True)
    save_grid(
        image_grid(rows, ["gray", f"step {step}", "truth"], cell_height=128), out / "val" / f"step_{step:07d}.png"
    )
    return float(np.mean(losses))


def _save_checkpoint(path: Path, model: Colorizer, step_impl: TrainingStep, step: int) -> None:
    state = {
        "step": step,
        "config": json.dumps(model.config.to_dict()),
        "model": model.state_dict(),
        "training_step": step_impl.state_dict(),
        "rng": _get_rng_state(),
    }
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def _get_rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "python": list(random.getstate()[1])}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate((3, tuple(state["python"]), None))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _append_log(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def _truncate_log(path: Path, step: int) -> None:
    """Forget log lines written after the checkpoint we resume from."""
    if path.exists():
        rows = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
        write_text(path, "".join(r + "\n" for r in rows))


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
