"""The weights shipped inside colorzoo-zhang: the main job works offline, out of the box."""

import json

import numpy as np
import pytest
from PIL import Image
from skimage.color import rgb2lab

from zoo_core import get_model_spec

SHIPPED = ("zhang-rebal", "zhang-unbal", "zhang-euclidean")


def bundled_weights(spec):
    return spec.weight_set("compact").bundled.path


@pytest.mark.parametrize("name", SHIPPED)
def test_bundled_weights_are_small_and_fp16(name):
    directory = bundled_weights(get_model_spec(name))
    assert directory is not None, f"{name} ships no weights"
    sizes = {p.name: p.stat().st_size for p in directory.iterdir()}
    assert set(sizes) == {"config.json", "model.safetensors"}
    assert sizes["model.safetensors"] < 20 * 2**20
    from safetensors import safe_open

    with safe_open(str(directory / "model.safetensors"), framework="pt") as handle:
        assert handle.get_tensor("model1.0.weight").dtype.is_floating_point
        assert str(handle.get_tensor("model1.0.weight").dtype) == "torch.float16"
    assert json.loads((directory / "config.json").read_text())["model"] == name


def test_all_bundled_weights_fit_the_budget():
    total = sum(p.stat().st_size for n in SHIPPED for p in bundled_weights(get_model_spec(n)).iterdir())
    assert total < 60 * 2**20


def test_main_job_without_weights_flag(cli, tmp_path, astronaut_png):
    result = cli("run", "zhang-rebal", astronaut_png, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "astronaut_zhang-rebal.png"))
    lab = rgb2lab(out)
    assert np.hypot(lab[..., 1], lab[..., 2]).mean() > 5  # real color, not gray
    assert "bundled" in cli("list").output


def test_rebalanced_is_more_colorful_than_euclidean(tmp_path):
    """The literature's finding, on photos scikit-image ships (held out from training)."""
    from skimage import data

    from zoo_core.evaluation.compare import compare

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry"):
        Image.fromarray(getattr(data, name)()[..., :3]).save(folder / f"{name}.png")
    result = compare(["zhang-rebal", "zhang-euclidean"], folder, tmp_path / "report", sweep=False)
    rows = {s.label: s.summary() for s in result.scores}  # offline: the bundled compact weights run
    assert rows["zhang-rebal.compact"]["colorfulness"] > 1.5 * rows["zhang-euclidean.compact"]["colorfulness"]
    assert rows["zhang-rebal.compact"]["colorfulness"] > rows["grayscale"]["colorfulness"] + 5
