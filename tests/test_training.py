"""`colorzoo train` and `colorzoo priors` on tiny images made here."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import free_port
from PIL import Image
from safetensors.torch import load_file
from skimage import data

from zoo_core import create_model
from zoo_core.io.images import is_gray
from zoo_core.plugins.manager import get_zoo
from zoo_core.training.data import ColorImageDataset, split_files
from zoo_core.training.step import TrainingStep
from zoo_core.training.trainer import TrainConfig, train

BIN = Path(sys.executable).parent
TINY = ["--set", "width_mult=0.125", "--crop", "32", "--batch-size", "4", "--workers", "0"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """14 small color crops, one grayscale photo and one broken file."""
    folder = tmp_path_factory.mktemp("photos")
    (folder / "sub").mkdir()
    rng = np.random.default_rng(0)
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        image = getattr(data, name)()[..., :3]
        for k in range(4 if name != "rocket" else 2):
            y, x = rng.integers(0, image.shape[0] // 3), rng.integers(0, image.shape[1] // 3)
            crop = Image.fromarray(image[y : y + image.shape[0] // 2, x : x + image.shape[1] // 2]).resize((64, 64))
            crop.save(folder / "sub" / f"{name}_{k}.jpg" if k % 2 else folder / f"{name}_{k}.png")
    Image.fromarray(data.camera()).resize((64, 64)).save(folder / "gray.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return folder


def _colorzoo(*args, env=None, **kwargs):
    return subprocess.run(
        [str(BIN / "colorzoo"), *map(str, args)], capture_output=True, text=True, timeout=600, env=env, **kwargs
    )


def test_train_writes_a_usable_model_directory(photos, tmp_path, astronaut_png):
    out = tmp_path / "run"
    result = _colorzoo(
        "train",
        "zhang-rebal",
        "--data",
        photos,
        "--out",
        out,
        "--steps",
        "12",
        "--eval-every",
        "6",
        "--checkpoint-every",
        "6",
        "--log-every",
        "3",
        *TINY,
    )
    assert result.returncode == 0, result.stderr
    assert "skipped 1 unreadable and 1 grayscale" in result.stderr
    for name in (
        "config.json",
        "model.safetensors",
        "checkpoint.pt",
        "train_log.jsonl",
        "loss.png",
        "priors.json",
        "train_config.json",
        "val/step_0000006.png",
        "val/step_0000012.png",
    ):
        assert (out / name).is_file(), name
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    train_rows = [r for r in log if "loss" in r]
    assert [r["step"] for r in train_rows] == [3, 6, 9, 12]
    assert all({"lr", "images_per_s", "loss"} <= set(r) for r in train_rows)
    assert [r["step"] for r in log if "val_loss" in r] == [6, 12]
    assert json.loads((out / "config.json").read_text())["width_mult"] == 0.125
    with Image.open(out / "loss.png") as img:
        assert img.size[0] > 300
    # the directory is a model: run uses it
    ran = _colorzoo("run", "zhang-rebal", astronaut_png, "--weights", out, "-o", tmp_path / "colored")
    assert ran.returncode == 0, ran.stderr
    # a second train into the same directory refuses instead of clobbering it
    again = _colorzoo("train", "zhang-rebal", "--data", photos, "--out", out, "--steps", "2", *TINY)
    assert again.returncode == 1 and "--resume" in again.stderr


def test_training_lowers_the_loss(photos, tmp_path):
    cfg = TrainConfig(
        model="zhang-unbal",
        data=photos,
        out=tmp_path / "r",
        steps=40,
        batch_size=4,
        crop=32,
        overrides={"width_mult": 0.125},
        workers=0,
        lr=1e-3,
        log_every=1,
        eval_every=1000,
        checkpoint_every=1000,
    )
    train(cfg)
    losses = [
        json.loads(line)["loss"]
        for line in (tmp_path / "r" / "train_log.jsonl").read_text().splitlines()
        if "loss" in json.loads(line)
    ]
    assert np.mean(losses[-5:]) < 0.85 * np.mean(losses[:5])


def test_killed_run_resumes_to_the_same_weights(photos, tmp_path):
    args = [
        "train",
        "zhang-unbal",
        "--data",
        photos,
        "--steps",
        "30",
        "--checkpoint-every",
        "3",
        "--eval-every",
        "1000",
        *TINY,
    ]
    reference = _colorzoo(*args, "--out", tmp_path / "ref")
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [str(BIN / "colorzoo"), *map(str, args), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while not (out / "checkpoint.pt").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (out / "model.safetensors").exists()
    interrupted_at = torch.load(out / "checkpoint.pt", weights_only=True)["step"]
    assert 3 <= interrupted_at < 30

    resumed = _colorzoo(*args, "--out", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    ref, got = load_file(tmp_path / "ref" / "model.safetensors"), load_file(out / "model.safetensors")
    assert ref.keys() == got.keys()
    for key in ref:
        assert torch.equal(ref[key], got[key]), key
    steps = [json.loads(line)["step"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 30  # no duplicated log lines after resuming


def test_distributed_training_with_torchrun(photos, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            str(BIN / "torchrun"),
            "--nproc_per_node=2",
            "--master_port",
            str(free_port()),
            str(BIN / "colorzoo"),
            "train",
            "zhang-unbal",
            "--data",
            str(photos),
            "--out",
            str(out),
            "--steps",
            "4",
            "--log-every",
            "2",
            "--eval-every",
            "4",
            "--checkpoint-every",
            "2",
            *TINY,
            "--batch-size",
            "2",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    config = json.loads((out / "train_config.json").read_text())
    assert config["world_size"] == 2
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r] == [2, 4]  # one writer: rank 0
    assert (out / "model.safetensors").is_file()


def test_fine_tuning_starts_from_the_given_weights(photos, tmp_path):
    torch.manual_seed(5)
    start = create_model("zhang-unbal", width_mult=0.25)
    start.save_pretrained(tmp_path / "start")
    cfg = TrainConfig(
        model="zhang-rebal",
        data=photos,
        out=tmp_path / "ft",
        steps=1,
        batch_size=4,
        crop=32,
        init=str(tmp_path / "start"),
        workers=0,
        lr=1e-7,
        eval_every=1000,
    )
    train(cfg)
    tuned = create_model("zhang-rebal", weights=tmp_path / "ft")
    assert tuned.config.width_mult == 0.25  # the architecture comes from the init weights
    assert torch.allclose(tuned.model4[0].weight, start.model4[0].weight, atol=1e-5)


def test_priors_command(photos, tmp_path):
    result = _colorzoo("priors", "--data", photos, "-o", tmp_path / "p.json")
    assert result.returncode == 0, result.stderr
    payload = json.loads((tmp_path / "p.json").read_text())
    assert payload["images"] == 14 and payload["gray"] == 1 and payload["unreadable"] == 1
    assert len(payload["prior"]) == 313 and sum(payload["prior"]) == pytest.approx(1.0)
    assert sum(payload["smoothed_prior"]) == pytest.approx(1.0)
    assert sum(payload["counts"]) == pytest.approx(14 * 64 * 64)
    # gray-ish bins near the center are the most common in real photos
    bins = np.array(payload["bins"])
    assert np.linalg.norm(bins[int(np.argmax(payload["prior"]))]) <= 30
    cfg = TrainConfig(
        model="zhang-rebal",
        data=photos,
        out=tmp_path / "r",
        steps=1,
        batch_size=4,
        crop=32,
        overrides={"width_mult": 0.125},
        workers=0,
        prior=tmp_path / "p.json",
        eval_every=1000,
    )
    train(cfg)
    assert not (tmp_path / "r" / "priors.json").exists()  # the given prior was used


def test_loss_options_reach_the_loss(photos, tmp_path):
    """lam=1 mixes the prior entirely with the uniform one: every rebalancing weight is 1, plain ce."""
    losses = {}
    for name, options in (("ce", {}), ("ce-rebal", {"lam": 1.0}), ("ce-rebal", {})):
        out = tmp_path / f"{name}-{len(options)}"
        cfg = TrainConfig(model="zhang-rebal", data=photos, out=out, steps=1, batch_size=4, crop=32,
                          overrides={"width_mult": 0.125}, workers=0, loss=name, loss_options=options, log_every=1,
                          eval_every=1000)
        train(cfg)
        losses[name, len(options)] = json.loads((out / "train_log.jsonl").read_text().splitlines()[0])["loss"]
        assert json.loads((out / "train_config.json").read_text())["loss_options"] == options
    assert losses["ce-rebal", 1] == pytest.approx(losses["ce", 0], rel=1e-4)
    assert losses["ce-rebal", 0] != pytest.approx(losses["ce", 0], rel=1e-2)
    result = _colorzoo("train", "zhang-rebal", "--data", photos, "--out", tmp_path / "x", "--loss-set", "gamma=2")
    assert result.returncode == 1 and "loss ce-rebal" in result.stderr and "gamma" in result.stderr
    result = _colorzoo("train", "zhang-rebal", "--data", photos, "--out", tmp_path / "z", "--loss-set", "lam=1.5")
    assert result.returncode == 1 and "loss ce-rebal: lam" in result.stderr and "[0, 1], got 1.5" in result.stderr
    result = _colorzoo("train", "zhang-rebal", "--data", photos, "--out", tmp_path / "y", "--loss-set", "lam")
    assert result.returncode == 1 and "--loss-set 'lam': expected KEY=VALUE" in result.stderr


def test_bad_data_folder_is_a_clear_error(tmp_path):
    result = _colorzoo("train", "zhang-rebal", "--data", tmp_path / "nope", "--out", tmp_path / "o")
    assert result.returncode == 1 and "nope: no such folder or list file" in result.stderr
    (tmp_path / "few").mkdir()
    Image.fromarray(data.astronaut()).save(tmp_path / "few" / "one.png")
    result = _colorzoo(
        "train", "zhang-rebal", "--data", tmp_path / "few", "--out", tmp_path / "o", "--val-fraction", "0"
    )
    assert result.returncode == 1 and "fewer than one batch" in result.stderr


def test_augmentation_is_reproducible_and_split_is_stable(photos):
    files = sorted(p for p in photos.rglob("*.*") if p.suffix in (".png", ".jpg"))
    dataset = ColorImageDataset(files, crop=32, train=True, seed=1)
    first, again = dataset[0], dataset[0]
    assert torch.equal(first, again) and first.shape == (3, 32, 32)
    dataset.set_epoch(1)
    assert not torch.equal(dataset[0], first)
    train_a, val_a = split_files(files, 0.3, seed=0)
    train_b, val_b = split_files(list(reversed(files)), 0.3, seed=0)
    assert set(val_a) == set(val_b) and set(train_a) == set(train_b) and not set(train_a) & set(val_a)
    assert is_gray(Image.open(photos / "gray.png")) and not is_gray(Image.open(files[0]))


def test_seeds_share_the_validation_split(photos, tmp_path):
    """Runs with another --seed validate on the same images; --split-seed draws another split."""
    val_files = {}
    for seed, split_seed in ((0, 0), (1, 0), (0, 3)):
        out = tmp_path / f"s{seed}-{split_seed}"
        train(TrainConfig(model="zhang-unbal", data=photos, out=out, steps=1, batch_size=4, crop=32,
                          overrides={"width_mult": 0.125}, workers=0, val_fraction=0.3, seed=seed,
                          split_seed=split_seed, eval_every=1000))
        val_files[seed, split_seed] = json.loads((out / "train_config.json").read_text())["val_files"]
    assert val_files[0, 0] and val_files[0, 0] == val_files[1, 0]
    assert val_files[0, 3] != val_files[0, 0]


def test_a_spec_names_its_training_step(photos, tmp_path):
    """ModelSpec.training_step: the plugin's own step class runs, the engine keeps the loop."""
    import dataclasses

    calls = []

    class CountingStep(TrainingStep):
        def __call__(self, model, batch, step):
            calls.append(step)
            return super().__call__(model, batch, step)

    zoo = get_zoo()
    base = zoo.models["zhang-onehot"]
    zoo.models["counting-onehot"] = dataclasses.replace(base, name="counting-onehot", training_step=CountingStep)
    try:
        cfg = TrainConfig(model="counting-onehot", data=photos, out=tmp_path / "r", steps=3, batch_size=4, crop=32,
                          overrides={"width_mult": 0.125}, workers=0, eval_every=1000)
        train(cfg)
    finally:
        del zoo.models["counting-onehot"]
    assert calls == [0, 1, 2]


def test_losses_must_fit_the_model(photos, tmp_path):
    """A loss for another kind of output, or one needing what the step lacks, is refused before any work."""
    wrong = _colorzoo("train", "zhang-rebal", "--data", photos, "--out", tmp_path / "a", "--loss", "mse", *TINY)
    assert wrong.returncode == 1 and "loss mse does not fit zhang-rebal" in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (tmp_path / "a").exists()
