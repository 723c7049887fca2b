"""DDColor against the maintained reference (spandrel's DDColor, the implementation chaiNNer and
ComfyUI use), on identical random weights; the released checkpoint layouts; the release's pipeline;
the Hub download through olah; controls, training and the CLI."""

import dataclasses
import hashlib
import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import OlahHub, hub_repo, use_zoo
from PIL import Image
from references import run_reference
from skimage import data

import colorzoo_ddcolor.plugin as ddcolor_plugin
from zoo_core import colorize, create_model
from zoo_core.color.lab import lab_to_rgb
from zoo_core.io.images import Photo
from zoo_core.models.build import build_model
from zoo_core.weights.convert import convert_checkpoint

BIN = Path(sys.executable).parent


@pytest.fixture
def zoo(monkeypatch):
    return use_zoo(monkeypatch, {"ddcolor": ddcolor_plugin})


def _ddcolor_specs() -> dict:
    """The plugin's own specs, whether or not the plugin is installed (module fixtures run before ``zoo``)."""
    specs = {}
    ddcolor_plugin.register_colorizers(lambda spec: specs.setdefault(spec.name, spec))
    return specs


def _perturbed_tiny() -> torch.nn.Module:
    """ddcolor-tiny with every tensor perturbed (random init leaves some at zero) and each spectral norm's
    u, v set to its weight's top singular vectors, so that eval-mode outputs have a sane scale."""
    torch.manual_seed(0)
    model = build_model(_ddcolor_specs()["ddcolor-tiny"])
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("running_var"):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif tensor.is_floating_point() and name not in ("mean", "std") and not name.endswith(("_u", "_v")):
                tensor.add_(torch.randn(tensor.shape, generator=gen) * 0.02)
        for module in model.modules():
            if hasattr(module, "weight_orig"):
                weight = module.weight_orig.flatten(1)
                u, _, v = torch.linalg.svd(weight, full_matrices=False)
                module.weight_u.copy_(u[:, 0])
                module.weight_v.copy_(v[0])
    return model.eval()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddcolor")
    model = _perturbed_tiny()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")  # the Hub repos' layout: a bare state dict
    return model, folder


REFERENCE = """
import torch
from spandrel_extra_arches.architectures.DDColor.__arch.ddcolor import DDColor
model = DDColor(encoder_name="convnext-t", decoder_name="MultiScaleColorDecoder", input_size=(64, 64),
                num_output_channels=2, last_norm="Spectral", do_normalize=False, num_queries=100, num_scales=3,
                dec_layers=9)
model.load_state_dict(torch.load("pytorch_model.bin", weights_only=True), strict=True)
model.eval()
with torch.no_grad():
    torch.save(model(torch.load("gray.pt")), "reference.pt")
print(sum(p.numel() for p in model.parameters()))
"""


def test_network_matches_spandrel(tiny, zoo):
    model, folder = tiny
    lightness = torch.rand(2, 1, 96, 64, generator=torch.Generator().manual_seed(2)) * 90 + 5
    gray = lab_to_rgb(torch.cat([lightness, torch.zeros(2, 2, 96, 64)], dim=1))
    torch.save(gray, folder / "gray.pt")
    params = run_reference("ddcolor", REFERENCE, folder)
    assert int(params) == model.num_parameters() == 55_006_640
    reference = torch.load(folder / "reference.pt")
    with torch.no_grad():
        ours = model(lightness)
    assert ours.shape == reference.shape == (2, 2, 96, 64)
    assert reference.std() > 0.05  # a real signal, not a constant
    assert torch.allclose(ours, reference, atol=1e-3, rtol=1e-4), (ours - reference).abs().max()


