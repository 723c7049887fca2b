"""Registers ddcolor and ddcolor-tiny and their loss (declarations only: no torch imported here).

The weights are the authors' releases on the Hugging Face Hub (Apache-2.0 since January 2024):
each repo's ``pytorch_model.bin``, and the same weights in ``piddnad/DDColor-models`` (wrapped
as ``{"params": ...}``, at a pinned commit, every file's sha256 published). ``paper`` and the tiny
model's own files have published checksums and come first; ``modelscope`` and ``artistic`` come
from DDColor-models first, their own repos (at ``main``, trusted on first use) second.
"""

from __future__ import annotations

from pathlib import Path

from zoo_core import HubRepo, LossSpec, ModelSpec, WeightSet, hookimpl

from .controls import INPUT_SIZE, INPUT_SIZE_CONTROL, SIZE_MULTIPLE

_HERE = Path(__file__).resolve().parent
_MODELS_REPO = ("piddnad/DDColor-models", "e9e7b527709c8aeb2f5e1bf701e72fd468a13baa")
_LICENSE = "Apache-2.0"
_LARGE, _TINY = 912_000_000, 220_400_000


def _set(tag: str, repo: str, revision: str, sha: str | None, model_file: str, model_sha: str, size: int,
         description: str) -> WeightSet:  # fmt: skip
    """The set's own Hub repo and the same weights in piddnad/DDColor-models (pinned commit, sha256 published).

    Where the own repo's file has no published checksum (modelscope, artistic: followed at ``main`` and
    trusted on first use), the pinned copy comes first, so the default download is always verified.
    """
    own = HubRepo(repo_id=repo, revision=revision, files={"pytorch_model.bin": sha}, size=size)
    pinned = HubRepo(repo_id=_MODELS_REPO[0], revision=_MODELS_REPO[1], files={model_file: model_sha}, size=size)
    return WeightSet(tag=tag, sources=(own, pinned) if sha else (pinned, own), license=_LICENSE,
                     description=description)


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    common = {
        "architecture": "colorzoo_ddcolor.model:DDColorColorizer", "output": "ab", "default_loss": "ddcolor",
        "training_step": "colorzoo_ddcolor.training:DDColorTrainingStep", "input_size": INPUT_SIZE,
        "size_multiple": SIZE_MULTIPLE,
        "adapter": "colorzoo_ddcolor.model:adapt_release", "release_layout": "colorzoo_ddcolor.model:release_layout",
        "controls": (INPUT_SIZE_CONTROL,),
    }  # fmt: skip
    register(ModelSpec(
        name="ddcolor", config={"encoder_name": "convnext-l"}, num_parameters=227_869_328,
        description="DDColor (ICCV 2023): ConvNeXt-L encoder, pixel decoder and a transformer color decoder",
        weights=(
            _set("modelscope", "piddnad/ddcolor_modelscope", "main", None, "ddcolor_modelscope.pth",
                 "17c460d7e55b32a598370621d77173be59e03c24b0823f06821db23a50c263ce", _LARGE,
                 "the authors' ModelScope model (ImageNet; their recommended default)"),
            _set("paper", "piddnad/ddcolor_paper", "main",
                 "5c77db8292398a2ec1397003f0a90266c28e97b013515d5e9a32e73a4c54a67d", "ddcolor_paper.pth",
                 "789781789db1bafc2165e1cf9658580f871cce64a81901ec49127877813f10b9", _LARGE,
                 "the model of the paper's results (ImageNet)"),
            _set("artistic", "piddnad/ddcolor_artistic", "main", None, "ddcolor_artistic.pth",
                 "a591ee5beedad36de703d8977e92d0c30c1eedc6453fd1b300f3b460842a23a9", _LARGE,
                 "trained on more data, without the colorfulness loss: bolder, for artistic use"),
        ),
        card=_HERE / "model_cards" / "ddcolor.md", **common,
    ))  # fmt: skip
    register(ModelSpec(
        name="ddcolor-tiny", config={"encoder_name": "convnext-t"}, num_parameters=55_006_640,
        description="DDColor with a ConvNeXt-T encoder (55M parameters)",
        weights=(
            _set("paper", "piddnad/ddcolor_paper_tiny", "fa6a96127901e6debe4529fb667eae9325b6e715",
                 "8a1277bc90a1bfbb6d2d83933a9a6bc821931879ca93e26e4fcec12165d41fce", "ddcolor_paper_tiny.pth",
                 "81dd643904f4664c3718513e3320ae3db0c567f0d3e18398606659adee7bfc17", _TINY,
                 "the authors' tiny model, trained as the paper's (ImageNet)"),
        ),
        card=_HERE / "model_cards" / "ddcolor-tiny.md", **common,
    ))  # fmt: skip


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec(name="ddcolor", factory="colorzoo_ddcolor.training:DDColorLoss", accepts=("ab",),
                      description="DDColor's pixel L1 on ab (x0.1) + colorfulness term (x0.5)"))
