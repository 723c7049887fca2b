"""The ``Colorizer`` interface: a model that maps lightness L to the color channels ab.

Weights travel the Hugging Face way: a directory with ``config.json`` and
``model.safetensors`` (safetensors only, never pickle). The safetensors header carries the
config too, so a lone ``.safetensors`` file is self-describing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from .atomic import atomic_write
from .errors import WeightsError

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_METADATA_KEY = "colorzoo_config"


@dataclasses.dataclass
class ColorizerConfig:
    """What it takes to rebuild a model; saved as ``config.json`` beside its weights."""

    model: str = ""
    """The registry name (``zhang-rebal``), which picks the class when loading."""
    input_size: int = 256
    """Working resolution: photos are resized to this square, ab is upsampled back."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColorizerConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            warnings.warn(f"ignoring unknown config fields {unknown} for {cls.__name__}", stacklevel=2)
        return cls(**{k: v for k, v in data.items() if k in known})


class Colorizer(nn.Module):
    """Base class of every colorization model.

    ``forward(L)`` takes L in Lab units (B, 1, H, W), values 0..100, and returns the model's
    raw output (bin logits for classifiers, ab for regressors); ``decode`` turns it into ab in
    Lab units, possibly at a lower resolution than the input.
    """

    config_class: ClassVar[type[ColorizerConfig]] = ColorizerConfig

    def __init__(self, config: ColorizerConfig) -> None:
        super().__init__()
        self.config = config

    @property
    def uses_temperature(self) -> bool:
        """True for models whose decoding has a temperature knob (annealed mean)."""
        return False

    def decode(self, output: Any, temperature: float | None = None) -> torch.Tensor:
        """Raw output -> ab (B, 2, h, w) in Lab units. Regressors return it unchanged;
        a dict output (a model with extra heads) gives its ``"ab"`` entry."""
        return output["ab"] if isinstance(output, dict) else output

    def steer(self, **controls: Any) -> None:
        """Set user controls for the next predictions (e.g. a palette). Most models have none."""
        from .errors import ColorzooError

        raise ColorzooError(f"{self.config.model} takes no controls ({', '.join(controls)} given)")

    @torch.no_grad()
    def predict_ab(self, lightness: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """L (B, 1, H, W) -> ab (B, 2, h, w), in evaluation mode."""
        return self.decode(self(lightness), temperature)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- persistence ---------------------------------------------------------------------

    def save_pretrained(self, directory: str | os.PathLike[str], dtype: torch.dtype | None = None) -> Path:
        """Write ``config.json`` and ``model.safetensors`` (optionally cast, e.g. fp16)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config_json = json.dumps(self.config.to_dict(), indent=2, sort_keys=True)
        state = {
            k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).detach().cpu().contiguous()
            for k, v in self.state_dict().items()
        }
        atomic_write(directory / WEIGHTS_NAME, lambda p: save_file(state, p, metadata={_METADATA_KEY: config_json}))
        atomic_write(directory / CONFIG_NAME, lambda p: Path(p).write_text(config_json + "\n"))
        return directory

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Colorizer:
        """Load a directory (or a lone ``.safetensors`` file) written by ``save_pretrained``.

        Called on ``Colorizer`` itself, the class comes from the registry by the config's
        ``model`` name; called on a subclass, that class is used.
        """
        weights_file, config_dict = read_pretrained_config(path)
        model_cls = cls
        if cls is Colorizer:
            from .registry import get_model_spec

            model_cls = get_model_spec(config_dict.get("model", "")).model_class
        config = model_cls.config_class.from_dict(config_dict)
        model = model_cls(config)
        load_weights(model, weights_file)
        return model.to(device).eval()


def read_pretrained_config(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """Find the weights file and its config for a directory or a ``.safetensors`` file."""
    path = Path(path)
    if path.is_dir():
        weights_file = path / WEIGHTS_NAME
        config_file = path / CONFIG_NAME
    else:
        weights_file = path
        config_file = path.with_name(CONFIG_NAME)
    if not weights_file.is_file():
        raise WeightsError(f"{weights_file}: no such weights file")
    if weights_file.suffix != ".safetensors":
        raise WeightsError(f"{weights_file}: only .safetensors weights are loaded (never pickle)")
    if config_file.is_file():
        try:
            return weights_file, json.loads(config_file.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise WeightsError(f"{config_file}: not valid JSON ({exc})") from exc
    try:
        with safe_open(str(weights_file), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError) as exc:
        raise WeightsError(f"{weights_file}: not a readable safetensors file ({exc})") from exc
    if _METADATA_KEY not in metadata:
        raise WeightsError(f"{weights_file}: no {CONFIG_NAME} beside it and no config in its header")
    return weights_file, json.loads(metadata[_METADATA_KEY])


def load_weights(model: nn.Module, weights_file: str | os.PathLike[str]) -> None:
    """Load a safetensors state dict strictly, with an error that names what differs."""
    try:
        state = load_file(str(weights_file))
    except (SafetensorError, OSError) as exc:
        raise WeightsError(f"{weights_file}: not a readable safetensors file ({exc})") from exc
    mismatch = state_mismatch(model.state_dict(), state)
    if mismatch:
        raise WeightsError(f"{weights_file}: weights do not fit the model ({mismatch})")
    model.load_state_dict(state, strict=True)


def state_mismatch(expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor]) -> str | None:
    """What keeps ``state`` from loading into a model whose state dict is ``expected``, or None."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    parts = []
    if missing:
        parts.append(f"missing {missing[:3]}{'...' if len(missing) > 3 else ''}")
    if unexpected:
        parts.append(f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''}")
    if wrong:
        k = wrong[0]
        parts.append(f"{k} is {tuple(state[k].shape)}, expected {tuple(expected[k].shape)}")
    return "; ".join(parts) or None
