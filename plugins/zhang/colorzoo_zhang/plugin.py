"""Registers the Zhang ECCV16 family with colorzoo (entry point ``zhang`` in group ``colorzoo``)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import LossSpec, ModelSpec, hookimpl

from .losses import OneHotCELoss, RebalancedCELoss, SoftCELoss
from .model import ZhangColorizer, ZhangConfig

_HERE = Path(__file__).resolve().parent

_MODELS = {
    "zhang-rebal": (
        ZhangConfig(),
        "ce-rebal",
        "ECCV16 network, class-rebalanced soft-encoded cross-entropy, annealed-mean decoding (the paper's full method)",
    ),
    "zhang-unbal": (ZhangConfig(), "ce", "ECCV16 network, soft-encoded cross-entropy without rebalancing"),
    "zhang-onehot": (ZhangConfig(), "ce-onehot", "ECCV16 network, one-hot cross-entropy"),
    "zhang-euclidean": (
        ZhangConfig(head="regression"),
        "mse",
        "ECCV16 trunk with a 2-channel regression head and L2 loss: the desaturated baseline",
    ),
    "zhang-simplified": (
        ZhangConfig(variant="simplified"),
        "ce-rebal",
        "ECCV16 blocks cut to at most 2 convs and 416 channels (~15.4M parameters), rebalanced CE",
    ),
}


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for name, (config, loss, description) in _MODELS.items():
        register(
            ModelSpec(
                name=name,
                model_class=ZhangColorizer,
                config=config,
                description=description,
                default_loss=loss,
                card=_HERE / "model_cards" / f"{name}.md",
                bundled_weights=_HERE / "weights" / name,
            )
        )


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec("ce", SoftCELoss, "soft-encoded cross-entropy over the 313 ab bins"))
    register(LossSpec("ce-rebal", RebalancedCELoss, "class-rebalanced soft-encoded cross-entropy (needs a prior)"))
    register(LossSpec("ce-onehot", OneHotCELoss, "one-hot cross-entropy over the 313 ab bins"))
