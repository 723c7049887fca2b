"""Pick the compute device: CUDA, then Apple MPS, then CPU, unless the user names one."""

from __future__ import annotations

import torch

from ..errors import ColorzooError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
_USAGE = "use auto, cpu, cuda, cuda:N or mps"


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` takes the best available device; a named one must be available and well formed."""
    if isinstance(name, torch.device):
        return name
    kind, sep, index = str(name).strip().partition(":")
    if kind not in DEVICE_CHOICES or (sep and (kind == "auto" or not index.isdigit())):
        raise ColorzooError(f"unknown device {name!r}: {_USAGE}")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise ColorzooError("device cuda requested, but no CUDA GPU is available to PyTorch")
        if sep and int(index) >= torch.cuda.device_count():
            raise ColorzooError(f"device {name}: there are only {torch.cuda.device_count()} CUDA devices (0..)")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ColorzooError("device mps requested, but Apple MPS is not available to PyTorch")
    return torch.device(str(name).strip())
