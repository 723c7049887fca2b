"""Pick the compute device: CUDA, then Apple MPS, then CPU, unless the user names one."""

from __future__ import annotations

import torch

from .errors import ColorzooError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` takes the best available device; a named one must be available."""
    if isinstance(name, torch.device):
        return name
    kind = name.split(":")[0]
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ColorzooError("device cuda requested, but no CUDA GPU is available to PyTorch")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ColorzooError("device mps requested, but Apple MPS is not available to PyTorch")
    if kind not in DEVICE_CHOICES:
        raise ColorzooError(f"unknown device {name!r}: use one of {', '.join(DEVICE_CHOICES)}")
    return torch.device(name)
