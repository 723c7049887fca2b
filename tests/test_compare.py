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
                 "--temperature", "0.38", "--temperature", "1.0")  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("report.md", "metrics.json", "metrics.csv", "grid.png", "sweep.png", "tradeoff.png"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "metrics.json").read_text())["summary"]
    labels = [row["model"] for row in summary]
    # one row per (model, requested temperature) plus the grayscale baseline, which comes first
    assert labels == ["grayscale", "zhang-rebal (rebal) T=0.38", "zhang-rebal (rebal) T=1",
                      "zhang-euclidean (eucl)"]  # fmt: skip
    gray = summary[0]
    assert gray["colorfulness"] < 0.5  # gray really is gray
    assert all(0 <= row["auc"] <= 100 and 0 <= row["ssim"] <= 1 for row in summary)
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert len(rows) == 4 * 3  # every row, every color image; the gray photo is skipped
    assert {r["image"] for r in rows} == {"astronaut.png", "coffee.png", "chelsea.png"}
    sweep = json.loads((out / "metrics.json").read_text())["sweep"]
    assert list(sweep) == ["zhang-rebal (rebal)"]
    temps = [p["temperature"] for p in sweep["zhang-rebal (rebal)"]]
    assert temps == sorted(temps) and temps[0] == 0.01 and temps[-1] == 1.0
    report = (out / "report.md").read_text()
    assert "![gray input, each model, ground truth](grid.png)" in report and "| grayscale |" in report
    # each model against the baseline, image by image
    assert "## Against the grayscale baseline" in report and "| zhang-euclidean (eucl) | " in report
    auc = {(r["image"], r["model"], r["temperature"]): float(r["auc"]) for r in rows}
    diffs = [auc[image, "zhang-euclidean (eucl)", ""] - auc[image, "grayscale", ""] for image in ("astronaut.png",
             "coffee.png", "chelsea.png")]  # fmt: skip
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
                 "--limit", "2")  # fmt: skip
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
    result = cli("bench", "zhang-simplified", "--size", "64", "--size", "96", "--device", "cpu", "--repeats", "1",
                 "--json", target)  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(target.read_text())
    assert [(r["model"], r["size"]) for r in rows] == [("zhang-simplified", 64), ("zhang-simplified", 96)]
    assert all(r["images_per_s"] > 0 and r["peak_memory_mb"] > 50 and r["weights"] == "random" for r in rows)
    assert np.isclose(rows[0]["latency_ms"] * rows[0]["images_per_s"], 1000)
