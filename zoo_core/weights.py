"""Where a model's weights come from.

Resolution order: an explicit ``--weights`` path (a directory or a ``.safetensors`` file),
then weights bundled inside the plugin package. A model with none refuses to run: colorizing
with random weights would only produce noise that looks like a result.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch

from .colorizer import CONFIG_NAME, WEIGHTS_NAME, Colorizer, read_pretrained_config
from .errors import NoWeightsError, WeightsError
from .registry import ModelSpec


@dataclasses.dataclass(frozen=True)
class ResolvedWeights:
    path: Path
    origin: str
    """``given``, ``bundled``: where the weights were found."""


def bundled_weights(spec: ModelSpec) -> Path | None:
    """The plugin-shipped weights directory, if it holds weights."""
    if spec.bundled_weights is None:
        return None
    directory = Path(spec.bundled_weights)
    return directory if (directory / WEIGHTS_NAME).is_file() else None


def resolve_weights(spec: ModelSpec, weights: str | os.PathLike[str] | None = None) -> ResolvedWeights:
    """Find weights for ``spec``; raise ``NoWeightsError`` listing what was tried."""
    if weights is not None:
        path = Path(weights)
        if not path.exists():
            raise NoWeightsError(f"no weights for {spec.name}: {path} does not exist")
        return ResolvedWeights(path, "given")
    bundled = bundled_weights(spec)
    if bundled is not None:
        return ResolvedWeights(bundled, "bundled")
    raise NoWeightsError(
        f"no weights for {spec.name}: none are bundled with plugin {spec.plugin!r} and none were given; "
        f"pass --weights DIR with a directory holding {CONFIG_NAME} + {WEIGHTS_NAME} "
        f"(from `colorzoo train` or Colorizer.save_pretrained)"
    )


def load_pretrained(
    spec: ModelSpec, weights: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu"
) -> Colorizer:
    """Resolve, check that the weights are for this model, and load them."""
    resolved = resolve_weights(spec, weights)
    _, config = read_pretrained_config(resolved.path)
    if config.get("model") != spec.name:
        raise WeightsError(f"{resolved.path}: these weights are for {config.get('model')!r}, not {spec.name!r}")
    return spec.model_class.from_pretrained(resolved.path, device=device)


def weights_status(spec: ModelSpec) -> str:
    """A short word for ``colorzoo list``: where weights are available without a path."""
    return "bundled" if bundled_weights(spec) is not None else "none"
