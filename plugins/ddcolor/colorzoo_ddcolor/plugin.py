"""Registers ddcolor and ddcolor-tiny and their loss (declarations only: no torch imported here).

The weights are the authors' releases on the Hugging Face Hub (Apache-2.0 since January 2024):
each repo's ``pytorch_model.bin``, and the same weights in ``piddnad/DDColor-models`` (wrapped
as ``{"params": ...}``, at a pinned commit, every file's sha256 published). ``paper`` and the tiny
model's own files have published checksums and come first; ``modelscope`` and ``artistic`` come
from DDColor-models first, their own repos (at ``main``, trusted on first use) second.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import HubRepo, LossSpec, ModelSpec, WeightSet, hookimpl

from .controls import INPUT_SIZE, INPUT_SIZE_CONTROL, SIZE_MULTIPLE

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_MODEL = "colorzoo_ddcolor.model:DDColorColorizer"
_MODELS_REPO = ("piddnad/DDColor-models", "e9e7b527709c8aeb2f5e1bf701e72fd468a13baa")
_LICENSE = "Apache-2.0"
_LARGE, _TINY = 912_000_000, 220_400_000


def _set(*, tag: str, repo: str, revision: str, sha256: str | None, model_file: str, model_sha256: str, size: int,
         description: str) -> WeightSet:
    """The set's own Hub repo and the same weights in piddnad/DDColor-models (pinned commit, sha256 published).

    Where the own repo's file has no published checksum (modelscope, artistic: followed at ``main`` and
    trusted on first use), the pinned copy comes first, so the default download is always verified.
    """
    own = HubRepo(repo_id=repo, revision=revision, files={"pytorch_model.bin": sha256}, size=size)
    pinned = HubRepo(repo_id=_MODELS_REPO[0], revision=_MODELS_REPO[1], files={model_file: model_sha256}, size=size)
    sources = (own, pinned) if sha256 else (pinned, own)
    return WeightSet(tag=tag, sources=sources, license=_LICENSE, description=description)


MODELS = (
    ModelSpec(
        name="ddcolor",
        architecture=_MODEL,
        config={"encoder_name": "convnext-l"},
        description="DDColor (ICCV 2023): ConvNeXt-L encoder, pixel decoder and a transformer color decoder",
        num_parameters=227_869_328,
        output="ab",
        default_loss="ddcolor",
        training_step="colorzoo_ddcolor.training:DDColorTrainingStep",
        weights=(
            _set(
                tag="modelscope",
                repo="piddnad/ddcolor_modelscope",
                revision="main",
                sha256=None,
                model_file="ddcolor_modelscope.pth",
                model_sha256="17c460d7e55b32a598370621d77173be59e03c24b0823f06821db23a50c263ce",
                size=_LARGE,
                description="the authors' ModelScope model (ImageNet; their recommended default)",
            ),
            _set(
                tag="paper",
                repo="piddnad/ddcolor_paper",
                revision="main",
                sha256="5c77db8292398a2ec1397003f0a90266c28e97b013515d5e9a32e73a4c54a67d",
                model_file="ddcolor_paper.pth",
                model_sha256="789781789db1bafc2165e1cf9658580f871cce64a81901ec49127877813f10b9",
                size=_LARGE,
                description="the model of the paper's results (ImageNet)",
            ),
            _set(
                tag="artistic",
                repo="piddnad/ddcolor_artistic",
                revision="main",
                sha256=None,
                model_file="ddcolor_artistic.pth",
                model_sha256="a591ee5beedad36de703d8977e92d0c30c1eedc6453fd1b300f3b460842a23a9",
                size=_LARGE,
                description="trained on more data, without the colorfulness loss: bolder, for artistic use",
            ),
        ),
        adapter="colorzoo_ddcolor.release:adapt_release",
        release_layout="colorzoo_ddcolor.release:release_layout",
        input_size=INPUT_SIZE,
        size_multiple=SIZE_MULTIPLE,
        controls=(INPUT_SIZE_CONTROL,),
        card=_CARDS / "ddcolor.md",
    ),
    ModelSpec(
        name="ddcolor-tiny",
        architecture=_MODEL,
        config={"encoder_name": "convnext-t"},
        description="DDColor with a ConvNeXt-T encoder (55M parameters)",
        num_parameters=55_006_640,
        output="ab",
        default_loss="ddcolor",
        training_step="colorzoo_ddcolor.training:DDColorTrainingStep",
        weights=(
            _set(
                tag="paper",
                repo="piddnad/ddcolor_paper_tiny",
                revision="fa6a96127901e6debe4529fb667eae9325b6e715",
                sha256="8a1277bc90a1bfbb6d2d83933a9a6bc821931879ca93e26e4fcec12165d41fce",
                model_file="ddcolor_paper_tiny.pth",
                model_sha256="81dd643904f4664c3718513e3320ae3db0c567f0d3e18398606659adee7bfc17",
                size=_TINY,
                description="the authors' tiny model, trained as the paper's (ImageNet)",
            ),
        ),
        adapter="colorzoo_ddcolor.release:adapt_release",
        release_layout="colorzoo_ddcolor.release:release_layout",
        input_size=INPUT_SIZE,
        size_multiple=SIZE_MULTIPLE,
        controls=(INPUT_SIZE_CONTROL,),
        card=_CARDS / "ddcolor-tiny.md",
    ),
)

LOSSES = (
    LossSpec(
        name="ddcolor",
        factory="colorzoo_ddcolor.losses:DDColorLoss",
        accepts=("ab",),
        description="DDColor's pixel L1 on ab (x0.1) + colorfulness term (x0.5)",
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
