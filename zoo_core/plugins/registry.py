"""The model registry: a name maps to a spec, a spec plus a weight set to a model.

timm-style: ``create_model("zhang-rebal", pretrained=True)`` takes the best weights available,
``create_model("zhang-rebal.compact")`` one weight set by its tag. Plugins fill the registry
through the ``register_colorizers`` hook (``manager.py``).
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from ..errors import UnknownModelError, WeightsError
from ..spec import LossSpec, ModelSpec
from .manager import get_zoo


def get_model_spec(name: str) -> ModelSpec:
    """The spec of a registered model (a ``MODEL.TAG`` name gives its model's spec)."""
    models = get_zoo().models
    if name in models:
        return models[name]
    base, _, tag = name.rpartition(".")
    if base in models and tag:
        return models[base]
    from ..catalog import family_of

    family = family_of(name)
    plugins = {info.distribution: info for info in get_zoo().plugins.values() if info.distribution}
    if family is not None and family.distribution not in plugins:
        raise UnknownModelError(f"unknown model {name!r}: it would come from the {family.name} family, which is not "
                                f"installed; {family.pip_command} adds it")
    if family is not None and plugins[family.distribution].disabled:
        raise UnknownModelError(f"unknown model {name!r}: its family's plugin ({family.distribution}) is left out by "
                                "COLORZOO_PLUGINS")
    if family is not None and plugins[family.distribution].error:
        raise UnknownModelError(f"unknown model {name!r}: its family's plugin ({family.distribution}) is installed "
                                f"but broken: {plugins[family.distribution].error}")
    close = difflib.get_close_matches(name, models, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `colorzoo list` shows the installed models"
    raise UnknownModelError(f"unknown model {name!r}{hint}")


def split_model_name(name: str) -> tuple[ModelSpec, str | None]:
    """``zhang-rebal.paper`` -> (the spec of zhang-rebal, ``paper``), checking that the set exists.

    A Hub model id, ``hf-hub:ORG/NAME[@REVISION]``, is a weight set nobody declared: (the spec of the
    model its config.json names, the id), and a one-line error with the pip command when that
    model's family is not installed.
    """
    from ..weights.hub_models import is_hub_name
    from ..weights.resolve import split_name

    if is_hub_name(name):
        return hub_model_spec(name), name
    spec = get_model_spec(name)
    _, tag = split_name(name, get_zoo().models)
    if tag is not None:
        spec.weight_set(tag)
    return spec, tag


def model_reference(name: str, weights: str | os.PathLike[str] | None = None) -> tuple[ModelSpec, str | None, Any]:
    """What a command's MODEL argument names: (spec, weight-set tag or None, weights path or None).

    ``MODEL`` or ``MODEL.TAG`` of a registered model, or a model directory (``runs/mine``, from
    ``train`` or ``save_pretrained``) or ``.safetensors`` file, whose config names its model.
    """
    from pathlib import Path

    path = Path(name)
    if weights is None and path.exists() and (path.is_dir() or path.suffix == ".safetensors"):
        from ..models.format import read_config

        _, config = read_config(path)
        model = config.get("model")
        if not isinstance(model, str) or not model:
            raise WeightsError(f"{path}: its config names no model")
        return get_model_spec(model), None, path
    spec, tag = split_model_name(name)
    return spec, tag, weights


def hub_model_spec(name: str) -> ModelSpec:
    """The spec of the model a Hub repo holds (its config.json is fetched, or read from the cache)."""
    from ..weights.hub_models import fetch

    found = fetch(name, weights=False)
    models = get_zoo().models
    if found.model not in models:
        raise UnknownModelError(f"{found.pinned} holds a {found.model} model, {found.install_hint()}")
    return models[found.model]


def list_models() -> list[ModelSpec]:
    models = get_zoo().models
    return [models[name] for name in sorted(models)]


def create_model(
    name: str,
    pretrained: bool = False,
    weights: str | os.PathLike[str] | None = None,
    device: Any = None,
    **overrides: Any,
) -> Any:
    """Build a registered model: untrained, or with weights (``pretrained``, ``weights``, or ``MODEL.TAG``);
    ``hf-hub:ORG/NAME[@REVISION]`` loads a model shared on the Hub, as timm does.

    Untrained models are for training (``overrides`` change their config). Weights are found
    as ``weights.resolve.resolve_weights`` describes; a model without any refuses with
    ``NoWeightsError``.
    """
    spec, tag = split_model_name(name)
    if tag is None and not pretrained and weights is None:
        from ..models.build import build_model

        model = build_model(spec, **overrides)
        return model if device is None else model.to(device)
    if overrides:
        raise TypeError("config overrides only apply to untrained models; weights carry their config")
    return load_pretrained(spec, tag, weights, device=device or "cpu")[0]


def load_pretrained(
    spec: ModelSpec,
    tag: str | None = None,
    weights: str | os.PathLike[str] | None = None,
    device: Any = "cpu",
    progress: Any = None,
    notify: Any = None,
) -> tuple[Any, Any]:
    """(model, ``ResolvedWeights``): resolve and load. Weights a user points at must be for this model."""
    from ..models.build import load_model_dir
    from ..models.format import read_config
    from ..weights.resolve import resolve_weights

    resolved = resolve_weights(spec, tag, weights, progress=progress, notify=notify)
    _, config = read_config(resolved.path)
    if resolved.origin == "given" and config.get("model") != spec.name:
        raise WeightsError(f"{resolved.path}: these weights are for {config.get('model')!r}, not {spec.name!r}")
    return load_model_dir(spec, resolved.path, device), resolved


def load_model(path: str | os.PathLike[str], device: Any = "cpu") -> Any:
    """Load a model directory (or ``.safetensors`` file) of any registered model, by its config's name;
    or a model shared on the Hub, by its id (``hf-hub:ORG/NAME[@REVISION]``)."""
    from ..models.build import load_model_dir
    from ..models.format import read_config
    from ..weights.hub_models import is_hub_name

    if is_hub_name(path):
        spec, tag = split_model_name(str(path))
        return load_pretrained(spec, tag, device=device)[0]
    _, config = read_config(path)
    name = config.get("model", "")
    if not isinstance(name, str) or not name:
        raise WeightsError(f"{path}: its config names no model")
    return load_model_dir(get_model_spec(name), path, device)


def get_loss_spec(name: str) -> LossSpec:
    losses = get_zoo().losses
    if name not in losses:
        raise UnknownModelError(f"unknown loss {name!r}; registered losses: {', '.join(sorted(losses))}")
    return losses[name]


def create_loss(name: str, **options: Any) -> Any:
    return get_loss_spec(name).build(**options)


def losses_for(spec: ModelSpec) -> list[LossSpec]:
    """The registered losses ``spec`` may train with: those for its output (or its own list)."""
    losses = get_zoo().losses
    if spec.losses:
        names = dict.fromkeys([*(n for n in [spec.default_loss] if n), *spec.losses])
        return [losses[n] for n in names if n in losses]
    return [loss for loss in losses.values() if spec.output in loss.accepts]
