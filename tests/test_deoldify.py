"""DeOldify against the author's code (deoldify==0.0.1 with its vendored fastai v1, in .refs/deoldify,
run in a subprocess), on identical random weights; the released checkpoint layouts; the release's
pipeline (render factor, YUV post-processing); the mirror fallback; controls, training, CLI."""

import dataclasses
import hashlib
import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import OlahHub, ReleaseServer, hub_repo, use_zoo
from PIL import Image
from references import run_reference
from skimage import data

import colorzoo_deoldify.plugin as deoldify_plugin
from zoo_core import colorize
from zoo_core.io.images import Photo
from zoo_core.models.build import build_model
from zoo_core.plugins import manager as plugins
from zoo_core.weights.convert import convert_checkpoint

BIN = Path(sys.executable).parent


@pytest.fixture
def zoo(monkeypatch):
    return use_zoo(monkeypatch, {"deoldify": deoldify_plugin})


def _perturbed(spec, **config):
    """A model whose every tensor is perturbed (self-attention switched on, BatchNorm statistics random)
    and whose spectral norms hold converged u, v (as trained weights do)."""
    torch.manual_seed(0)
    model = build_model(spec, **config)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("running_var"):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif name.endswith("running_mean") or name.endswith(".bias"):
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
            elif name.endswith("gamma"):
                tensor.fill_(0.7)
            elif name.endswith("weight_g"):
                tensor.mul_(torch.rand(tensor.shape, generator=gen) + 0.5)
        for module in model.modules():
            if hasattr(module, "weight_orig"):  # a few power iterations: near the top singular vectors
                weight = module.weight_orig.flatten(1)  # (a full SVD of the Stable model's convs takes minutes)
                v = torch.nn.functional.normalize(torch.randn(weight.shape[1], generator=gen), dim=0)
                for _ in range(15):
                    u = torch.nn.functional.normalize(weight @ v, dim=0)
                    v = torch.nn.functional.normalize(weight.T @ u, dim=0)
                module.weight_u.copy_(u)
                module.weight_v.copy_(v)
    return model.eval()


REFERENCE = """
import os, tempfile, torch
from pathlib import Path
from PIL import Image
import deoldify
from deoldify import generators
from fastai.vision.learner import create_body
from fastai.vision import models
import torch.nn.functional as F

generators.create_body = lambda arch, pretrained=True, cut=None: create_body(arch, False, cut)  # offline
os.makedirs("dummy", exist_ok=True)
for i in range(4):
    Image.new("RGB", (8, 8), (40 * i, 100, 200 - 40 * i)).save(f"dummy/im{{i}}.jpg")
data = generators.get_dummy_databunch()
if "{which}" == "artistic":
    learn = generators.gen_learner_deep(data=data, gen_loss=F.l1_loss, arch=models.resnet34, nf_factor=1.5)
else:
    learn = generators.gen_learner_wide(data=data, gen_loss=F.l1_loss, arch=models.resnet101, nf_factor=2)
model = learn.model.eval()
state = torch.load("{which}.pth", map_location="cpu", weights_only=True)
model.load_state_dict(state["model"], strict=True)
with torch.no_grad():
    torch.save([model(x) for x in torch.load("inputs.pt")], "{which}-out.pt")
"""


@pytest.mark.parametrize("which", ["artistic", "stable"])
def test_generators_match_the_reference(zoo, which, tmp_path):
    spec = zoo.models[f"deoldify-{which}"]
    model = _perturbed(spec)
    torch.save({"model": model.state_dict()}, tmp_path / f"{which}.pth")  # fastai's layout
    gen = torch.Generator().manual_seed(3)
    inputs = [torch.randn(1, 3, 64, 64, generator=gen), torch.randn(1, 3, 80, 48, generator=gen)]  # 80: resampled
    torch.save(inputs, tmp_path / "inputs.pt")
    run_reference("deoldify", REFERENCE.format(which=which), tmp_path)
    expected = torch.load(tmp_path / f"{which}-out.pt")
    from colorzoo_deoldify.arch import unet_forward

    with torch.no_grad():
        for x, reference in zip(inputs, expected, strict=True):
            ours = unet_forward(model.layers, x)
            assert ours.shape == reference.shape and reference.std() > 0.05
            assert torch.allclose(ours, reference, atol=1e-4), (ours - reference).abs().max()


PIPELINE = """
import os, numpy as np, torch
from PIL import Image
import deoldify
from deoldify import generators
from deoldify.filters import ColorizerFilter, MasterFilter
from fastai.vision.learner import create_body
from fastai.vision import models
import torch.nn.functional as F

generators.create_body = lambda arch, pretrained=True, cut=None: create_body(arch, False, cut)
os.makedirs("dummy", exist_ok=True)
for i in range(4):
    Image.new("RGB", (8, 8), (40 * i, 100, 200 - 40 * i)).save(f"dummy/im{i}.jpg")
learn = generators.gen_learner_deep(data=generators.get_dummy_databunch(), gen_loss=F.l1_loss, arch=models.resnet34,
                                    nf_factor=1.5)
learn.model.load_state_dict(torch.load("artistic.pth", weights_only=True)["model"], strict=True)
learn.model.eval()
photo = Image.open("photo.png").convert("RGB")
result = MasterFilter([ColorizerFilter(learn=learn)], render_factor=8).filter(photo, photo, render_factor=8)
result.save("release.png")
"""


