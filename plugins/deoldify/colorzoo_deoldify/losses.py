"""DeOldify's generator pixel loss (``deoldify-l1``): the generator predicts ImageNet-normalized RGB."""

from __future__ import annotations

import torch

from zoo_core import IMAGENET_MEAN, IMAGENET_STD, Batch, Loss, lab_to_rgb


class DeOldifyL1Loss(Loss):
    """The generator's pixel loss: L1 between its output and the ImageNet-normalized color photo."""

    name = "deoldify-l1"

    def forward(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        target = lab_to_rgb(torch.cat([batch["L"].float(), batch["ab"].float()], dim=1))
        if target.shape[-2:] != output.shape[-2:]:
            target = torch.nn.functional.interpolate(target, size=output.shape[-2:], mode="area")
        mean = torch.tensor(IMAGENET_MEAN, device=target.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=target.device).view(1, 3, 1, 1)
        return (output.float() - (target - mean) / std).abs().mean()
