"""Fine-tuning DDColor: the release's generator optimizer (its loss is in ``losses.py``)."""

from __future__ import annotations

import torch
from torch import nn

from zoo_core import TrainingStep


class DDColorTrainingStep(TrainingStep):
    """AdamW (lr 1e-4, weight decay 0.01, betas 0.9/0.99), the release's generator optimizer."""

    default_lr = 1e-4

    def make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.01)