def test_pipeline_matches_the_release(zoo, tmp_path):
    """A gray 128x128 photo at render factor 8 (no resampling): the YUV post-processing as released."""
    model = _perturbed(zoo.models["deoldify-artistic"])
    torch.save({"model": model.state_dict()}, tmp_path / "artistic.pth")
    gray = np.asarray(Image.fromarray(data.camera()).resize((128, 128)))
    Image.fromarray(gray).save(tmp_path / "photo.png")
    run_reference("deoldify", PIPELINE, tmp_path)
    release = np.asarray(Image.open(tmp_path / "release.png").convert("RGB")).astype(int)
    ours = colorize(model, [Photo(None, gray[..., None].astype(np.float32) / 255)], render_factor=8)[0].astype(int)
    diff = np.abs(ours - release)
    assert np.abs(release - gray[..., None]).mean() > 2  # the release's output has color to compare
    assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 3, (diff.mean(), np.percentile(diff, 99), diff.max())


def test_release_layouts_convert(zoo, tmp_path):
    spec = zoo.models["deoldify-artistic"]
    small = {"body": "resnet18", "nf_factor": 0.5}
    model = _perturbed(spec, **small)
    x = torch.rand(1, 1, 64, 64) * 100
    with torch.no_grad():
        expected = model(x)
    state = model.state_dict()
    torch.save({"model": state, "opt": {"state": {}, "param_groups": [{"lr": slice(1e-5, 1e-3)}]}},
               tmp_path / "fastai.pth")  # a learner saved with its optimizer (a pickled slice inside)
    old = dict(state)  # torch <= 1.0: the normalized weight stored, no weight_v
    for key in [k for k in state if k.endswith("weight_orig")]:
        base = key[: -len("weight_orig")]
        matrix = state[key].flatten(1)
        sigma = state[base + "weight_u"] @ (matrix @ state[base + "weight_v"])
        old[base + "weight"] = state[key] / sigma
        del old[base + "weight_v"]
    torch.save(old, tmp_path / "old.pth")
    for name in ("fastai.pth", "old.pth"):
        out = convert_checkpoint(spec, tmp_path / name, tmp_path / name.replace(".pth", ""), small)
        converted = plugins.get_zoo() and __import__("zoo_core").load_model(out)
        with torch.no_grad():
            assert torch.allclose(converted(x), expected, atol=1e-4), name


def test_controls_cli_and_fine_tuning(zoo, cli, tmp_path):
    from zoo_core.training.trainer import TrainConfig, train

    spec = zoo.models["deoldify-artistic"]
    small = {"body": "resnet18", "nf_factor": 0.5, "render_factor": 4}
    _perturbed(spec, **small).save_pretrained(tmp_path / "w")
    Image.fromarray(data.astronaut()[:150, :210]).save(tmp_path / "a.png")
    ran = cli("run", "deoldify-artistic", tmp_path / "a.png", "--weights", tmp_path / "w", "-o", tmp_path / "o",
              "-c", "render_factor=6")
    assert ran.exit_code == 0, ran.output
    assert Image.open(tmp_path / "o" / "a_deoldify-artistic.png").size == (210, 150)
    bad = cli("run", "deoldify-artistic", tmp_path / "a.png", "--weights", tmp_path / "w", "-c", "render_factor=0")
    assert bad.exit_code == 1 and "control render_factor: must be >= 1, got '0'" in bad.output
    info = " ".join(cli("info", "deoldify-stable").output.split())
    for text in ("218,222,197", "deoldify-stable.release: downloadable", "MIT", "ColorizeStable_gen.pth",
                 "spensercai/DeOldify@448956a5", "render_factor (int, 1 <= value <= 128, default 35)"):
        assert text in info, text
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, name in enumerate(("astronaut", "coffee", "chelsea", "rocket")):
        Image.fromarray(getattr(data, name)()[..., :3]).resize((64, 64)).save(folder / f"{i}.png")
    cfg = TrainConfig(model="deoldify-artistic", data=folder, out=tmp_path / "run", steps=2, batch_size=2, crop=64,
                      workers=0, overrides=small, val_fraction=0.0, log_every=1, eval_every=10)
    result = train(cfg)
    assert result.steps == 2 and np.isfinite(result.final_loss)


def test_the_mirror_takes_over_when_the_release_host_fails(zoo, cli, tmp_path, monkeypatch):
    if shutil.which("olah-cli", path=str(BIN)) is None:
        pytest.fail("olah (test extra) is not installed")
    spec = zoo.models["deoldify-artistic"]
    small = {"body": "resnet18", "nf_factor": 0.25}
    model = _perturbed(spec, **small)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict()}, buffer)
    blob = buffer.getvalue()
    sha = hashlib.sha256(blob).hexdigest()
    root = tmp_path / "hub"
    commit = hub_repo(root, "spensercai/DeOldify", {"ColorizeArtistic_gen.pth": blob})
    ws = spec.weight_set("release")
    release = dataclasses.replace(ws.sources[0], sha256=sha, size=len(blob))
    mirror = dataclasses.replace(ws.sources[1], revision=commit, files={"ColorizeArtistic_gen.pth": sha})
    weights = dataclasses.replace(ws, sources=(release, mirror), config=small)
    zoo.models["deoldify-artistic"] = dataclasses.replace(spec, weights=(weights,))
    server = OlahHub(root, "spensercai/DeOldify")
    try:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
        monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
        monkeypatch.setenv("COLORZOO_HOME", str(tmp_path / "cache"))
        with ReleaseServer({}) as empty:  # the author's host answers 404
            monkeypatch.setenv("COLORZOO_MIRROR", empty.url)
            got = cli("download", "deoldify-artistic")
        assert got.exit_code == 0, got.output
        assert "spensercai/DeOldify" in cli("cache", "list").output
    finally:
        server.close()
