"""What a training run is asked to do (``TrainConfig``), what it reports (``TrainResult``), and the
checks of its options that run before any work."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ColorzooError
from ..plugins.registry import get_model_spec

CHECKPOINT_NAME = "checkpoint.pt"
LOG_NAME = "train_log.jsonl"
CONFIG_NAME = "train_config.json"


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


#: Options whose change on ``--resume`` alters what is learned: a resumed run says which changed.
RESUME_SENSITIVE = ("batch_size", "crop", "lr", "loss", "loss_options", "seed", "amp", "prior", "data")


@dataclasses.dataclass
class TrainResult:
    out: Path
    steps: int
    final_loss: float | None
    val_loss: float | None
    images_per_s: float
    skipped: dict[str, int]
    notes: list[str] = dataclasses.field(default_factory=list)
    """What the user should know (a changed schedule on resume, no validation images)."""


class TrainingInterrupted(ColorzooError):
    """Ctrl-C (or SIGTERM) during training: where it stopped and where it can resume from."""

    def __init__(self, out: Path, step: int, checkpoint_step: int | None) -> None:
        self.out, self.step, self.checkpoint_step = out, step, checkpoint_step
        if checkpoint_step is None:
            where = "no checkpoint was written yet: run the command again without --resume (or --out elsewhere)"
        else:
            where = (f"the last checkpoint is step {checkpoint_step:,} ({Path(out) / CHECKPOINT_NAME}): run the same "
                     "command with --resume to continue from it")
        super().__init__(f"training interrupted at step {step:,}; {where}")


Progress = Callable[[int, int, dict[str, float]], None]


def check_config(cfg: TrainConfig) -> None:
    """Refuse bad options before any work: one line naming the option."""
    if not 0 <= cfg.val_fraction < 1:
        raise ColorzooError(f"--val-fraction must be in [0, 1), got {cfg.val_fraction}")
    if cfg.lr is not None and not (math.isfinite(cfg.lr) and cfg.lr > 0):
        raise ColorzooError(f"--lr must be a positive number, got {cfg.lr}")
    for name in ("batch_size", "crop", "workers", "log_every", "eval_every", "checkpoint_every"):
        value = getattr(cfg, name)
        least = 0 if name == "workers" else 1
        if value < least:
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
    checkpoint = out / CHECKPOINT_NAME
    if checkpoint.exists() and not cfg.resume:
        raise ColorzooError(f"{out} already holds a training run; pass --resume to continue it or choose another --out")
    if cfg.resume and not checkpoint.exists():
        raise ColorzooError(f"--resume: no {CHECKPOINT_NAME} in {out}")


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
