"""Registers deoldify-artistic, deoldify-stable, deoldify-video and the generator's pixel loss.

Declarations only: no torch imported here. The weights are the author's releases (MIT): the files
he links (data.deepai.org, Dropbox), then the Hugging Face mirror spensercai/DeOldify at a pinned
commit. No checksum is published; the sha256 pinned here were cross-checked across independent
mirrors and pinning projects.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoo_core import HubRepo, LossSpec, ModelSpec, ReleaseFile, WeightSet, hookimpl

from .controls import RENDER_SCALE, render_factor_control

_HERE = Path(__file__).resolve().parent
_CARDS = _HERE / "model_cards"
_MODEL = "colorzoo_deoldify.model:DeOldifyColorizer"
_MIRROR = ("spensercai/DeOldify", "448956a51080c3e5fb29a4e0f3e09457afd94eb0")
#: The render factor each release was made for (the model sees RENDER_SCALE x render_factor pixels).
_STILLS, _VIDEO = 35, 21


def _release(*, url: str, name: str, sha256: str, size: int, description: str) -> WeightSet:
    """The author's file, then the same file in the pinned Hub mirror."""
    mirror = HubRepo(repo_id=_MIRROR[0], revision=_MIRROR[1], files={name: sha256}, size=size)
    sources = (ReleaseFile(url=url, sha256=sha256, size=size), mirror)
    return WeightSet(tag="release", sources=sources, license="MIT", description=description)


MODELS = (
    ModelSpec(
        name="deoldify-artistic",
        architecture=_MODEL,
        config={"body": "resnet34", "deep": True, "nf_factor": 1.5, "render_factor": _STILLS},
        description="DeOldify Artistic: ResNet-34 body, DynamicUnetDeep; the most colorful, less consistent",
        num_parameters=63_646_881,
        output="imagenet-rgb",
        default_loss="deoldify-l1",
        weights=(
            _release(
                url="https://data.deepai.org/deoldify/ColorizeArtistic_gen.pth",
                name="ColorizeArtistic_gen.pth",
                sha256="3f750246fa220529323b85a8905f9b49c0e5d427099185334d048fb5b5e22477",
                size=255_144_681,
                description="the author's released Artistic generator",
            ),
        ),
        adapter="colorzoo_deoldify.release:adapt_release",
        release_layout="colorzoo_deoldify.release:release_layout",
        input_size=RENDER_SCALE * _STILLS,
        size_multiple=RENDER_SCALE,
        controls=(render_factor_control(_STILLS),),
        card=_CARDS / "deoldify-artistic.md",
    ),
    ModelSpec(
        name="deoldify-stable",
        architecture=_MODEL,
        config={"body": "resnet101", "deep": False, "nf_factor": 2.0, "render_factor": _STILLS},
        description="DeOldify Stable: ResNet-101 body, DynamicUnetWide; consistent colors for portraits and landscapes",
        num_parameters=218_222_197,
        output="imagenet-rgb",
        default_loss="deoldify-l1",
        weights=(
            _release(
                url="https://www.dropbox.com/s/axsd2g85uyixaho/ColorizeStable_gen.pth?dl=1",
                name="ColorizeStable_gen.pth",
                sha256="ca9cd7f43fb8b222c9a70f7b292e305a000694b0ff9d2ae4a6747b1a2e1ee5af",
                size=874_066_230,
                description="the author's released Stable generator",
            ),
        ),
        adapter="colorzoo_deoldify.release:adapt_release",
        release_layout="colorzoo_deoldify.release:release_layout",
        input_size=RENDER_SCALE * _STILLS,
        size_multiple=RENDER_SCALE,
        controls=(render_factor_control(_STILLS),),
        card=_CARDS / "deoldify-stable.md",
    ),
    ModelSpec(
        name="deoldify-video",
        architecture=_MODEL,
        config={"body": "resnet101", "deep": False, "nf_factor": 2.0, "render_factor": _VIDEO},
        description="DeOldify Video: the Stable architecture fine-tuned for flicker-free video (render factor 21)",
        num_parameters=218_222_197,
        output="imagenet-rgb",
        default_loss="deoldify-l1",
        weights=(
            _release(
                url="https://data.deepai.org/deoldify/ColorizeVideo_gen.pth",
                name="ColorizeVideo_gen.pth",
                sha256="e3d98bb6a222354c79f95485c2f078a89dc724e9183662506d9e0f5aafac83ad",
                size=874_066_230,
                description="the author's released Video generator",
            ),
        ),
        adapter="colorzoo_deoldify.release:adapt_release",
        release_layout="colorzoo_deoldify.release:release_layout",
        input_size=RENDER_SCALE * _VIDEO,
        size_multiple=RENDER_SCALE,
        controls=(render_factor_control(_VIDEO),),
        card=_CARDS / "deoldify-video.md",
    ),
)

LOSSES = (
    LossSpec(
        name="deoldify-l1",
        factory="colorzoo_deoldify.losses:DeOldifyL1Loss",
        accepts=("imagenet-rgb",),
        description="L1 between the generator's output and the ImageNet-normalized photo (its pixel loss)",
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
