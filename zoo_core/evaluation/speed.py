"""``colorzoo bench``: latency, throughput and peak memory of end-to-end colorization.

Each (model, size) runs in a fresh process, so that its peak memory is its own: peak RSS
on the CPU, peak allocated memory on a GPU. Weights do not change speed: a model without
available weights is timed with random ones (and says so).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch

from ..errors import ColorzooError


def measure(
    model_name: str, size: int, device_name: str, batch_size: int, repeats: int, precision: str = "fp32"
) -> dict:
    """Time ``colorize`` on a batch of synthetic ``size`` x ``size`` photos (in this process)."""
    from ..errors import NoWeightsError
    from ..io.images import Photo
    from ..plugins.registry import create_model
    from ..render.devices import pick_device
    from ..render.precision import precision_name, resolve_precision
    from ..render.render import colorize

    device = pick_device(device_name)
    try:
        model, weights = create_model(model_name, pretrained=True, device=device), "trained"
    except NoWeightsError:
        model, weights = create_model(model_name, device=device).eval(), "random"
    rng = np.random.default_rng(0)
    photos = [Photo(None, rng.random((size, size, 1), dtype=np.float32)) for _ in range(batch_size)]
    colorize(model, photos, device=device, precision=precision)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(repeats):
        colorize(model, photos, device=device, precision=precision)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / (repeats * batch_size)
    if device.type == "cuda":
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "model": model_name,
        "size": size,
        "device": device.type,
        "batch_size": batch_size,
        "precision": precision_name(resolve_precision(precision, device)),
        "latency_ms": 1000 * seconds,
        "images_per_s": 1 / seconds,
        "peak_memory_mb": peak_mb,
        "memory_kind": "gpu allocated" if device.type == "cuda" else "process RSS",
        "weights": weights,
    }


def measure_in_subprocess(
    model_name: str, size: int, device: str, batch_size: int, repeats: int, precision: str = "fp32"
) -> dict:
    cmd = [sys.executable, "-m", "zoo_core.evaluation.speed", model_name, str(size), device, str(batch_size),
           str(repeats), precision]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise ColorzooError(f"bench {model_name} at {size}px on {device}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    name, size, device, batch, repeats, precision = sys.argv[1:7]
    try:
        print(json.dumps(measure(name, int(size), device, int(batch), int(repeats), precision)))
    except ColorzooError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
