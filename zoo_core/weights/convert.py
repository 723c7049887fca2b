"""Converting checkpoints in foreign layouts (the papers' own releases) into model directories.

The one place where a PyTorch pickle is opened, and only after its checksum was checked (for
downloads) or by the user's explicit ``colorzoo import``: ``torch.load(weights_only=True)``
never runs pickled code. Checkpoints are unwrapped here, for every family alike (``state_dict``,
``params_ema``, ``model``... and ``module.`` prefixes); what is particular to one layout is the
model's ``adapter`` (``ModelSpec.adapter``). Keys and shapes are checked against the built
model, and the result is an ordinary ``config.json`` + ``model.safetensors`` directory.
"""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import WeightsError
from ..models.build import build_model
from ..models.format import state_mismatch
from ..spec import ModelSpec, resolve

#: Keys under which checkpoints wrap their state dict, in the order they are looked for.
WRAPPER_KEYS = ("params_ema", "params", "state_dict", "model", "generator", "net_g", "module")


def load_checkpoint(path: str | os.PathLike[str]) -> Any:
    """``torch.load`` with ``weights_only=True``; a pickle that is not plain weights is refused in one line."""
    path = Path(path)
    if path.is_dir():
        raise WeightsError(f"{path}: is a directory; give the checkpoint file (.pth, .pt or .bin)")
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    try:
        with torch.serialization.safe_globals([slice]), warnings.catch_warnings():  # fastai's optimizer groups
            warnings.simplefilter("ignore")  # hold slices: plain data; torch's advice to unpickle freely is not ours
            return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile,
            AttributeError, TypeError) as exc:
        raise WeightsError(f"{path}: not a PyTorch checkpoint of plain weights ({unpickling_reason(exc)})") from None


def unpickling_reason(exc: BaseException) -> str:
    """What torch.load refused, in one line, without its advice to retry with ``weights_only=False``."""
    text = str(exc)
    for line in text.splitlines():
        if "WeightsUnpickler error:" in line:
            found = line.split("WeightsUnpickler error:", 1)[1].split(". Please use")[0].strip()
            if found:
                return found
    first = _first_line(exc).split(" This file can still be loaded")[0].split(" Please ")[0].strip()
    if not first or first.startswith(("Weights only load failed", "WeightsUnpickler")):
        return "not a zip or legacy torch.save file holding only tensors and plain containers"
    return f"{type(exc).__name__}: {first}"


def unwrap(loaded: Any) -> dict[str, torch.Tensor] | None:
    """The state dict inside a checkpoint, without DataParallel's ``module.`` prefixes; None if there is none."""
    if isinstance(loaded, Mapping):
        if loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
            return {str(k).removeprefix("module."): v for k, v in loaded.items()}
        for key in WRAPPER_KEYS:
            if key in loaded:
                found = unwrap(loaded[key])
                if found is not None:
                    return found
    return None


def adapt(spec: ModelSpec, loaded: Any, config: dict[str, Any], source: str) -> tuple[torch.nn.Module, int]:
    """Unwrap, adapt and check a checkpoint for ``spec``; returns the loaded model and its parameter count."""
    state = unwrap(loaded)
    if state is None:
        raise WeightsError(f"{source}: expected a state dict (names -> tensors), found {type(loaded).__name__}")
    if spec.adapter is not None:
        try:
            state = resolve(spec.adapter)(state, config)
        except (KeyError, ValueError) as exc:
            raise WeightsError(f"{source}: not {spec.name} weights ({_first_line(exc)})") from None
    model = build_model(spec, weights_follow=True, **config)
    expected = model.state_dict()
    for key, value in expected.items():  # BatchNorm counters are absent from older releases
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    mismatch = state_mismatch(expected, state)
    if mismatch:
        raise WeightsError(f"{source}: not {spec.name} weights ({mismatch})")
    model.load_state_dict(state, strict=True)
    return model, model.num_parameters()


def convert_checkpoint(
    spec: ModelSpec, file: str | os.PathLike[str], out_dir: str | os.PathLike[str], config: Mapping[str, Any]
) -> Path:
    """Convert one checkpoint file into a model directory at ``out_dir``."""
    overrides = dict(config)
    model, _ = adapt(spec, load_checkpoint(file), overrides, str(file))
    return model.save_pretrained(out_dir)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
