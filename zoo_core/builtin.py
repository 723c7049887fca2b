"""colorzoo's own default plugin: model-agnostic losses, registered like any plugin's."""

from __future__ import annotations

from .hookspecs import hookimpl
from .losses import L1Loss, LossSpec, MSELoss


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("mse", MSELoss, "mean squared error on ab (Euclidean loss)"))
    register(LossSpec("l1", L1Loss, "mean absolute error on ab"))
