"""`colorzoo compare`, `eval` and `bench` on tiny images and models made here."""

import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from zoo_core import create_model


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(getattr(data, name)()).resize((80, 64)).save(folder / f"{name}.png")
    Image.fromarray(data.camera()).resize((64, 64)).save(folder / "camera.png")  # gray: skipped
    return folder


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    create_model("zhang-rebal", width_mult=0.125, input_size=64).save_pretrained(root / "rebal")
    create_model("zhang-euclidean", width_mult=0.125, input_size=64).save_pretrained(root / "eucl")
    return root / "rebal", root / "eucl"


def test_compare_writes_every_file(cli, small_set, two_models, tmp_path):
    out = tmp_path / "report"
    result = cli("compare", *two_models, "--data", small_set, "-o", out, "--size", "64", "--device", "cpu",
                 "--temperature", "0.38", "--temperature", "1.0")
    assert result.exit_code == 0, result.output
    for name in ("report.md", "metrics.json", "metrics.csv", "grid.png", "sweep.png", "tradeoff.png"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "metrics.json").read_text())["summary"]
    labels = [row["model"] for row in summary]
    # one row per (model, requested temperature) plus the grayscale baseline, which comes first
    assert labels == ["grayscale", "zhang-rebal (rebal) temperature=0.38", "zhang-rebal (rebal) temperature=1",
                      "zhang-euclidean (eucl)"]
    gray = summary[0]
    assert gray["colorfulness"] < 0.5  # gray really is gray
    assert all(0 <= row["auc"] <= 100 and 0 <= row["ssim"] <= 1 for row in summary)
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert len(rows) == 4 * 3  # every row, every color image; the gray photo is skipped
    assert {r["image"] for r in rows} == {"astronaut.png", "coffee.png", "chelsea.png"}
    sweep = json.loads((out / "metrics.json").read_text())["sweep"]
    assert list(sweep) == ["zhang-rebal (rebal)"]
    assert {p["control"] for p in sweep["zhang-rebal (rebal)"]} == {"temperature"}  # the control its spec sweeps
    temps = [p["value"] for p in sweep["zhang-rebal (rebal)"]]
    assert temps == sorted(temps) and temps[0] == 0.01 and temps[-1] == 1.0
    report = (out / "report.md").read_text()
    assert "![gray input, each model, ground truth](grid.png)" in report and "| grayscale |" in report
    # each model against the baseline, image by image
    assert "## Against the grayscale baseline" in report and "| zhang-euclidean (eucl) | " in report
    auc = {(r["image"], r["model"], r["setting"]): float(r["auc"]) for r in rows}
    diffs = [auc[image, "zhang-euclidean (eucl)", ""] - auc[image, "grayscale", ""] for image in ("astronaut.png",
             "coffee.png", "chelsea.png")]
    versus = summary[3]["auc_vs_gray"]
    assert versus["mean"] == pytest.approx(np.mean(diffs), abs=1e-3)
    assert versus["wins"] == sum(d > 0 for d in diffs) and versus["images"] == 3
    assert versus["low"] <= versus["mean"] <= versus["high"] and "auc_vs_gray" not in gray
    assert "zhang-euclidean (eucl): AuC - grayscale" in result.output
    with Image.open(out / "grid.png") as grid:
        assert grid.width > 4 * 100 and grid.height > 3 * 100  # 4 columns, 3 rows
    for label in ("grayscale", "zhang-euclidean"):
        assert label in result.output


def test_eval_writes_per_image_csv(cli, small_set, two_models, tmp_path):
    target = tmp_path / "per_image.csv"
    result = cli("eval", two_models[0], "--data", small_set, "--size", "64", "--csv", target, "--device", "cpu",
                 "--limit", "2")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 2 * 2 and {r["model"] for r in rows} == {"grayscale", "zhang-rebal (rebal)"}
    assert "AuC" in result.output


