"""Import weights published as PyTorch state dicts (the papers' own releases) as safetensors.

``torch.load(weights_only=True)`` never runs pickled code; keys and shapes are checked
against the registered architecture, and the result is an ordinary model directory.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Mapping
from pathlib import Path

import torch

from .colorizer import state_mismatch
from .errors import WeightsError
from .hub import CARD_NAME, sha256_of
from .registry import get_model_spec

#: Official releases colorzoo knows: model -> (file name, sha256).
OFFICIAL_WEIGHTS = {
    "zhang-rebal": (
        "colorization_release_v2-9b330a0b.pth",
        "9b330a0bae53f4ded77b1e23defbf78beaa09c10ebc4c4999e8e4f4a160b93f9",
    ),
}


def import_state_dict(
    model_name: str, file: str | os.PathLike[str], out_dir: str | os.PathLike[str]
) -> tuple[Path, bool]:
    """Convert ``file`` into ``out_dir`` (config.json + model.safetensors + README.md).

    Returns the directory and whether the file is the official release (by sha256).
    """
    spec = get_model_spec(model_name)
    source = Path(file)
    if not source.is_file():
        raise WeightsError(f"{source}: no such file")
    official = model_name in OFFICIAL_WEIGHTS and sha256_of(source) == OFFICIAL_WEIGHTS[model_name][1]
    try:
        loaded = torch.load(source, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        raise WeightsError(f"{source}: not a PyTorch state dict that loads safely ({_first_line(exc)})") from None
    state = _unwrap(loaded)
    if state is None:
        raise WeightsError(f"{source}: expected a state dict (names -> tensors), found {type(loaded).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}

    model = spec.build()
    expected = model.state_dict()
    for key, value in expected.items():  # BatchNorm counters are absent from older releases
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros_like(value)
    mismatch = state_mismatch(expected, state)
    if mismatch:
        raise WeightsError(f"{source}: not {model_name} weights ({mismatch})")
    if "model_out.weight" in expected and not torch.allclose(
        state["model_out.weight"].float(), expected["model_out.weight"], atol=1e-3
    ):
        raise WeightsError(
            f"{source}: its 313 -> 2 projection (model_out) does not hold the ECCV16 bin centers in colorzoo's "
            f"order, so its classes would be decoded as the wrong colors"
        )
    model.load_state_dict(state)
    out = model.save_pretrained(out_dir)
    if spec.card is not None and Path(spec.card).is_file():
        shutil.copyfile(spec.card, out / CARD_NAME)
    return out, official


def _unwrap(loaded: object) -> dict[str, torch.Tensor] | None:
    if isinstance(loaded, Mapping):
        if all(isinstance(v, torch.Tensor) for v in loaded.values()):
            return dict(loaded)
        for key in ("state_dict", "model", "generator"):
            if key in loaded:
                return _unwrap(loaded[key])
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