def test_release_layouts_convert(tiny, zoo, tmp_path):
    model, folder = tiny
    spec = zoo.models["ddcolor-tiny"]
    bare = convert_checkpoint(spec, folder / "pytorch_model.bin", tmp_path / "bare", {})
    wrapped_state = {**model.state_dict(), "encoder.arch.head_cls.weight": torch.zeros(4, 768),
                     "encoder.arch.head_cls.bias": torch.zeros(4)}
    torch.save({"params": wrapped_state}, tmp_path / "ddcolor_paper_tiny.pth")  # DDColor-models / ModelScope layout
    wrapped = convert_checkpoint(spec, tmp_path / "ddcolor_paper_tiny.pth", tmp_path / "wrapped", {})
    x = torch.rand(1, 1, 64, 64) * 100
    with torch.no_grad():
        expected = model(x)
        for directory in (bare, wrapped):
            loaded = create_model("ddcolor-tiny", weights=directory)
            assert torch.equal(loaded(x), expected)


PIPELINE = """
import cv2, numpy as np, torch, torch.nn.functional as F
from spandrel_extra_arches.architectures.DDColor.__arch.ddcolor import DDColor
model = DDColor(encoder_name="convnext-t", decoder_name="MultiScaleColorDecoder", input_size=(64, 64),
                num_output_channels=2, last_norm="Spectral", do_normalize=False, num_queries=100, num_scales=3,
                dec_layers=9)
model.load_state_dict(torch.load("pytorch_model.bin", weights_only=True), strict=True)
model.eval()
# the release's inference pipeline (inference/colorization_pipeline.py), input_size 256
img = cv2.imread("photo.png")
height, width = img.shape[:2]
img = (img / 255.0).astype(np.float32)
orig_l = cv2.cvtColor(img, cv2.COLOR_BGR2Lab)[:, :, :1]
img = cv2.resize(img, (256, 256))
img_l = cv2.cvtColor(img, cv2.COLOR_BGR2Lab)[:, :, :1]
img_gray_lab = np.concatenate((img_l, np.zeros_like(img_l), np.zeros_like(img_l)), axis=-1)
img_gray_rgb = cv2.cvtColor(img_gray_lab, cv2.COLOR_LAB2RGB)
tensor = torch.from_numpy(img_gray_rgb.transpose((2, 0, 1))).float().unsqueeze(0)
with torch.no_grad():
    output_ab = model(tensor).cpu()
output_ab = F.interpolate(output_ab, size=(height, width))[0].float().numpy().transpose(1, 2, 0)
output_lab = np.concatenate((orig_l, output_ab), axis=-1)
output_bgr = cv2.cvtColor(output_lab, cv2.COLOR_LAB2BGR)
cv2.imwrite("release.png", (output_bgr * 255.0).round().astype(np.uint8))
"""


def test_pipeline_matches_the_release(tiny, zoo):
    """A 256x256 gray photo at input_size 256 (no resampling): the difference is OpenCV's approximate
    float Lab (up to ~0.2 L) and colorzoo's gamut handling (chroma, never lightness, is cut)."""
    model, folder = tiny
    gray = np.asarray(Image.fromarray(data.camera()).resize((256, 256)))
    Image.fromarray(gray).save(folder / "photo.png")
    run_reference("ddcolor", PIPELINE, folder)
    release = np.asarray(Image.open(folder / "release.png").convert("RGB")).astype(int)
    ours = colorize(model, [Photo(None, gray[..., None].astype(np.float32) / 255)], input_size=256)[0].astype(int)
    diff = np.abs(ours - release)
    assert diff.mean() < 1.0 and np.percentile(diff, 95) <= 2, (diff.mean(), np.percentile(diff, 95), diff.max())


def test_controls_and_cli(tiny, zoo, cli, tmp_path):
    model, _ = tiny
    model.save_pretrained(tmp_path / "w")
    Image.fromarray(data.astronaut()[:200, :300]).save(tmp_path / "a.png")
    ran = cli("run", "ddcolor-tiny", tmp_path / "a.png", "--weights", tmp_path / "w", "-o", tmp_path / "o",
              "-c", "input_size=128")
    assert ran.exit_code == 0, ran.output
    assert Image.open(tmp_path / "o" / "a_ddcolor-tiny.png").size == (300, 200)
    bad = cli("run", "ddcolor-tiny", tmp_path / "a.png", "--weights", tmp_path / "w", "-c", "input_size=100")
    assert bad.exit_code == 1 and "control input_size: must be a multiple of 32" in bad.output
    info = " ".join(cli("info", "ddcolor").output.split())
    for text in ("227,869,328", "ddcolor.modelscope: downloadable", "Apache-2.0", "piddnad/ddcolor_paper@main",
                 "ddcolor.artistic"):
        assert text in info, text


