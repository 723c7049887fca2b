"""One optimization step. The default: one loss, one Adam optimizer, a cosine schedule.

Models that train differently (a GAN) name their own ``TrainingStep`` subclass in their spec
(``ModelSpec.training_step``); the loop in ``trainer.py`` treats every step alike. What a step
needs from the engine (device, autocast, DDP wrapping) comes in a ``TrainContext``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import nn

from ..models.losses import Batch, Loss

Autocast = Callable[[], contextlib.AbstractContextManager[Any]]


@dataclasses.dataclass
class TrainContext:
    """What the training engine gives a step."""

    device: torch.device
    total_steps: int
    lr: float | None = None
    """The user's peak learning rate, or None for the step's own ``default_lr``."""
    autocast: Autocast = contextlib.nullcontext
    distribute: Callable[[nn.Module], nn.Module] = lambda module: module
    """Wraps a module the step trains on its own (a discriminator) for DDP; identity on one process."""


def cosine_schedule(optimizer: torch.optim.Optimizer, total_steps: int, floor: float = 0.1, warmup: int = 0):
    """Linear warm-up, then cosine decay from the base learning rate to ``floor`` times it."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class TrainingStep:
    """Subclass and override ``__call__`` (and the state methods) for custom training.

    ``provides`` names what the step supplies to losses that need it (``LossSpec.needs``),
    e.g. ``{"discriminator"}`` for a GAN step.
    """

    default_lr: ClassVar[float] = 3e-4
    provides: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, model: nn.Module, loss: Loss, context: TrainContext) -> None:
        self.loss = loss
        self.autocast = context.autocast
        self.optimizer = self.make_optimizer(model, context.lr or self.default_lr)
        total = context.total_steps
        self.scheduler = cosine_schedule(self.optimizer, total, warmup=min(100, total // 20))

    def make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        """Adam with the ECCV16 recipe's betas and weight decay, over the trainable parameters."""
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.99), weight_decay=1e-3)

    def __call__(self, model: nn.Module, batch: Batch, step: int) -> dict[str, float]:
        """Update the model on one batch; return the numbers to log (at least ``loss``)."""
        self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            output = model(batch["L"])
        loss = self.loss(output, batch)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        return {"loss": loss.item()}

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])

    @torch.no_grad()
    def eval_loss(self, model: nn.Module, batch: Batch) -> float:
        with self.autocast():
            output = model(batch["L"])
        return self.loss(output, batch).item()
