"""colorzoo's own default plugin: model-agnostic losses, registered like any plugin's."""

from __future__ import annotations

from ..spec import LossSpec
from .hookspecs import hookimpl


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec(name="mse", factory="zoo_core.models.losses:MSELoss", accepts=("ab",),
                      description="mean squared error on ab (Euclidean loss)"))
    register(LossSpec(name="l1", factory="zoo_core.models.losses:L1Loss", accepts=("ab",),
                      description="mean absolute error on ab"))
