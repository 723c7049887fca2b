"""``colorzoo export``: the ONNX graph reproduces PyTorch's chroma in onnxruntime, on a real photo and
at other batch sizes and shapes; the controls are baked in; bad options are refused before work."""

import json

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from PIL import Image
from skimage import data

from zoo_core import load_model
from zoo_core.color.lab import rgb_to_lightness
from zoo_core.render.render import working_lightness


def _session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_export_matches_pytorch_on_a_photo(cli, weights_dir, tmp_path):
    result = cli("export", "zhang-rebal", "--weights", weights_dir, "-o", tmp_path / "zhang.onnx")
    assert result.exit_code == 0, result.output
    assert "onnxruntime matches PyTorch" in result.output
    meta = {p.key: p.value for p in onnx.load(tmp_path / "zhang.onnx").metadata_props}
    assert meta["model"] == "zhang-rebal" and meta["chroma"] == "ab"
    assert json.loads(meta["config"])["width_mult"] == 0.125

    model = load_model(weights_dir).eval()
    rgb = torch.from_numpy(data.astronaut()).permute(2, 0, 1).float() / 255.0
    small = working_lightness(rgb_to_lightness(rgb)[None], 256)
    with torch.no_grad():
        expected = model.predict(small, {}).numpy()
    got = _session(tmp_path / "zhang.onnx").run(["chroma"], {"lightness": small.numpy()})[0]
    assert got.shape == expected.shape == (1, 2, 64, 64)
    assert np.abs(got - expected).max() < 1e-3
    assert np.abs(expected).mean() > 0.1  # a real, non-trivial prediction was compared

    other = torch.rand(3, 1, 64, 96) * 100  # dynamic batch, height and width
    with torch.no_grad():
        expected = model.predict(other, {}).numpy()
    got = _session(tmp_path / "zhang.onnx").run(["chroma"], {"lightness": other.numpy()})[0]
    assert got.shape == (3, 2, 16, 24) and np.abs(got - expected).max() < 1e-3


def test_controls_are_baked_in(cli, weights_dir, tmp_path):
    for name, temperature in (("mean.onnx", "1.0"), ("vivid.onnx", "0.1")):
        result = cli("export", "zhang-rebal", "--weights", weights_dir, "-o", tmp_path / name, "--temperature",
                     temperature, "--static", "--size", "64")
        assert result.exit_code == 0, result.output
    lightness = (torch.rand(1, 1, 64, 64) * 100).numpy()
    mean = _session(tmp_path / "mean.onnx").run(None, {"lightness": lightness})[0]
    vivid = _session(tmp_path / "vivid.onnx").run(None, {"lightness": lightness})[0]
    assert np.abs(vivid).mean() > np.abs(mean).mean() * 1.05  # a lower temperature is more colorful
    with pytest.raises(Exception, match=r"(?i)dimension|shape|index"):  # static: the size is fixed
        _session(tmp_path / "vivid.onnx").run(None, {"lightness": np.zeros((1, 1, 96, 96), np.float32)})
    meta = {p.key: p.value for p in onnx.load(tmp_path / "vivid.onnx").metadata_props}
    assert json.loads(meta["controls"]) == {"temperature": 0.1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/model.pt"], "must end in .onnx"),
        (["-o", "{tmp}/missing/model.onnx"], "does not exist"),
        (["-o", "{tmp}/taken.onnx"], "exists; pass --overwrite"),
        (["-o", "{tmp}/m.onnx", "-c", "nope=1"], "nope"),
        (["-o", "{tmp}/m.onnx", "--size", "100", "--model", "zhang-rebal-lite"], "not a multiple of 32"),
    ],
)
def test_bad_options_are_refused(cli, weights_dir, tmp_path, args, message):
    (tmp_path / "taken.onnx").write_bytes(b"someone's file")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    model = "zhang-rebal"
    if "--model" in args:  # checked before any weights are looked for
        model = args.pop(args.index("--model") + 1)
        args.remove("--model")
        result = cli("export", model, *args)
    else:
        result = cli("export", model, "--weights", weights_dir, *args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert (tmp_path / "taken.onnx").read_bytes() == b"someone's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.onnx"]


def test_a_bundled_model_exports(cli, tmp_path):
    """The default weights, as a user would export them; the file runs on its own."""
    result = cli("export", "zhang-rebal", "-o", tmp_path / "z.onnx", "--size", "128")
    assert result.exit_code == 0, result.output
    gray = np.asarray(Image.fromarray(data.camera()).resize((128, 128)), np.float32)[None, None] / 255.0 * 100.0
    chroma = _session(tmp_path / "z.onnx").run(None, {"lightness": gray})[0]
    assert chroma.shape == (1, 2, 32, 32) and np.isfinite(chroma).all()
