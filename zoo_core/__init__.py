"""colorzoo: a plugin-based model zoo for automatic image colorization.

Public API (the CLI is a thin layer over it)::

    from zoo_core import create_model, load_image, colorize
    model = create_model("zhang-rebal", pretrained=True)
    rgb = colorize(model, [load_image("photo.jpg")], temperature=0.38)[0]

Everything a plugin author needs is exported here too (``ModelSpec``, ``LossSpec``,
``WeightSet`` and its sources, ``Control``, ``Colorizer``, ``Loss``, ``TrainingStep``,
``hookimpl``). Names are imported on first use, so ``import zoo_core`` (and ``colorzoo
--version``) does not pay for torch.
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
    # errors and controls (no torch)
    "ColorzooError": "errors",
    "ConfigError": "errors",
    "ImageError": "errors",
    "NoWeightsError": "errors",
    "UnknownModelError": "errors",
    "WeightsError": "errors",
    "Control": "controls",
    "ControlType": "controls",
    "ControlError": "controls",
    # specs (no torch)
    "Bundled": "spec",
    "HubRepo": "spec",
    "LossSpec": "spec",
    "ModelSpec": "spec",
    "PackageFile": "spec",
    "ReleaseFile": "spec",
    "WeightSet": "spec",
    "hookimpl": "plugins.hookspecs",
    # models
    "Colorizer": "models.colorizer",
    "ColorizerConfig": "models.colorizer",
    "Loss": "models.losses",
    "TrainingStep": "training.step",
    "TrainContext": "training.step",
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


def _wire_layers() -> None:
    """The lower layers reach the registry through this lookup (``Colorizer.from_pretrained``)."""
    from .spec import use_registry

    use_registry(_registered_spec)


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
    from .controls import Control, ControlError, ControlType  # noqa: F401
    from .errors import ColorzooError, ConfigError, ImageError, NoWeightsError, UnknownModelError, WeightsError  # noqa: F401
    from .io.images import Photo, load_image, save_image, save_png  # noqa: F401
    from .models.colorizer import Colorizer, ColorizerConfig  # noqa: F401
    from .models.losses import Loss  # noqa: F401
    from .plugins.hookspecs import hookimpl  # noqa: F401
    from .plugins.manager import get_zoo  # noqa: F401
    from .plugins.registry import create_loss, create_model, get_model_spec, list_models, load_model  # noqa: F401
    from .render.batch import colorize_files  # noqa: F401
    from .render.devices import pick_device  # noqa: F401
    from .render.render import colorize  # noqa: F401
    from .spec import Bundled, HubRepo, LossSpec, ModelSpec, PackageFile, ReleaseFile, WeightSet  # noqa: F401
    from .training.step import TrainContext, TrainingStep  # noqa: F401
