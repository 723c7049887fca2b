"""Registers deoldify-artistic, deoldify-stable, deoldify-video and the generator's pixel loss.

Declarations only: no torch imported here. The weights are the author's releases (MIT): the files
he links (data.deepai.org, Dropbox), then the Hugging Face mirror spensercai/DeOldify at a pinned
commit. No checksum is published; the sha256 pinned here were cross-checked across independent
mirrors and pinning projects.
"""

from __future__ import annotations

from pathlib import Path

from zoo_core import HubRepo, LossSpec, ModelSpec, ReleaseFile, WeightSet, hookimpl

from .controls import RENDER_SCALE, render_factor_control

_HERE = Path(__file__).resolve().parent
_MIRROR = ("spensercai/DeOldify", "448956a51080c3e5fb29a4e0f3e09457afd94eb0")


def _release(url: str, name: str, sha: str, size: int, description: str) -> WeightSet:
    return WeightSet(
        tag="release",
        sources=(ReleaseFile(url=url, sha256=sha, size=size),
                 HubRepo(repo_id=_MIRROR[0], revision=_MIRROR[1], files={name: sha}, size=size)),
        license="MIT", description=description,
    )  # fmt: skip


_MODELS = {
    "deoldify-artistic": (
        {"body": "resnet34", "deep": True, "nf_factor": 1.5, "render_factor": 35}, 63_646_881,
        "DeOldify Artistic: ResNet-34 body, DynamicUnetDeep; the most colorful, less consistent",
        _release("https://data.deepai.org/deoldify/ColorizeArtistic_gen.pth", "ColorizeArtistic_gen.pth",
                 "3f750246fa220529323b85a8905f9b49c0e5d427099185334d048fb5b5e22477", 255_144_681,
                 "the author's released Artistic generator"),
    ),
    "deoldify-stable": (
        {"body": "resnet101", "deep": False, "nf_factor": 2.0, "render_factor": 35}, 218_222_197,
        "DeOldify Stable: ResNet-101 body, DynamicUnetWide; consistent colors for portraits and landscapes",
        _release("https://www.dropbox.com/s/axsd2g85uyixaho/ColorizeStable_gen.pth?dl=1", "ColorizeStable_gen.pth",
                 "ca9cd7f43fb8b222c9a70f7b292e305a000694b0ff9d2ae4a6747b1a2e1ee5af", 874_066_230,
                 "the author's released Stable generator"),
    ),
    "deoldify-video": (
        {"body": "resnet101", "deep": False, "nf_factor": 2.0, "render_factor": 21}, 218_222_197,
        "DeOldify Video: the Stable architecture fine-tuned for flicker-free video (render factor 21)",
        _release("https://data.deepai.org/deoldify/ColorizeVideo_gen.pth", "ColorizeVideo_gen.pth",
                 "e3d98bb6a222354c79f95485c2f078a89dc724e9183662506d9e0f5aafac83ad", 874_066_230,
                 "the author's released Video generator"),
    ),
}


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    for name, (config, params, description, weights) in _MODELS.items():
        register(ModelSpec(
            name=name, architecture="colorzoo_deoldify.model:DeOldifyColorizer", config=config,
            description=description,
            num_parameters=params, output="imagenet-rgb", default_loss="deoldify-l1", weights=(weights,),
            adapter="colorzoo_deoldify.model:adapt_release", release_layout="colorzoo_deoldify.model:release_layout",
            input_size=RENDER_SCALE * config["render_factor"], size_multiple=RENDER_SCALE,
            controls=(render_factor_control(config["render_factor"]),),
            card=_HERE / "model_cards" / f"{name}.md",
        ))  # fmt: skip


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    register(LossSpec(name="deoldify-l1", factory="colorzoo_deoldify.model:DeOldifyL1Loss", accepts=("imagenet-rgb",),
                      description="L1 between the generator's output and the ImageNet-normalized photo (its pixel "
                      "loss)"))
