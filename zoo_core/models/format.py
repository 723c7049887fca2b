"""The model-directory format: ``config.json`` + ``model.safetensors``, the Hugging Face way.

Only safetensors are ever loaded at run time (never pickle). The safetensors header carries
the config and the parameter count too, so a lone ``.safetensors`` file is self-describing and
``colorzoo list`` can count a model's parameters by reading a few kilobytes, without torch.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ColorzooError, WeightsError
from ..io.atomic import atomic_write

if TYPE_CHECKING:
    import torch
    from torch import nn

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CONFIG_KEY = "colorzoo_config"
PARAMETERS_KEY = "num_parameters"
_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")
_MAX_HEADER = 100 * 2**20


def save_model_dir(
    directory: str | os.PathLike[str],
    state: Mapping[str, torch.Tensor],
    config: Mapping[str, Any],
    num_parameters: int,
) -> Path:
    """Write ``model.safetensors`` (config and parameter count in its header) and ``config.json``."""
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config_json = json.dumps(dict(config), indent=2, sort_keys=True)
    metadata = {CONFIG_KEY: config_json, PARAMETERS_KEY: str(num_parameters)}
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    atomic_write(directory / WEIGHTS_NAME, lambda p: save_file(tensors, p, metadata=metadata))
    atomic_write(directory / CONFIG_NAME, lambda p: Path(p).write_text(config_json + "\n"))
    return directory


def weights_file_of(path: str | os.PathLike[str]) -> Path:
    """The safetensors file of a model directory, or the file itself."""
    path = Path(path)
    weights_file = path / WEIGHTS_NAME if path.is_dir() else path
    if not weights_file.is_file():
        raise WeightsError(f"{weights_file}: no such weights file")
    if weights_file.suffix != ".safetensors":
        raise WeightsError(f"{weights_file}: only .safetensors weights are loaded (never pickle)")
    return weights_file


def read_header(weights_file: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON header of a safetensors file (tensor names, dtypes, shapes, ``__metadata__``)."""
    try:
        with open(weights_file, "rb") as handle:
            raw = handle.read(8)
            if len(raw) != 8:
                raise ValueError("shorter than a safetensors header")
            (length,) = struct.unpack("<Q", raw)
            if length > _MAX_HEADER:
                raise ValueError(f"a header of {length} bytes")
            header = json.loads(handle.read(length))
        if not isinstance(header, dict):
            raise ValueError("its header is not a JSON object")
        return header
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise WeightsError(f"{weights_file}: not a readable safetensors file ({exc})") from None


def read_config(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """(weights file, config dict) of a model directory or a lone ``.safetensors`` file."""
    weights_file = weights_file_of(path)
    config_file = weights_file.with_name(CONFIG_NAME)
    if config_file.is_file():
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise WeightsError(f"{config_file}: not valid JSON ({exc})") from None
    else:
        metadata = read_header(weights_file).get("__metadata__") or {}
        if CONFIG_KEY not in metadata:
            raise WeightsError(f"{weights_file}: no {CONFIG_NAME} beside it and no config in its header")
        try:
            config = json.loads(metadata[CONFIG_KEY])
        except json.JSONDecodeError as exc:
            raise WeightsError(f"{weights_file}: the config in its header is not valid JSON ({exc})") from None
        config_file = weights_file
    if not isinstance(config, dict):
        raise WeightsError(f"{config_file}: expected a JSON object, found {type(config).__name__}")
    return weights_file, config


def count_parameters(weights_file: str | os.PathLike[str]) -> int:
    """Parameters stored in a safetensors file: its recorded count, else every tensor but BatchNorm statistics."""
    header = read_header(weights_file)
    recorded = (header.get("__metadata__") or {}).get(PARAMETERS_KEY)
    if recorded is not None and str(recorded).isdigit():
        return int(recorded)
    return sum(
        math.prod(entry.get("shape", []))
        for name, entry in header.items()
        if name != "__metadata__" and not name.endswith(_BUFFER_SUFFIXES)
    )


def state_mismatch(expected: Mapping[str, Any], state: Mapping[str, Any]) -> str | None:
    """What keeps ``state`` from loading into a model whose state dict is ``expected``, or None."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    parts = []
    if missing:
        parts.append(f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}")
    if unexpected:
        parts.append(f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''}")
    if wrong:
        k = wrong[0]
        parts.append(f"{k} is {tuple(state[k].shape)}, expected {tuple(expected[k].shape)}")
    return "; ".join(parts) or None


def load_state(model: nn.Module, weights_file: str | os.PathLike[str]) -> None:
    """Load a safetensors state dict strictly into ``model``, with an error that names what differs.

    Tensors are read from a memory map and cast to the model's dtypes (fp16 files into fp32
    models), so loading a large model never holds two copies of its weights in memory. A file
    saved with ``omit_frozen`` lacks the model's frozen ImageNet backbones: they are filled from
    the backbones' own declared weights (``Colorizer.frozen_backbones``), never left random.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(str(weights_file))
    except (SafetensorError, OSError) as exc:
        raise WeightsError(f"{weights_file}: not a readable safetensors file ({exc})") from None
    expected = model.state_dict()
    omitted = _fill_frozen_backbones(model, expected, state, weights_file)
    mismatch = state_mismatch({k: v for k, v in expected.items() if not k.startswith(omitted)}, state)
    if mismatch:
        raise WeightsError(f"{weights_file}: weights do not fit the model ({mismatch})")
    model.load_state_dict(state, strict=not omitted)


def _fill_frozen_backbones(
    model: nn.Module, expected: Mapping[str, Any], state: Mapping[str, Any], weights_file: str | os.PathLike[str]
) -> tuple[str, ...]:
    """Load the frozen backbones that ``state`` leaves out (the model loads them from their own
    declared weights); returns their state-dict prefixes."""
    frozen = getattr(model, "frozen_backbones", dict)()
    filled = []
    for prefix, backbone in frozen.items():
        if any(k.startswith(prefix) for k in state) or not any(k.startswith(prefix) for k in expected):
            continue  # stored in the file (or not in this model): loaded with the rest
        try:
            model.load_frozen_backbone(prefix)
        except ColorzooError as exc:
            raise WeightsError(
                f"{weights_file}: leaves out the frozen {backbone} backbone, which cannot be loaded ({exc})"
            ) from None
        filled.append(prefix)
    return tuple(filled)