def test_compare_refuses_bad_data(cli, two_models, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("compare", two_models[0], "--data", tmp_path / "empty", "-o", tmp_path / "r")
    assert result.exit_code == 1 and "no readable color images" in result.output


def test_bench(cli, tmp_path):
    target = tmp_path / "bench.json"
    result = cli("bench", "zhang-simplified", "zhang-unbal", "--size", "64", "--size", "384", "--device", "cpu",
                 "--repeats", "2", "--batch-size", "2", "--json", target)
    assert result.exit_code == 0, result.output
    rows = {(r["model"], r["size"]): r for r in json.loads(target.read_text())}
    assert sorted(rows) == [("zhang-simplified", 64), ("zhang-simplified", 384), ("zhang-unbal", 64),
                            ("zhang-unbal", 384)]
    # untrained zhang-simplified is timed with random weights and says so; zhang-unbal runs its bundled ones
    assert rows["zhang-simplified", 64]["weights"] == "random" and rows["zhang-unbal", 64]["weights"] == "trained"
    assert all(r["batch_size"] == 2 and r["precision"] == "fp32" and r["device"] == "cpu" for r in rows.values())
    assert all(r["latency_ms"] > 0 and r["peak_memory_mb"] > 50 for r in rows.values())  # a process of its own each


def test_fid_with_a_synthetic_feature_extractor(monkeypatch, small_set, two_models, tmp_path, cli):
    """FID rides on the same predictions; its Inception weights are stood in for by a fixed random net."""
    from zoo_core.evaluation import fid

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, stride=4), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
                              torch.nn.Flatten())
    monkeypatch.setattr(fid, "load_extractor", lambda device, download=True: lambda x: net(x.float() / 255).double())
    out = tmp_path / "report"
    result = cli("compare", *two_models, "--data", small_set, "-o", out, "--size", "64", "--no-sweep", "--fid")
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "metrics.json").read_text())["summary"]
    values = {row["model"]: row["fid"] for row in rows}
    assert all(v >= -1e-6 for v in values.values()) and len(set(values.values())) == 3
    assert "| FID |" in (out / "report.md").read_text()
    real = torch.randn(50, 4, dtype=torch.float64)
    assert abs(fid.frechet_distance(real, real)) < 1e-6  # a set is at distance 0 from itself
    assert fid.frechet_distance(real, real + 1.0) == pytest.approx(4.0, abs=1e-6)  # a shift: |mu|^2


def test_fid_offline_is_a_notice_not_a_failure(monkeypatch, small_set, two_models, tmp_path, cli):
    monkeypatch.setenv("COLORZOO_OFFLINE", "1")
    result = cli("compare", two_models[0], "--data", small_set, "-o", tmp_path / "r", "--size", "64", "--no-sweep")
    assert result.exit_code == 0 and "FID not measured (the rest of the comparison is)" in result.output
    assert "colorzoo download fid-inception" in result.output
    assert "fid" not in json.loads((tmp_path / "r" / "metrics.json").read_text())["summary"][0]
    forced = cli("compare", two_models[0], "--data", small_set, "-o", tmp_path / "s", "--size", "64", "--fid")
    assert forced.exit_code == 1 and "Inception weights are not cached" in forced.output


def test_fid_weights_download_checked(monkeypatch, tmp_path, cli):
    import dataclasses
    import hashlib

    from helpers import ReleaseServer

    from zoo_core.evaluation import fid

    blob = b"inception weights stand-in" * 1000
    monkeypatch.setattr(fid, "INCEPTION", dataclasses.replace(fid.INCEPTION, sha256=hashlib.sha256(blob).hexdigest(),
                                                              size=len(blob)))
    monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
    monkeypatch.setenv("COLORZOO_HOME", str(tmp_path / "cache"))
    with ReleaseServer({fid.INCEPTION.filename: blob}) as server:
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        got = cli("download", "fid-inception")
    assert got.exit_code == 0 and "sha256 verified" in got.output, got.output
    assert fid.inception_path().read_bytes() == blob


def test_results_per_folder(cli, two_models, tmp_path):
    """Narrow domains can dominate a validation set: the report gives each folder its own rows."""
    for folder, names in (("scenes", ("astronaut", "rocket")), ("things", ("coffee", "chelsea"))):
        (tmp_path / "val" / folder).mkdir(parents=True)
        for name in names:
            image = Image.fromarray(getattr(data, name)()[..., :3]).resize((64, 64))
            image.save(tmp_path / "val" / folder / f"{name}.png")
    out = tmp_path / "r"
    result = cli("compare", two_models[1], "--data", tmp_path / "val", "-o", out, "--size", "64", "--no-sweep")
    assert result.exit_code == 0, result.output
    by_folder = json.loads((out / "metrics.json").read_text())["by_folder"]
    assert {(r["folder"], r["model"], r["images"]) for r in by_folder} == {
        ("scenes", "grayscale", 2), ("scenes", "zhang-euclidean (eucl)", 2),
        ("things", "grayscale", 2), ("things", "zhang-euclidean (eucl)", 2),
    }
    assert "## Per folder" in (out / "report.md").read_text()
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert {r["folder"] for r in rows} == {"scenes", "things"}
