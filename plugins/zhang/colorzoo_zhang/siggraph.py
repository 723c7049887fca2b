"""Zhang et al., SIGGRAPH 2017, "Real-Time User-Guided Image Colorization with Learned Deep Priors".

Module names and shapes follow the authors' release (richzhang/colorization ``SIGGRAPHGenerator``):
``model1``..``model10``, the up-convolutions ``model8up``..``model10up``, the skip connections
``model3short8``, ``model2short9``, ``model1short10``, the 529-class ``model_class`` head (the
released weights carry it; colorizing never uses it, training does) and ``model_out``. The input
is L, user hints (ab) and their mask; the output is ab at the input's own resolution
(tanh x 110). Without hints it colorizes automatically.

Hints come as run-time controls: points ``X,Y,#RRGGBB`` in the photo's pixels, and/or a hint
image (a PNG whose non-transparent pixels are the hints), each becoming a small square patch
of that color's ab at the model's working resolution, as the authors' interactive demo does.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import (
    AB_SCALE,
    Batch,
    Colorizer,
    ColorizerConfig,
    Controls,
    Loss,
    Photo,
    TrainContext,
    TrainingStep,
    rgb_to_lab,
    target_ab,
)

#: The 23 x 23 grid of ab classes (-110..110, step 10, a-major) of the 529-way head.
CLASS_GRID = 23


@dataclasses.dataclass
class SiggraphConfig(ColorizerConfig):
    hint_size: int = 5
    """Default side, in working-resolution pixels, of the square patch each hint point paints."""

    def validate(self) -> None:
        super().validate()
        if not 1 <= self.hint_size <= 31:
            raise ValueError(f"hint_size must be in [1, 31], got {self.hint_size}")


def _block(channels: list[int], dilation: int = 1, norm: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for cin, cout in itertools.pairwise(channels):
        layers += [nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation), nn.ReLU(True)]
    if norm:
        layers.append(nn.BatchNorm2d(channels[-1]))
    return nn.Sequential(*layers)


class SiggraphColorizer(Colorizer):
    """(L, hint ab, hint mask) (B, 1+2+1, H, W) -> ab (B, 2, H, W); H and W multiples of 8."""

    config_class = SiggraphConfig
    config: SiggraphConfig

    def __init__(self, config: SiggraphConfig) -> None:
        super().__init__(config)
        config.validate()
        self.model1 = _block([4, 64, 64])
        self.model2 = _block([64, 128, 128])
        self.model3 = _block([128, 256, 256, 256])
        self.model4 = _block([256, 512, 512, 512])
        self.model5 = _block([512, 512, 512, 512], dilation=2)
        self.model6 = _block([512, 512, 512, 512], dilation=2)
        self.model7 = _block([512, 512, 512, 512])
        self.model8up = nn.Sequential(nn.ConvTranspose2d(512, 256, 4, stride=2, padding=1))
        self.model8 = nn.Sequential(nn.ReLU(True), *_block([256, 256, 256]))
        self.model9up = nn.Sequential(nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1))
        self.model9 = nn.Sequential(nn.ReLU(True), *_block([128, 128]))
        self.model10up = nn.Sequential(nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1))
        self.model10 = nn.Sequential(nn.ReLU(True), nn.Conv2d(128, 128, 3, padding=1), nn.LeakyReLU(0.2))
        self.model3short8 = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1))
        self.model2short9 = nn.Sequential(nn.Conv2d(128, 128, 3, padding=1))
        self.model1short10 = nn.Sequential(nn.Conv2d(64, 128, 3, padding=1))
        self.model_class = nn.Sequential(nn.Conv2d(256, CLASS_GRID**2, 1))
        self.model_out = nn.Sequential(nn.Conv2d(128, 2, 1), nn.Tanh())

    def forward(
        self,
        lightness: torch.Tensor,
        hint_ab: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        with_classes: bool = False,
    ) -> torch.Tensor | dict[str, torch.Tensor]:
        """L in Lab units; ``hint_ab`` in Lab units (0 where no hint); ``mask`` 1 at hints, else 0."""
        if hint_ab is None:
            hint_ab = torch.zeros_like(lightness).expand(-1, 2, -1, -1)
        if mask is None:
            mask = torch.zeros_like(lightness)
        x = torch.cat([(lightness - 50.0) / 100.0, hint_ab / AB_SCALE, mask], dim=1)
        conv1 = self.model1(x)
        conv2 = self.model2(conv1[:, :, ::2, ::2])
        conv3 = self.model3(conv2[:, :, ::2, ::2])
        conv4 = self.model4(conv3[:, :, ::2, ::2])
        conv7 = self.model7(self.model6(self.model5(conv4)))
        conv8 = self.model8(self.model8up(conv7) + self.model3short8(conv3))
        conv9 = self.model9(self.model9up(conv8) + self.model2short9(conv2))
        conv10 = self.model10(self.model10up(conv9) + self.model1short10(conv1))
        ab = self.model_out(conv10) * AB_SCALE
        if with_classes:
            return {"ab": ab, "classes": self.model_class(conv8)}
        return ab

    def predict(
        self, lightness: torch.Tensor, controls: Controls | None = None, sizes: Sequence[tuple[int, int]] = ()
    ) -> torch.Tensor:
        """Automatic colorization, or guided by the ``hint`` and ``hint_image`` controls of this call."""
        controls = controls or {}
        if not controls.get("hint") and controls.get("hint_image") is None:
            return self(lightness)
        size = lightness.shape[-2:]
        hints, masks = [], []
        for i in range(lightness.shape[0]):
            original = sizes[i] if i < len(sizes) else tuple(size)
            ab, mask = hint_maps(controls, original, size, controls.get("hint_size", self.config.hint_size))
            hints.append(ab)
            masks.append(mask)
        device = lightness.device
        return self(lightness, torch.stack(hints).to(device), torch.stack(masks).to(device))


def _ab_of(rgb: tuple[float, float, float]) -> torch.Tensor:
    return rgb_to_lab(torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1))[0, 1:, 0, 0]


def hint_maps(
    controls: Controls, original: tuple[int, int], size: tuple[int, int], patch: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(ab (2, h, w), mask (1, h, w)) at the working size from the hint controls, given in the photo's pixels."""
    height, width = original
    h, w = size
    ab = torch.zeros(2, h, w)
    mask = torch.zeros(1, h, w)
    image: Photo | None = controls.get("hint_image")
    if image is not None:
        if image.alpha is None:
            raise ValueError(f"{image.path}: a hint image needs transparency (its opaque pixels are the hints)")
        rgb = torch.from_numpy(np.repeat(image.rgb, 3, axis=2) if image.rgb.shape[2] == 1 else image.rgb)
        opaque = torch.from_numpy(image.alpha > 0).float()[None, None]
        lab = rgb_to_lab(rgb.permute(2, 0, 1)[None].float())
        area = F.interpolate(opaque, size=size, mode="area")
        summed = F.interpolate(lab[:, 1:] * opaque, size=size, mode="area")
        hinted = area[0] > 0
        ab = torch.where(hinted, summed[0] / area[0].clamp_min(1e-6), ab)
        mask = torch.where(hinted, torch.ones_like(mask), mask)
    for x, y, rgb in controls.get("hint", ()):
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"hint {x},{y} is outside the {width}x{height} photo")
        cy, cx = int(y * h / height), int(x * w / width)
        top, left = max(0, cy - patch // 2), max(0, cx - patch // 2)
        ab[:, top : top + patch, left : left + patch] = _ab_of(rgb)[:, None, None]
        mask[:, top : top + patch, left : left + patch] = 1.0
    return ab, mask


# -- training: hints simulated from the ground truth, as the paper does ------------------------------


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


def ab_classes(ab: torch.Tensor) -> torch.Tensor:
    """The 529-way class (23 x 23 grid over -110..110, a-major) of each ab value: (B, 2, H, W) -> (B, H, W)."""
    index = ((ab.clamp(-110, 110) + 110) / 10).round().long()
    return index[:, 0] * CLASS_GRID + index[:, 1]


class SiggraphLoss(Loss):
    """10 x L1 of the ab regression (summed over a and b, in ab / 110 units) + cross-entropy of the
    529-way class head at 1/4 resolution, as colorization-pytorch trains the network."""

    name = "siggraph"

    def __init__(self, l1_weight: float = 10.0, class_weight: float = 1.0) -> None:
        super().__init__()
        self.l1_weight, self.class_weight = l1_weight, class_weight

    def forward(self, output: torch.Tensor | dict[str, torch.Tensor], batch: Batch) -> torch.Tensor:
        ab = output["ab"] if isinstance(output, dict) else output
        truth = target_ab(ab, batch).float()
        loss = self.l1_weight * (ab.float() - truth).abs().sum(dim=1).mean() / AB_SCALE
        if isinstance(output, dict) and "classes" in output and self.class_weight:
            classes = output["classes"]
            sampled = batch["ab"][:, :, ::4, ::4][..., : classes.shape[-2], : classes.shape[-1]]
            loss = loss + self.class_weight * F.cross_entropy(classes.float(), ab_classes(sampled.float()))
        return loss


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


def release_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our state dict as the SIGGRAPH17 release stores it: the same keys."""
    return dict(state)


def adapt_release(state: dict[str, torch.Tensor], config: dict) -> dict[str, torch.Tensor]:
    """The SIGGRAPH17 release: the same keys as ours; its input conv takes L, ab and the mask."""
    weight = state.get("model1.0.weight")
    if weight is not None and weight.shape[1] != 4:
        raise ValueError(f"model1.0.weight takes {weight.shape[1]} channels, not L + ab + mask (4)")
    return state
