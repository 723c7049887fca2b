"""The ``Colorizer`` interface: a model that maps lightness to color, and its config.

``forward(L)`` returns the raw output (bin logits, ab, a dict with extra heads); ``decode``
turns it into chroma; ``predict`` is what the renderer calls: chroma for a batch of working-size
lightness, with the user's run-time controls for that call. Weights travel the Hugging Face
way: ``save_pretrained`` writes ``config.json`` + ``model.safetensors`` (``weights/format.py``).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from ..errors import ConfigError, WeightsError
from .format import read_config, save_model_dir

Controls = Mapping[str, Any]


@dataclasses.dataclass
class ColorizerConfig:
    """What it takes to rebuild a model; saved as ``config.json`` beside its weights.

    Subclasses add fields (with type annotations: they are checked when a config is loaded)
    and may override ``validate`` to check ranges, raising ``ValueError`` that names the field.
    """

    model: str = ""
    """The registry name (``zhang-rebal``), which picks the class when loading."""
    input_size: int = 256
    """Working resolution: photos are resized to this square, the color is upsampled back."""
    saturation: float = 1.0
    """Gain on the predicted chroma (the ``saturation`` control overrides it): a weight set may record
    the value chosen for it on a tuning split."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def validate(self) -> None:
        if self.input_size < 8:
            raise ValueError(f"input_size must be at least 8, got {self.input_size}")
        if not 0.0 <= self.saturation <= 4.0:
            raise ValueError(f"saturation must be in [0, 4], got {self.saturation}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "config") -> ColorizerConfig:
        """Build and check a config; every problem is a ``ConfigError`` naming ``where`` and the field."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: expected a JSON object, found {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            warnings.warn(f"{where}: ignoring unknown config fields {unknown} for {cls.__name__}", stacklevel=2)
        values = {}
        for name, value in data.items():
            if name in fields:
                try:
                    values[name] = _check_type(value, hints[name])
                except TypeError as exc:
                    raise ConfigError(f"{where}: field {name!r} must be {exc}, got {value!r}") from None
        config = cls(**values)
        try:
            config.validate()
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        return config


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (tuple, list):
        return "a list"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false", type(None): "null"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _check_type(value: Any, hint: Any) -> Any:
    """``value`` if it has type ``hint`` (ints pass as floats; lists as tuples); else ``TypeError``."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _check_type(value, option)
            except TypeError:
                continue
        raise TypeError(_type_name(hint))
    if origin is typing.Literal:
        if value in typing.get_args(hint):
            return value
        raise TypeError(_type_name(hint))
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise TypeError("a list")
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        item = args[0] if args else Any
        return origin(_check_type(v, item) for v in value)
    if hint is type(None):
        if value is None:
            return None
        raise TypeError("null")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise TypeError("true or false")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError("an integer")
    if hint is float:
        import math

        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise TypeError("a finite number")
    if hint is str:
        if isinstance(value, str):
            return value
        raise TypeError("a string")
    return value


class Colorizer(nn.Module):
    """Base class of every colorization model.

    ``forward(L)`` takes L in Lab units (B, 1, H, W), values 0..100, and returns the model's
    raw output. ``decode(output, controls)`` turns it into chroma, in the space ``chroma`` names:
    ``"ab"`` (Lab units, the default) or ``"uv"`` (YUV, see ``color/yuv.py``), possibly at a
    lower resolution than the input: the renderer upsamples it and joins it with the photo's
    own full-resolution lightness.
    """

    config_class: ClassVar[type[ColorizerConfig]] = ColorizerConfig
    chroma: ClassVar[str] = "ab"

    def __init__(self, config: ColorizerConfig) -> None:
        super().__init__()
        self.config = config
        self.spec: Any = None
        """The ``ModelSpec`` it was built from (set by ``build_model``), for its controls."""

    def decode(self, output: Any, controls: Controls | None = None) -> torch.Tensor:
        """Raw output -> chroma (B, 2, h, w). A dict output (extra heads) gives its ``"ab"`` entry."""
        return output["ab"] if isinstance(output, dict) else output

    def working_size(self, controls: Controls | None = None) -> int:
        """The side of the square the model sees; a control may change it (a render factor)."""
        return self.config.input_size

    def predict(
        self, lightness: torch.Tensor, controls: Controls | None = None, sizes: Sequence[tuple[int, int]] = ()
    ) -> torch.Tensor:
        """Working-size L (B, 1, S, S) -> chroma, for one call's controls.

        ``sizes`` are the (height, width) of the original photos, for controls given in their
        pixels (hints). Models with controls that act before decoding override this.
        """
        return self.decode(self(lightness), controls or {})

    def colors(
        self, lightness: torch.Tensor, controls: Controls | None = None, sizes: Sequence[tuple[int, int]] = ()
    ) -> torch.Tensor:
        """What the renderer and exports call: ``predict`` with the ``saturation`` gain every model takes."""
        controls = controls or {}
        return self.saturate(self.predict(lightness, controls, sizes), controls)

    def saturate(self, chroma: torch.Tensor, controls: Controls | None = None) -> torch.Tensor:
        """``chroma`` times the ``saturation`` control (else the config's): gray at 0, as predicted at 1."""
        gain = (controls or {}).get("saturation")
        gain = self.config.saturation if gain is None else gain
        return chroma if gain == 1.0 else chroma * gain

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- persistence ---------------------------------------------------------------------

    def frozen_backbones(self) -> dict[str, str]:
        """State-dict prefixes (``"extractor."``) of frozen, unchanged pretrained backbones, each
        with its backbone name. ``save_pretrained(omit_frozen=True)`` leaves them out and loading
        fills them from the backbone's declared weights: a bundle need not carry a second copy of
        ImageNet weights that install with a package."""
        return {}

    def load_frozen_backbone(self, prefix: str) -> None:
        """Load the pretrained weights of the backbone at ``prefix`` (one of ``frozen_backbones``),
        e.g. with ``zoo_core.weights.backbones.load_backbone_weights``; raise ``ColorzooError``."""
        raise WeightsError(f"{type(self).__name__} cannot load its frozen backbone {prefix!r}")

    def save_pretrained(
        self, directory: str | os.PathLike[str], dtype: torch.dtype | None = None, omit_frozen: bool = False
    ) -> Path:
        """Write ``config.json`` and ``model.safetensors`` (optionally cast, e.g. fp16; optionally
        without the frozen backbones, see ``frozen_backbones``)."""
        omit = tuple(self.frozen_backbones()) if omit_frozen else ()
        state = {
            k: (v.to(dtype) if dtype is not None and _fits(v, dtype) else v)
            for k, v in self.state_dict().items()
            if not (omit and k.startswith(omit))
        }
        return save_model_dir(directory, state, self.config.to_dict(), self.num_parameters())

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Colorizer:
        """Load a directory (or a lone ``.safetensors`` file) written by ``save_pretrained``.

        Call it on the model's class; ``zoo_core.load_model(path)`` finds the class by the
        config's ``model`` name. Both load the same way and attach the registered spec.
        """
        if cls is Colorizer:
            raise TypeError("Colorizer.from_pretrained needs a concrete class; use zoo_core.load_model(path)")
        from .build import load_model_dir, spec_of

        _, config = read_config(path)
        name = config.get("model") if isinstance(config.get("model"), str) else ""
        return load_model_dir(spec_of(cls, name), path, device)


def _fits(tensor: torch.Tensor, dtype: torch.dtype) -> bool:
    """Whether a floating tensor can be cast to ``dtype`` without overflowing to inf. A BatchNorm
    running variance can exceed fp16's 65,504: such a tensor stays fp32 (it is tiny), since an
    inf variance silently zeroes its channel."""
    if not tensor.is_floating_point():
        return False
    return tensor.numel() == 0 or bool(tensor.abs().max() <= torch.finfo(dtype).max)
