"""Building a model from its spec, and the one way a model directory is loaded.

Every path that makes a model goes through here (the registry, weight conversion, training,
the contract tests), so a bad field is always the same ``ConfigError``; every path that loads a
model directory (``load_model``, ``create_model`` with weights, ``train --init``,
``Colorizer.from_pretrained``) goes through ``load_model_dir``, which attaches the model's spec,
so its controls are checked on every path.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import ConfigError, WeightsError
from ..spec import ModelSpec, registered_spec
from .colorizer import Colorizer, ColorizerConfig
from .format import CONFIG_NAME, load_state, read_config


def make_config(spec: ModelSpec, where: str = "", **overrides: Any) -> ColorizerConfig:
    """The config for ``spec``: class defaults, then the spec's fields, then ``overrides``."""
    cls = spec.model_class.config_class
    fields = {"input_size": spec.input_size, **spec.config, **overrides, "model": spec.name}
    return cls.from_dict(fields, where=where or f"{spec.name} config")


def instantiate(
    spec: ModelSpec, config: ColorizerConfig, where: str = "", weights_follow: bool = False
) -> Colorizer:
    """``spec``'s class on ``config``; a constructor's ``ValueError`` becomes a ``ConfigError``.

    ``weights_follow``: trained weights are loaded next, so a pretrained backbone is not fetched first.
    """
    if weights_follow and getattr(config, "pretrained_backbone", False):
        config = dataclasses.replace(config, pretrained_backbone=False)  # type: ignore[type-var]
    if config.input_size % spec.size_multiple:
        raise ConfigError(
            f"{where or spec.name}: input_size {config.input_size} is not a multiple of {spec.size_multiple}"
        )
    try:
        model = spec.model_class(config)
    except ValueError as exc:
        raise ConfigError(f"{where or spec.name}: {exc}") from None
    model.spec = spec
    return model


def build_model(spec: ModelSpec, weights_follow: bool = False, **overrides: Any) -> Colorizer:
    """A freshly initialized (untrained) model; ``overrides`` change config fields."""
    return instantiate(spec, make_config(spec, **overrides), weights_follow=weights_follow)


def count_parameters(spec: ModelSpec, **overrides: Any) -> int:
    """Parameter count, computed on the meta device (no memory, no init time)."""
    with torch.device("meta"):
        return build_model(spec, **overrides).num_parameters()


def load_model_dir(
    spec: ModelSpec,
    path: str | os.PathLike[str],
    device: Any = "cpu",
    overrides: Mapping[str, Any] | None = None,
) -> Colorizer:
    """A model directory (or lone ``.safetensors`` file) loaded as ``spec``'s model, in eval mode.

    The config comes from the directory (``overrides`` change fields, e.g. for fine-tuning), the
    model's name from ``spec``; shapes are checked strictly and the spec is attached.
    """
    weights_file, config_dict = read_config(path)
    config_file = weights_file.with_name(CONFIG_NAME)
    where = str(config_file if config_file.is_file() else weights_file)
    fields = {**config_dict, **(overrides or {}), "model": spec.name}
    config = spec.model_class.config_class.from_dict(fields, where=where)
    model = instantiate(spec, config, where=where, weights_follow=True)
    load_state(model, Path(weights_file))
    return model.to(device).eval()


def spec_of(cls: type[Colorizer], name: str) -> ModelSpec:
    """The registered spec of model ``name`` if its class is ``cls``; else a spec of ``cls`` alone (no
    controls: any given control is refused, never ignored)."""
    spec = registered_spec(name) if name else None
    if spec is None:
        return ModelSpec(name=name or cls.__name__, architecture=cls)
    if not issubclass(spec.model_class, cls):
        raise WeightsError(f"these weights are for {name} ({spec.model_class.__name__}), not {cls.__name__}")
    return spec
