"""colorzoo's own default plugin: model-agnostic losses, registered like any plugin's."""

from __future__ import annotations

from ..spec import LossSpec
from .hookspecs import hookimpl


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("mse", "zoo_core.models.losses:MSELoss", "mean squared error on ab (Euclidean loss)"))
    register(LossSpec("l1", "zoo_core.models.losses:L1Loss", "mean absolute error on ab"))
