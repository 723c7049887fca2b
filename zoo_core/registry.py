"""The model registry: a name maps to a class, a default config and where weights live.

timm-style: ``create_model("zhang-rebal", pretrained=True)``. Plugins fill the registry
through the ``register_colorizers`` hook (see ``plugins.py``).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .colorizer import Colorizer, ColorizerConfig
from .errors import UnknownModelError

if TYPE_CHECKING:
    from .hub import HubWeights
    from .losses import Loss, LossSpec


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One registered model name."""

    name: str
    model_class: type[Colorizer]
    config: ColorizerConfig
    description: str = ""
    default_loss: str | None = None
    """The loss it is trained with, by registered name (``colorzoo train`` uses it)."""
    card: Path | None = None
    """Its model card (Hugging Face README.md style), shipped inside the plugin package."""
    bundled_weights: Path | None = None
    """A ``save_pretrained`` directory shipped inside the plugin package, if any."""
    hub: HubWeights | None = None
    """Weights on the Hugging Face Hub (repo, pinned revision, sha256 of each file), if any."""
    plugin: str = ""
    """Filled in by the plugin manager."""

    def default_config(self, **overrides: Any) -> ColorizerConfig:
        return dataclasses.replace(self.config, model=self.name, **overrides)

    def build(self, **overrides: Any) -> Colorizer:
        """A freshly initialized (untrained) model; ``overrides`` change config fields."""
        return self.model_class(self.default_config(**overrides))

    def num_parameters(self, **overrides: Any) -> int:
        """Parameter count, computed on the meta device (no memory, no init time)."""
        with torch.device("meta"):
            return self.build(**overrides).num_parameters()


def get_model_spec(name: str) -> ModelSpec:
    from .plugins import get_zoo

    models = get_zoo().models
    if name in models:
        return models[name]
    close = difflib.get_close_matches(name, models, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `colorzoo list` shows the installed models"
    raise UnknownModelError(f"unknown model {name!r}{hint}")


def list_models() -> list[ModelSpec]:
    from .plugins import get_zoo

    return [get_zoo().models[name] for name in sorted(get_zoo().models)]


def create_model(
    name: str,
    pretrained: bool = False,
    weights: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    **overrides: Any,
) -> Colorizer:
    """Build a registered model: untrained, or with weights (``pretrained`` or ``weights``).

    Untrained models are for training. Weights are looked up as ``weights.resolve_weights``
    describes; a model without any refuses with ``NoWeightsError``.
    """
    spec = get_model_spec(name)
    if not pretrained and weights is None:
        model = spec.build(**overrides)
        return model if device is None else model.to(device)
    from .weights import load_pretrained

    if overrides:
        raise TypeError("config overrides only apply to untrained models; weights carry their config")
    return load_pretrained(spec, weights, device=device or "cpu")


def get_loss_spec(name: str) -> LossSpec:
    from .plugins import get_zoo

    losses = get_zoo().losses
    if name not in losses:
        raise UnknownModelError(f"unknown loss {name!r}; registered losses: {', '.join(sorted(losses))}")
    return losses[name]


def create_loss(name: str, **options: Any) -> Loss:
    return get_loss_spec(name).build(**options)
