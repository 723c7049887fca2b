"""Numeric precision of inference: ``auto``, ``fp32``, ``bf16``, ``fp16``.

``auto`` takes bfloat16 where the hardware computes it natively (CPUs with AVX512-BF16 or AMX,
GPUs with bf16 support), float16 on other GPUs, and float32 elsewhere. Reduced precision runs
under ``torch.autocast``, so numerically sensitive steps (softmax over bins, Lab conversion)
stay in float32.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import torch

from ..errors import ColorzooError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


@functools.cache
def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX (Linux ``/proc/cpuinfo``); elsewhere assume not."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return any(flag in flags for flag in (" avx512_bf16", " amx_bf16"))


def resolve_precision(name: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``name`` on ``device``; None means plain float32."""
    if name not in PRECISIONS:
        raise ColorzooError(f"unknown precision {name!r}: use one of {', '.join(PRECISIONS)}")
    if name != "auto":
        if name == "fp16" and device.type == "cpu" and not hasattr(torch, "float16"):
            raise ColorzooError("fp16 is not available on this CPU build of PyTorch")
        return _DTYPES[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    if dtype is None or device.type == "mps":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def precision_name(dtype: torch.dtype | None) -> str:
    return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]
