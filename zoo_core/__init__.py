"""colorzoo: a plugin-based model zoo for automatic image colorization.

Public API (the CLI is a thin layer over it)::

    from zoo_core import create_model, load_image, colorize
    model = create_model("zhang-rebal", pretrained=True)
    rgb = colorize(model, [load_image("photo.jpg")])[0]
"""

from __future__ import annotations

import importlib.metadata

from .batch import colorize_files
from .colorizer import Colorizer, ColorizerConfig
from .devices import pick_device
from .errors import ColorzooError, ImageError, NoWeightsError, UnknownModelError, WeightsError
from .hookspecs import hookimpl
from .imageio import Photo, load_image, save_png
from .inference import colorize
from .losses import Loss, LossSpec
from .plugins import get_zoo
from .registry import ModelSpec, create_loss, create_model, get_model_spec, list_models

try:
    __version__ = importlib.metadata.version("colorzoo")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Colorizer",
    "ColorizerConfig",
    "ColorzooError",
    "ImageError",
    "Loss",
    "LossSpec",
    "ModelSpec",
    "NoWeightsError",
    "Photo",
    "UnknownModelError",
    "WeightsError",
    "colorize",
    "colorize_files",
    "create_loss",
    "create_model",
    "get_model_spec",
    "get_zoo",
    "hookimpl",
    "list_models",
    "load_image",
    "pick_device",
    "save_png",
]