def test_fine_tuning_through_the_engine(zoo, tmp_path):
    from zoo_core.training.trainer import TrainConfig, train

    folder = tmp_path / "photos"
    folder.mkdir()
    for i, name in enumerate(("astronaut", "coffee", "chelsea", "rocket")):
        Image.fromarray(getattr(data, name)()[..., :3]).resize((64, 64)).save(folder / f"{i}.png")
    small = {"encoder_name": "convnext-t", "dec_layers": 3, "nf": 64, "num_queries": 16}
    cfg = TrainConfig(model="ddcolor-tiny", data=folder, out=tmp_path / "run", steps=2, batch_size=2, crop=64,
                      workers=0, overrides=small, val_fraction=0.0, log_every=1, eval_every=10)
    result = train(cfg)
    assert result.steps == 2 and np.isfinite(result.final_loss)
    assert create_model("ddcolor-tiny", weights=tmp_path / "run").config.nf == 64
    bad = TrainConfig(model="ddcolor-tiny", data=folder, out=tmp_path / "bad", steps=1, batch_size=2, crop=48,
                      workers=0, overrides=small, val_fraction=0.0)
    with pytest.raises(Exception, match="--crop 48 is not a multiple of 32"):
        train(bad)


def test_hub_download_through_olah(zoo, tiny, cli, tmp_path, monkeypatch):
    """The release layout on a Hub (olah on loopback): downloaded, checked, converted, run; a pinned
    checksum that differs is refused; the second source takes over."""
    if shutil.which("olah-cli", path=str(BIN)) is None:
        pytest.fail("olah (test extra) is not installed")
    model, folder = tiny
    blob = (folder / "pytorch_model.bin").read_bytes()
    wrapped = io.BytesIO()
    torch.save({"params": model.state_dict()}, wrapped)
    root = tmp_path / "hub"
    commit = hub_repo(root, "piddnad/ddcolor_paper_tiny", {"pytorch_model.bin": blob, "config.json": b"{}"})
    models_commit = hub_repo(root, "piddnad/DDColor-models", {"ddcolor_paper_tiny.pth": wrapped.getvalue()})
    spec = zoo.models["ddcolor-tiny"]
    paper = spec.weight_set("paper")
    first = dataclasses.replace(paper.sources[0], revision=commit,
                                files={"pytorch_model.bin": hashlib.sha256(blob).hexdigest()})
    second = dataclasses.replace(paper.sources[1], revision=models_commit,
                                 files={"ddcolor_paper_tiny.pth": hashlib.sha256(wrapped.getvalue()).hexdigest()})
    both = dataclasses.replace(paper, sources=(first, second))
    zoo.models["ddcolor-tiny"] = dataclasses.replace(spec, weights=(both,))
    server = OlahHub(root, "piddnad/ddcolor_paper_tiny")
    try:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
        monkeypatch.setenv("COLORZOO_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
        got = cli("download", "ddcolor-tiny")
        assert got.exit_code == 0, got.output
        converted = create_model("ddcolor-tiny.paper")
        x = torch.rand(1, 1, 64, 64) * 100
        with torch.no_grad():
            assert torch.equal(converted(x), model(x))
        # the primary file's pinned sha256 no longer matches: refused, and the second source is used
        bad = dataclasses.replace(first, files={"pytorch_model.bin": "0" * 64})
        zoo.models["ddcolor-tiny"] = dataclasses.replace(
            spec, weights=(dataclasses.replace(paper, sources=(bad, second)),))
        cli("cache", "rm", "ddcolor-tiny.paper")
        again = cli("download", "ddcolor-tiny")
        assert again.exit_code == 0, again.output
        assert "ddcolor_paper_tiny.pth" in cli("cache", "list").output
    finally:
        server.close()
