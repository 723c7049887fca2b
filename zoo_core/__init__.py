"""colorzoo: a plugin-based model zoo for automatic image colorization.

Public API (the CLI is a thin layer over it)::

    from zoo_core import create_model, load_image, colorize
    model = create_model("zhang-rebal", pretrained=True)
    rgb = colorize(model, [load_image("photo.jpg")], temperature=0.38)[0]

Everything a plugin needs is exported here, and the plugin API is this namespace: specs
(``ModelSpec``, ``LossSpec``, ``BackboneSpec``, ``WeightSet`` and its sources, ``Control``,
``ControlType``, ``hookimpl``), the model interfaces (``Colorizer``, ``ColorizerConfig``, ``Loss``,
``TrainingStep``), the color science a model uses (Lab, YUV, the 313 quantized ab bins) and
backbones (``create_backbone``, ImageNet normalization). colorzoo's own families import nothing
else (``tests/test_architecture.py`` checks it); the deeper modules may change between releases.
Names are imported on first use, so ``import zoo_core`` (and ``colorzoo --version``) does not pay
for torch.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import TYPE_CHECKING, Any

try:
    __version__ = importlib.metadata.version("colorzoo-core")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    # errors, settings and controls (no torch)
    "ColorzooError": "errors",
    "ConfigError": "errors",
    "ImageError": "errors",
    "NoWeightsError": "errors",
    "UnknownModelError": "errors",
    "WeightsError": "errors",
    "Control": "controls",
    "ControlError": "controls",
    "ControlType": "controls",
    "parse_color": "controls",
    "parse_image": "controls",
    "parse_point_color": "controls",
    # specs (no torch)
    "BackboneSpec": "spec",
    "Bundled": "spec",
    "HubRepo": "spec",
    "LossSpec": "spec",
    "ModelSpec": "spec",
    "PackageFile": "spec",
    "ReleaseFile": "spec",
    "WeightSet": "spec",
    "timm_backbone": "spec",
    "hookimpl": "plugins.hookspecs",
    # color science a model needs
    "gray_rgb": "color.lab",
    "lab_to_rgb": "color.lab",
    "rgb_to_lab": "color.lab",
    "rgb_to_yuv": "color.yuv",
    "yuv_to_rgb": "color.yuv",
    "NUM_BINS": "color.quantize",
    "ab_bins": "color.quantize",
    "annealed_mean": "color.quantize",
    "certainty": "color.quantize",
    "nearest_bin": "color.quantize",
    "one_hot_encode": "color.quantize",
    "rebalance_weights": "color.quantize",
    "soft_encode": "color.quantize",
    # writing a model
    "Colorizer": "models.colorizer",
    "ColorizerConfig": "models.colorizer",
    "Controls": "models.colorizer",
    "count_parameters": "models.build",
    "AB_SCALE": "models.losses",
    "Batch": "models.losses",
    "L1Loss": "models.losses",
    "Loss": "models.losses",
    "MSELoss": "models.losses",
    "Output": "models.losses",
    "ab_of": "models.losses",
    "target_ab": "models.losses",
    "IMAGENET_MEAN": "weights.backbones",
    "IMAGENET_STD": "weights.backbones",
    "create_backbone": "weights.backbones",
    "load_backbone_weights": "weights.backbones",
    "map_by_position": "weights.backbones",
    # training a model
    "TrainingStep": "training.step",
    "TrainContext": "training.step",
    "cosine_schedule": "training.step",
    "TrainConfig": "training.config",
    "train": "training.trainer",
    # measuring models
    "compare": "evaluation.compare",
    "evaluate_model": "evaluation.evaluate",
    # using models
    "Photo": "io.images",
    "load_image": "io.images",
    "save_image": "io.images",
    "save_png": "io.images",
    "colorize": "render.render",
    "colorize_files": "render.batch",
    "pick_device": "render.devices",
    "get_zoo": "plugins.manager",
    "create_loss": "plugins.registry",
    "create_model": "plugins.registry",
    "get_model_spec": "plugins.registry",
    "list_models": "plugins.registry",
    "load_model": "plugins.registry",
}

__all__ = sorted(_EXPORTS)


def _registered_spec(name: str) -> Any:
    from .plugins.manager import get_zoo

    return get_zoo().models.get(name)


def _registered_backbone(name: str) -> Any:
    from .plugins.manager import get_zoo

    return get_zoo().backbones.get(name)


def _wire_layers() -> None:
    """The lower layers reach the registry through these lookups (``Colorizer.from_pretrained``,
    ``create_backbone``)."""
    from .spec import use_registry

    use_registry(models=_registered_spec, backbones=_registered_backbone)


_wire_layers()


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zoo_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .color.lab import gray_rgb, lab_to_rgb, rgb_to_lab  # noqa: F401
    from .color.quantize import (  # noqa: F401
        NUM_BINS,
        ab_bins,
        annealed_mean,
        certainty,
        nearest_bin,
        one_hot_encode,
        rebalance_weights,
        soft_encode,
    )
    from .color.yuv import rgb_to_yuv, yuv_to_rgb  # noqa: F401
    from .controls import Control, ControlError, ControlType, parse_color, parse_image, parse_point_color  # noqa: F401
    from .errors import (  # noqa: F401
        ColorzooError,
        ConfigError,
        ImageError,
        NoWeightsError,
        UnknownModelError,
        WeightsError,
    )
    from .evaluation.compare import compare  # noqa: F401
    from .evaluation.evaluate import evaluate_model  # noqa: F401
    from .io.images import Photo, load_image, save_image, save_png  # noqa: F401
    from .models.build import count_parameters  # noqa: F401
    from .models.colorizer import Colorizer, ColorizerConfig, Controls  # noqa: F401
    from .models.losses import AB_SCALE, Batch, L1Loss, Loss, MSELoss, Output, ab_of, target_ab  # noqa: F401
    from .plugins.hookspecs import hookimpl  # noqa: F401
    from .plugins.manager import get_zoo  # noqa: F401
    from .plugins.registry import create_loss, create_model, get_model_spec, list_models, load_model  # noqa: F401
    from .render.batch import colorize_files  # noqa: F401
    from .render.devices import pick_device  # noqa: F401
    from .render.render import colorize  # noqa: F401
    from .spec import (  # noqa: F401
        BackboneSpec,
        Bundled,
        HubRepo,
        LossSpec,
        ModelSpec,
        PackageFile,
        ReleaseFile,
        WeightSet,
        timm_backbone,
    )
    from .training.config import TrainConfig  # noqa: F401
    from .training.step import TrainContext, TrainingStep, cosine_schedule  # noqa: F401
    from .training.trainer import train  # noqa: F401
    from .weights.backbones import (  # noqa: F401
        IMAGENET_MEAN,
        IMAGENET_STD,
        create_backbone,
        load_backbone_weights,
        map_by_position,
    )
