"""Building a model from its spec: the config from the spec's fields and the caller's overrides.

Every path that makes a model goes through here (the registry, weight conversion, training,
the contract tests), so a bad field is always the same ``ConfigError``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ..errors import ConfigError
from ..spec import ModelSpec
from .colorizer import Colorizer, ColorizerConfig


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
