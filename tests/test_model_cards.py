"""Every model ships a Hugging Face style card that `colorzoo info` shows and `publish` uploads."""

from pathlib import Path

import pytest
import yaml
from helpers import zoo_with

import colorzoo_ddcolor.plugin as ddcolor_plugin
import colorzoo_deoldify.plugin as deoldify_plugin
import colorzoo_koala.plugin as koala_plugin
import colorzoo_pix2pix.plugin as pix2pix_plugin
import colorzoo_resenc.plugin as resenc_plugin

ROOT = Path(__file__).parent.parent


def _all_specs():
    zoo = zoo_with({"pix2pix": pix2pix_plugin, "koalarization": koala_plugin, "resenc": resenc_plugin,
                    "ddcolor": ddcolor_plugin, "deoldify": deoldify_plugin})
    return sorted(zoo.models.values(), key=lambda s: s.name)


@pytest.mark.parametrize("spec", _all_specs(), ids=lambda s: s.name)
def test_card_front_matter_and_sections(spec):
    assert spec.card is not None and spec.card.is_file(), f"{spec.name} has no card"
    text = spec.card.read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["library_name"] == "colorzoo" and meta["pipeline_tag"] == "image-to-image"
    assert "image-colorization" in meta["tags"] and meta["license"]
    for section in ("## Architecture", "## Training", "Evaluation", "Limitations"):
        assert section in text, f"{spec.name}: no {section}"
    assert spec.num_parameters and f"{spec.num_parameters:,}" in text, f"{spec.name}: the card lacks its parameters"


def test_model_cards_folder_points_at_the_shipped_cards():
    for link in (ROOT / "model_cards").glob("*.md"):
        assert link.resolve().is_file() and "plugins" in link.resolve().parts
