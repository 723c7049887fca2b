"""Where a model's weights come from.

Resolution order: an explicit ``--weights`` path (a directory or a ``.safetensors`` file),
then the Hugging Face cache / Hub (``hub.py``, checksummed), then weights bundled inside the
plugin package. A model with none refuses to run, saying what was tried: colorizing with
random weights would only produce noise that looks like a result.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch

from . import hub
from .colorizer import CONFIG_NAME, WEIGHTS_NAME, Colorizer, read_pretrained_config
from .errors import NoWeightsError, WeightsError
from .registry import ModelSpec


@dataclasses.dataclass(frozen=True)
class ResolvedWeights:
    path: Path
    origin: str
    """``given``, ``hub``, ``bundled``: where the weights were found."""


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
    tried = []
    if spec.hub is not None:
        try:
            return ResolvedWeights(hub.download(spec.hub), "hub")
        except NoWeightsError as exc:  # unreachable or not cached: bundled weights may still do
            tried.append(str(exc))
    bundled = bundled_weights(spec)
    if bundled is not None:
        return ResolvedWeights(bundled, "bundled")
    tried.append(f"none are bundled with plugin {spec.plugin!r}")
    raise NoWeightsError(
        f"no weights for {spec.name}: {'; '.join(tried)}. Pass --weights DIR with a directory holding "
        f"{CONFIG_NAME} + {WEIGHTS_NAME} (from `colorzoo train`, `colorzoo import` or Colorizer.save_pretrained)"
    )


def load_pretrained(
    spec: ModelSpec, weights: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu"
) -> Colorizer:
    """Resolve and load. Weights a user points at must be for this very model; weights the
    plugin declares (Hub, bundled) are trusted by their declaration and take its name."""
    resolved = resolve_weights(spec, weights)
    _, config = read_pretrained_config(resolved.path)
    if resolved.origin == "given" and config.get("model") != spec.name:
        raise WeightsError(f"{resolved.path}: these weights are for {config.get('model')!r}, not {spec.name!r}")
    model = spec.model_class.from_pretrained(resolved.path, device=device)
    model.config.model = spec.name
    return model


def weights_status(spec: ModelSpec) -> str:
    """A few words for ``colorzoo list``: where weights are available without a path."""
    places = []
    if spec.hub is not None:
        places.append("hub (cached)" if hub.is_cached(spec.hub) else "hub")
    if bundled_weights(spec) is not None:
        places.append("bundled")
    return ", ".join(places) or "none"
