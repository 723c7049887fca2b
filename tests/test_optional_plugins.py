"""The other families: pix2pix (colorzoo[gan]), Deep Koalarization, residual encoder + palette."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import install_plugin, use_zoo
from PIL import Image
from skimage import data

import colorzoo_koala.plugin as koala_plugin
import colorzoo_pix2pix.plugin as pix2pix_plugin
import colorzoo_resenc.plugin as resenc_plugin
from colorzoo_koala import KoalaColorizer, KoalaConfig
from colorzoo_koala.losses import MSLELoss
from colorzoo_pix2pix import PatchDiscriminator, Pix2PixColorizer, Pix2PixConfig
from colorzoo_pix2pix.losses import GANLoss
from colorzoo_pix2pix.training import Pix2PixTrainingStep
from colorzoo_resenc import ResencColorizer, ResencConfig
from colorzoo_resenc.palette import coordinates, histogram, palette_target
from zoo_core import create_loss, get_model_spec
from zoo_core.models.losses import L1Loss
from zoo_core.training.step import TrainContext
from zoo_core.training.trainer import TrainConfig, train
from zoo_core.weights.backbones import create_backbone

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
FAMILIES = {"pix2pix": pix2pix_plugin, "koalarization": koala_plugin, "resenc": resenc_plugin}


@pytest.fixture
def zoo(monkeypatch):
    """The installed zoo plus the three families, for this test only."""
    return use_zoo(monkeypatch, FAMILIES)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for name in ("astronaut", "coffee", "chelsea"):
        image = getattr(data, name)()
        for k in range(4):
            y, x = rng.integers(0, image.shape[0] // 2, 2)
            Image.fromarray(image[y : y + 200, x : x + 200]).resize((48, 48)).save(folder / f"{name}_{k}.png")
    return folder


def _batch(size=64, n=2):
    gen = torch.Generator().manual_seed(0)
    return {
        "L": torch.rand(n, 1, size, size, generator=gen) * 100,
        "ab": torch.randn(n, 2, size, size, generator=gen) * 30,
    }


# -- installing -------------------------------------------------------------------------------


def test_listed_only_after_installing(tmp_path):
    before = subprocess.run([str(BIN / "colorzoo"), "list"], capture_output=True, text=True, timeout=300)
    assert before.returncode == 0 and "pix2pix-resnet18" not in before.stdout
    env = os.environ.copy()
    for family in FAMILIES:
        env = install_plugin(ROOT / "plugins" / family, tmp_path / "site")
    after = subprocess.run([str(BIN / "colorzoo"), "list"], capture_output=True, text=True, timeout=300, env=env)
    assert after.returncode == 0, after.stderr
    for model in (
        "pix2pix-resnet18",
        "koala-inception-mse",
        "koala-effb7-msle",
        "resenc-palette",
        "resenc-palette-hsv",
    ):
        assert model in after.stdout
    assert "broken" not in after.stdout


# -- pix2pix ------------------------------------------------------------------------------------


def test_pix2pix_shapes_and_parameters():
    model = Pix2PixColorizer(Pix2PixConfig(model="pix2pix-resnet18"))
    assert model.num_parameters() == 14_407_298
    out = model(torch.rand(2, 1, 64, 64) * 100)
    assert out.shape == (2, 2, 64, 64) and out.abs().max() <= 110
    out.mean().backward()
    assert model.encoder.conv1.weight.grad is not None
    assert model(torch.rand(1, 1, 176, 176) * 100).shape == (1, 2, 176, 176)
    patches = PatchDiscriminator()(torch.rand(1, 1, 256, 256) * 100, torch.zeros(1, 2, 256, 256))
    assert patches.shape == (1, 1, 30, 30)


def test_gan_losses():
    logits = torch.zeros(1, 1, 4, 4)
    assert float(GANLoss("bce")(logits, {"real": True})) == pytest.approx(np.log(2), rel=1e-5)
    assert float(GANLoss("lsgan")(logits + 1, {"real": True})) == 0.0
    assert float(GANLoss("lsgan")(logits + 1, {"real": False})) == 1.0


def test_pix2pix_step_warms_up_then_alternates():
    torch.manual_seed(0)
    model = Pix2PixColorizer(Pix2PixConfig(model="pix2pix-resnet18"))
    step = Pix2PixTrainingStep(model, GANLoss("lsgan"), TrainContext(torch.device("cpu"), total_steps=8))
    assert step.warmup == 2 and step.optimizer.param_groups[0]["betas"] == (0.5, 0.999)
    assert step.optimizer.param_groups[0]["lr"] == pytest.approx(2e-4)
    batch = _batch(32)
    d_before = [p.clone() for p in step.discriminator.parameters()]
    first = step(model, batch, 0)
    assert set(first) == {"loss", "loss_l1"}  # warm-up: L1 only, discriminator untouched
    assert all(torch.equal(a, b) for a, b in zip(d_before, step.discriminator.parameters(), strict=True))
    later = step(model, batch, 2)
    assert {"loss_d", "loss_gan", "loss_l1"} <= set(later)
    assert not all(torch.equal(a, b) for a, b in zip(d_before, step.discriminator.parameters(), strict=True))
    state = step.state_dict()
    assert {"discriminator", "optimizer_d", "scheduler_d", "optimizer"} <= set(state)


# -- Deep Koalarization ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,params",
    [("koala-inception-mse", 62_417_258), ("koala-seresnet-msle", 73_414_874), ("koala-effb7-msle", 72_921_754)],
)
def test_koala_parameter_counts(zoo, name, params):
    from zoo_core.models.build import count_parameters

    spec = get_model_spec(name)
    assert spec.num_parameters == count_parameters(spec) == params


def test_koala_shapes_and_frozen_extractor():
    model = KoalaColorizer(KoalaConfig(model="koala-inception-msle", extractor_size=75))
    encoded = model.encoder(torch.zeros(1, 1, 64, 48))
    assert encoded.shape == (1, 256, 8, 6)  # H/8 x W/8 x 256
    model.train()
    out = model(torch.rand(2, 1, 64, 64) * 100)
    assert out.shape == (2, 2, 64, 64)
    out.square().mean().backward()
    assert model.fusion[0].weight.grad is not None
    assert all(p.grad is None for p in model.extractor.parameters())
    assert not model.extractor.training  # frozen: BatchNorm statistics stay


def test_msle():
    batch = _batch(8)
    assert float(MSLELoss()(batch["ab"].clamp(-110, 110), {"ab": batch["ab"].clamp(-110, 110)})) == 0.0
    assert float(MSLELoss()(torch.zeros(1, 2, 8, 8), {"ab": torch.full((1, 2, 8, 8), 50.0)})) > 0


def test_pretrained_backbone_offline_is_a_clear_error():
    code = "from zoo_core.weights.backbones import create_backbone; create_backbone('resnet18', pretrained=True)"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert "cannot load pretrained resnet18 weights" in result.stderr and "pretrained_backbone=False" in result.stderr
    assert create_backbone("resnet18", pretrained=False) is not None


# -- residual encoder + palette ---------------------------------------------------------------------


@pytest.mark.parametrize("space", ["lab", "hsv"])
def test_resenc_shapes_loss_and_backward(space):
    model = ResencColorizer(ResencConfig(model=f"resenc-{space}", space=space))
    assert model.num_parameters() == 15_522_850
    out = model(torch.rand(2, 1, 48, 48) * 100)
    assert out["ab"].shape == (2, 2, 48, 48) and out["palette"].shape == (2, 64)
    assert ("hs" in out) == (space == "hsv")
    from colorzoo_resenc.losses import ResencLoss

    loss = ResencLoss(prior=torch.ones(313), space=space)(out, _batch(48))
    loss.backward()
    assert torch.isfinite(loss) and model.palette_head[-1].weight.grad is not None


def test_palette_steering(zoo):
    """Palette controls act on one call only: the next call without them is the plain prediction again."""
    from zoo_core import ControlError, colorize, create_model
    from zoo_core.io.images import Photo

    torch.manual_seed(0)
    model = create_model("resenc-palette", input_size=48).eval()
    lightness = torch.rand(1, 1, 48, 48) * 100
    with torch.no_grad():
        plain = model.predict(lightness)
        red = model.predict(lightness, {"palette_shift": "red"})
        again = model.predict(lightness)
    assert not torch.allclose(plain, red) and torch.equal(plain, again)
    palette = model.steered(torch.zeros(1, 64), "red", None)
    red_bin = histogram(coordinates(torch.tensor([0.85, 0.1, 0.1]).view(1, 3, 1, 1), "lab", is_lab=False), 8)
    assert palette.argmax() == red_bin.argmax()  # the push lands on red

    reference = Photo(None, np.asarray(data.coffee(), dtype=np.float32) / 255)
    expected = palette_target(histogram(coordinates(torch.from_numpy(reference.rgb).permute(2, 0, 1)[None], "lab",
                                                    is_lab=False), 8))[0]
    assert torch.allclose(model.steered(torch.zeros(1, 64), None, model.reference_palette(reference))[0], expected)
    photo = Photo(None, np.full((40, 40, 1), 0.5, dtype=np.float32))
    assert colorize(model, [photo], palette_from=reference)[0].shape == (40, 40, 3)  # the Python API takes a Photo
    with pytest.raises(ControlError, match="control palette_shift: expected one of red"):
        colorize(model, [photo], palette_shift="chartreuse")


def test_run_with_palette_options(zoo, cli, tmp_path, astronaut_png):
    from zoo_core import create_model

    create_model("resenc-palette", input_size=64).save_pretrained(tmp_path / "w")
    Image.fromarray(data.coffee()).save(tmp_path / "ref.png")
    for options in (["-c", "palette_shift=blue"], ["-c", f"palette_from={tmp_path / 'ref.png'}"]):
        result = cli("run", "resenc-palette", astronaut_png, "--weights", tmp_path / "w", "-o", tmp_path / "o",
                     "--overwrite", *options)
        assert result.exit_code == 0, result.output
    bad = cli("run", "resenc-palette", astronaut_png, "--weights", tmp_path / "w", "-c", "palette_shift=chartreuse")
    assert bad.exit_code == 1 and "control palette_shift: expected one of" in bad.output
    gray = tmp_path / "gray.png"
    Image.fromarray(data.camera()).save(gray)
    bad = cli("run", "resenc-palette", astronaut_png, "--weights", tmp_path / "w", "-c", f"palette_from={gray}")
    assert bad.exit_code == 1 and "a gray reference has no palette" in bad.output


def test_models_without_palette_refuse_palette_options(cli, tmp_path, weights_dir, astronaut_png):
    result = cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-c", "palette_shift=red", "-o",
                 tmp_path)
    assert result.exit_code == 1 and "zhang-rebal has no control 'palette_shift'" in result.output
    assert not list(tmp_path.iterdir())  # refused before any work


# -- every family trains ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model,overrides",
    [
        ("pix2pix-resnet18", {}),
        ("koala-inception-msle", {"extractor_size": 75, "input_size": 48}),
        ("resenc-palette", {"input_size": 48}),
        ("resenc-palette-hsv", {"input_size": 48}),
    ],
)
def test_short_training_lowers_the_loss(zoo, photos, tmp_path, model, overrides):
    cfg = TrainConfig(model=model, data=photos, out=tmp_path / "run", steps=16, batch_size=4, crop=32,
                      workers=0, lr=2e-3, log_every=1, eval_every=16, checkpoint_every=16, overrides=overrides,
                      val_fraction=0.0)
    train(cfg)
    rows = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    key = "loss_l1" if model.startswith("pix2pix") else "loss"  # pix2pix: the adversarial part is not monotone
    losses = [r[key] for r in rows if key in r]
    assert np.mean(losses[-4:]) < np.mean(losses[:4])
    assert (tmp_path / "run" / "model.safetensors").is_file()


def test_all_losses_are_registered(zoo):
    for name in ("mse", "msle", "l1", "ce", "ce-rebal", "gan-bce", "gan-lsgan", "tv-color", "palette-bce"):
        assert name in zoo.losses, name


def test_gan_losses_need_the_gan_step(zoo, photos, tmp_path, cli):
    """A GAN loss on a model whose training step has no discriminator: one line, before any work."""
    for model, expected in (("zhang-rebal", "loss gan-bce does not fit zhang-rebal"),
                            ("zhang-euclidean", "needs a discriminator, which zhang-euclidean's training step")):
        result = cli("train", model, "--data", photos, "--out", tmp_path / model, "--loss", "gan-bce",
                     "--set", "width_mult=0.125", "--workers", "0")
        assert result.exit_code == 1 and expected in result.output, result.output
        assert not (tmp_path / model).exists()
    assert isinstance(create_loss("l1"), L1Loss)
