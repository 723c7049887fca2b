"""Errors that reach users: each one reads as a single line naming the thing and the problem."""

from __future__ import annotations


class ColorzooError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero, no traceback."""


class ImageError(ColorzooError):
    """An input image cannot be used: the message starts with its path."""


class UnknownModelError(ColorzooError, KeyError):
    """No installed plugin registers a model of that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class NoWeightsError(ColorzooError):
    """A model has no usable weights; the message lists what was tried and what to do."""


class WeightsError(ColorzooError):
    """Weights exist but cannot be used (wrong model, wrong shapes, bad file)."""


class ConfigError(WeightsError):
    """A model config (config.json, --set, a spec) with a field of the wrong type or out of range."""
