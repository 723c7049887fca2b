"""zoo_core.testing's contract, over every model a plugin registers: the built-in families, the
optional ones, and the example third-party plugin."""

import sys
from pathlib import Path

import pytest
from helpers import zoo_with

import colorzoo_ddcolor.plugin as ddcolor_plugin
import colorzoo_deoldify.plugin as deoldify_plugin
import colorzoo_koala.plugin as koala_plugin
import colorzoo_pix2pix.plugin as pix2pix_plugin
import colorzoo_resenc.plugin as resenc_plugin
from zoo_core.plugins import manager as plugins
from zoo_core.testing import check_model

sys.path.insert(0, str(Path(__file__).parent / "example_plugin"))
import colorzoo_example.plugin

#: Small variants of each family, so the checks run in seconds (the declared count is checked on
#: the default config all the same).
SMALL = {
    "zhang": {"width_mult": 0.125},
    "pix2pix": {},
    "koalarization": {"extractor": "efficientnet_b0", "extractor_size": 64, "input_size": 64},
    "resenc": {"input_size": 64, "width": 64},
    "example": {},
    "ddcolor": {"encoder_name": "convnext-t", "dec_layers": 3, "nf": 64, "num_queries": 16, "input_size": 64},
    "deoldify": {"body": "resnet18", "nf_factor": 0.25, "render_factor": 4, "input_size": 64},
}


def _zoo():
    return zoo_with({"pix2pix": pix2pix_plugin, "koalarization": koala_plugin, "resenc": resenc_plugin,
                     "ddcolor": ddcolor_plugin, "deoldify": deoldify_plugin, "example": colorzoo_example.plugin})


ZOO = _zoo()


@pytest.fixture
def zoo(monkeypatch):
    monkeypatch.setattr(plugins, "_ZOO", ZOO)
    return ZOO


@pytest.mark.parametrize("name", sorted(ZOO.models), ids=str)
def test_model_contract(zoo, name, tmp_path):
    spec = zoo.models[name]
    small = dict(SMALL.get(spec.plugin, {}))
    if name == "zhang-rebal-lite":
        small = {"decoder_channels": (32, 32, 32, 32)}
    check_model(spec, tmp_path, small=small)
