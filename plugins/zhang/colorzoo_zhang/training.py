"""How the Zhang family's models train where one loss and one optimizer are not enough (``ModelSpec.training_step``):
zhang-rebal-lite's two learning rates, and zhang-siggraph17's hints simulated from the ground truth."""

from __future__ import annotations

import torch
from torch import nn

from zoo_core import Batch, Loss, TrainContext, TrainingStep


class LiteTrainingStep(TrainingStep):
    """AdamW with a smaller learning rate for the pretrained encoder than for the new decoder.

    The peak learning rate (``--lr``, default 1e-3) is the decoder's; the encoder gets a fifth of
    it, so its ImageNet features adapt to gray input without being washed out early on.
    """

    default_lr = 1e-3
    encoder_lr_factor = 0.2

    def make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        encoder = [p for p in model.encoder.parameters() if p.requires_grad]
        ids = {id(p) for p in encoder}
        decoder = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
        groups = [{"params": decoder, "lr": lr}, {"params": encoder, "lr": lr * self.encoder_lr_factor}]
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99), weight_decay=1e-4)


def simulate_hints(ab: torch.Tensor, generator: torch.Generator, p: float = 0.125) -> tuple[torch.Tensor, torch.Tensor]:
    """Random hint patches from ground-truth ab (B, 2, H, W), as colorization-pytorch samples them.

    Per image a geometric number of points (P(k) = (1-p)^k p, so with p = 1/8 seven on average and
    none one time in eight), each a square of side 1..9 placed around the centre (normal, std a
    quarter of the size), holding the mean ground-truth ab of its patch.
    """
    batch, _, height, width = ab.shape
    hint = torch.zeros_like(ab)
    mask = torch.zeros(batch, 1, height, width, device=ab.device, dtype=ab.dtype)
    for i in range(batch):
        while float(torch.rand((), generator=generator)) < 1 - p:
            side = int(torch.randint(1, 10, (), generator=generator))
            span_h, span_w = height - side + 1, width - side + 1
            top = int(min(max(span_h / 2 + span_h / 4 * float(torch.randn((), generator=generator)), 0), height - side))
            left = int(min(max(span_w / 2 + span_w / 4 * float(torch.randn((), generator=generator)), 0), width - side))
            patch = ab[i, :, top : top + side, left : left + side]
            hint[i, :, top : top + side, left : left + side] = patch.mean(dim=(1, 2), keepdim=True)
            mask[i, :, top : top + side, left : left + side] = 1.0
    return hint, mask


class SiggraphTrainingStep(TrainingStep):
    """Adam (lr 1e-4, betas 0.9/0.999, as the paper's recipe); every batch gets simulated hints."""

    default_lr = 1e-4

    def __init__(self, model: nn.Module, loss: Loss, context: TrainContext, hint_p: float = 0.125) -> None:
        super().__init__(model, loss, context)
        self.hint_p = hint_p
        self.generator = torch.Generator().manual_seed(torch.initial_seed() % 2**63)

    def make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, betas=(0.9, 0.999))

    def __call__(self, model: nn.Module, batch: Batch, step: int) -> dict[str, float]:
        hint, mask = simulate_hints(batch["ab"].cpu(), self.generator, self.hint_p)
        device = batch["L"].device
        self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            output = model(batch["L"], hint.to(device), mask.to(device), with_classes=True)
        loss = self.loss(output, batch)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        return {"loss": loss.item(), "hints": float(mask.flatten(1).amax(1).mean())}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.generator.set_state(state["generator"])
