"""The ``Loss`` interface: a named callable over a model's raw output and a training batch.

A batch is a dict with ``"L"`` (B, 1, H, W) and ``"ab"`` (B, 2, H, W), both in Lab units at
the crop resolution. Losses are ``nn.Module`` so that their buffers (class-rebalancing
weights, say) follow the model to its device. Plugins register them by name with
``zoo_core.LossSpec``; ``colorzoo train --loss NAME`` picks one.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

#: ab values are divided by this for regression losses, as in the ECCV16 code (ab * 110).
AB_SCALE = 110.0

Batch = dict[str, torch.Tensor]


class Loss(nn.Module):
    """``loss(output, batch) -> scalar tensor``."""

    name: ClassVar[str] = ""

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError


Output = torch.Tensor | dict[str, torch.Tensor]
"""A model's raw output: a tensor, or a dict with an ``"ab"`` entry and extra heads."""


def ab_of(output: Output) -> torch.Tensor:
    """The ab prediction of a raw output."""
    return output["ab"] if isinstance(output, dict) else output


def target_ab(output: Output, batch: Batch) -> torch.Tensor:
    """Ground-truth ab resampled to the spatial size of the model's output."""
    ab = batch["ab"]
    size = ab_of(output).shape[-2:]
    if ab.shape[-2:] != size:
        ab = F.interpolate(ab, size=size, mode="area")
    return ab


class MSELoss(Loss):
    """Mean squared error on ab (scaled by 1/110): the Euclidean loss, which desaturates."""

    name = "mse"

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:
        return F.mse_loss(ab_of(output).float() / AB_SCALE, target_ab(output, batch) / AB_SCALE)


class L1Loss(Loss):
    """Mean absolute error on ab (scaled by 1/110)."""

    name = "l1"

    def forward(self, output: Output, batch: Batch) -> torch.Tensor:
        return F.l1_loss(ab_of(output).float() / AB_SCALE, target_ab(output, batch) / AB_SCALE)
