"""Training throughput of zhang-rebal at 176x176: colorzoo's step against the original way.

Baseline, as the original training layers do it, per batch: scikit-image ``rgb2lab`` per image
(float64), targets subsampled by 4, soft-encoded on the CPU with scikit-learn
``NearestNeighbors`` (5 neighbours, sigma 5) into a dense numpy array, rebalancing weights
looked up in numpy, then an fp32 forward/backward in NCHW.

colorzoo: the engine's own path, ``to_lab_batch`` (kornia on the device), soft encoding on
the device inside the loss, channels_last, and optionally bfloat16 autocast (``--amp``).

Same network, optimizer, batches and process; ratios are against the baseline.

    python benchmarks/bench_training.py [--batch-size 8] [--steps 4] [--width-mult 1.0]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from skimage import data
from skimage.color import rgb2lab
from sklearn.neighbors import NearestNeighbors

from zoo_core import create_loss, create_model
from zoo_core.color.quantize import NUM_BINS, ab_bins, rebalance_weights
from zoo_core.training.data import to_lab_batch
from zoo_core.training.step import TrainContext, TrainingStep


def _batches(batch_size: int, count: int, crop: int = 176) -> list[torch.Tensor]:
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    rng = np.random.default_rng(0)
    out = []
    for _ in range(count):
        crops = []
        for _ in range(batch_size):
            img = photos[rng.integers(len(photos))]
            y, x = rng.integers(0, img.shape[0] - crop), rng.integers(0, img.shape[1] - crop)
            crops.append(img[y : y + crop, x : x + crop, :3])
        out.append(torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).contiguous())
    return out


def _prior() -> torch.Tensor:
    ab = torch.from_numpy(rgb2lab(data.coffee())[..., 1:]).permute(2, 0, 1)[None].float()
    from zoo_core.color.quantize import ab_histogram

    return ab_histogram(ab) + 1


class BaselineStep:
    """The original pipeline: numpy/scikit-image/scikit-learn target preparation on the CPU."""

    def __init__(self, model, prior: torch.Tensor, lr: float) -> None:
        self.model = model
        self.optimizer = torch.optim.Adam(
            [p for p in model.parameters() if p.requires_grad], lr=lr, betas=(0.9, 0.99), weight_decay=1e-3
        )
        self.nn = NearestNeighbors(n_neighbors=5, algorithm="ball_tree").fit(ab_bins().numpy())
        self.weights = rebalance_weights(prior).numpy()

    def __call__(self, rgb_uint8: torch.Tensor) -> float:
        images = rgb_uint8.permute(0, 2, 3, 1).numpy()
        lab = np.stack([rgb2lab(im) for im in images])  # float64, per image
        lightness = torch.from_numpy(lab[..., :1]).permute(0, 3, 1, 2).float()
        ab = lab[:, ::4, ::4, 1:]  # the original subsamples ab by 4
        batch, h, w, _ = ab.shape
        dist, idx = self.nn.kneighbors(ab.reshape(-1, 2))
        wts = np.exp(-(dist**2) / (2 * 5.0**2))
        wts /= wts.sum(axis=1, keepdims=True)
        encoded = np.zeros((batch * h * w, NUM_BINS), dtype=np.float32)
        encoded[np.arange(batch * h * w)[:, None], idx] = wts
        boost = self.weights[encoded.argmax(axis=1)]
        target = torch.from_numpy(encoded.reshape(batch, h, w, NUM_BINS)).permute(0, 3, 1, 2)
        pixel_weight = torch.from_numpy(boost.reshape(batch, h, w))

        self.optimizer.zero_grad(set_to_none=True)
        logits = self.model(lightness)
        loss = (-(target * F.log_softmax(logits, dim=1)).sum(dim=1) * pixel_weight).mean()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def _measure(step, batches) -> float:
    step(batches[0])  # warm-up
    start = time.perf_counter()
    for rgb in batches[1:]:
        step(rgb)
    return sum(b.shape[0] for b in batches[1:]) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--width-mult", type=float, default=1.0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    batches = _batches(args.batch_size, args.steps + 1)
    prior = _prior()
    results = {}

    torch.manual_seed(0)
    model = create_model("zhang-rebal", width_mult=args.width_mult).train()
    results["baseline (numpy + scikit-learn targets, fp32)"] = _measure(BaselineStep(model, prior, 3e-4), batches)

    for amp in (False, True):
        torch.manual_seed(0)
        model = create_model("zhang-rebal", width_mult=args.width_mult).to(device, memory_format=torch.channels_last)
        model.train()
        autocast = (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if amp else contextlib.nullcontext
        context = TrainContext(device, total_steps=1000, lr=3e-4, autocast=autocast)
        step = TrainingStep(model, create_loss("ce-rebal", prior=prior).to(device), context)

        def run(rgb, step=step, model=model):
            batch = to_lab_batch(rgb, device)
            batch = {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch.items()}
            return step(model, batch, 0)

        label = "colorzoo (on-device targets, channels_last" + (", bf16 autocast)" if amp else ", fp32)")
        results[label] = _measure(run, batches)

    base = next(iter(results.values()))
    print(
        f"\nzhang-rebal width {args.width_mult}, 176x176, batch {args.batch_size}, {device}, "
        f"{torch.get_num_threads()} threads\n"
    )
    print("| pipeline | images/s | vs baseline |\n|---|---:|---:|")
    for label, speed in results.items():
        print(f"| {label} | {speed:.2f} | {speed / base:.2f}x |")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


if __name__ == "__main__":
    main()
