"""One optimization step. The default: one loss, one Adam optimizer, a cosine schedule.

Plugins whose models train differently (a GAN) return their own ``TrainingStep`` from the
``training_step`` hook; the loop in ``trainer.py`` treats every step alike.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .losses import Batch, Loss

Autocast = Callable[[], contextlib.AbstractContextManager[Any]]


def cosine_schedule(optimizer: torch.optim.Optimizer, total_steps: int, floor: float = 0.1, warmup: int = 0):
    """Linear warm-up, then cosine decay from the base learning rate to ``floor`` times it."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class TrainingStep:
    """Subclass and override ``__call__`` (and the state methods) for custom training."""

    default_lr = 3e-4

    def __init__(
        self,
        model: nn.Module,
        loss: Loss,
        lr: float | None,
        total_steps: int,
        autocast: Autocast = contextlib.nullcontext,
    ) -> None:
        self.loss = loss
        self.autocast = autocast
        params = [p for p in model.parameters() if p.requires_grad]
        # Adam with the ECCV16 recipe's betas and weight decay.
        self.optimizer = torch.optim.Adam(params, lr=lr or self.default_lr, betas=(0.9, 0.99), weight_decay=1e-3)
        self.scheduler = cosine_schedule(self.optimizer, total_steps, warmup=min(100, total_steps // 20))

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
