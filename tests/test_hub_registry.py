"""The Hub as a registry both ways: publish a trained model with its card, find it, run it by its id.

Everything goes through a Hub on loopback: olah serving git repos, behind ``HubFront``
(tests/hub_server.py), which adds the model search and the upload API olah lacks. A tiny
zhang-rebal is fine-tuned by ``colorzoo train --init hf-hub:...`` from a repo on that Hub,
measured by ``colorzoo compare`` and published with ``colorzoo publish --report``; then it is
found with ``colorzoo search`` and run by ``hf-hub:`` id from fresh caches, pinned, tampered with
and run offline. Commands run in-process (CliRunner), with the Hub's and colorzoo's caches in
scratch folders per test; one runs in a fresh process with huggingface_hub itself offline.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import OlahHub, git, hub_repo, lfs_object
from hub_server import HubFront
from PIL import Image
from skimage import data

from zoo_core import UnknownModelError, create_model, load_model

BIN = Path(sys.executable).parent
PROBE = "colorzoo-test/probe"
BASE = "someone/zhang-rebal-base"
PUBLISHED = "me/zhang-rebal-cars"
pytestmark = pytest.mark.skipif(shutil.which("olah-cli", path=str(BIN)) is None, reason="olah (test extra) missing")


def _tiny(seed: int) -> dict[str, bytes]:
    """config.json + model.safetensors of a tiny zhang-rebal with random weights."""
    import tempfile

    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as scratch:
        create_model("zhang-rebal", width_mult=0.125).save_pretrained(scratch)
        return {name: (Path(scratch) / name).read_bytes() for name in ("config.json", "model.safetensors")}


def _card(model: str, license_id: str, **colorzoo: str) -> bytes:
    meta = {"colorzoo": {"model": model, **colorzoo}} if colorzoo else {}
    lines = ["---", "library_name: colorzoo", f"license: {license_id}", "tags: [colorization]"]
    if meta:
        lines += ["colorzoo:", *(f"  {k}: {v}" for k, v in meta["colorzoo"].items())]
    return "\n".join([*lines, "---", f"# {model}", ""]).encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The loopback Hub, with a base model to fine-tune, a pickle-only repo and repos of families not here."""
    root = tmp_path_factory.mktemp("hub")
    hub_repo(root, PROBE, {"config.json": b"{}"})
    hub_repo(root, BASE, {**_tiny(0), "README.md": _card("zhang-rebal", "apache-2.0")})
    hub_repo(root, "someone/pickle-only", {"config.json": json.dumps({"model": "zhang-rebal"}).encode(),
                                           "pytorch_model.bin": b"\x80\x02pickled" * 40})
    pix2pix = {"config.json": json.dumps({"model": "pix2pix-lite0"}).encode(), "model.safetensors": b"\0" * 256}
    hub_repo(root, "someone/pix2pix-cars", {**pix2pix, "README.md": _card("pix2pix-lite0", "mit", family="pix2pix")})
    acme = {"config.json": json.dumps({"model": "acme-painter"}).encode(), "model.safetensors": b"\0" * 256}
    hub_repo(root, "acme/painter", {**acme, "README.md": _card("acme-painter", "mit", distribution="colorzoo-acme")})
    olah = OlahHub(root, PROBE)
    front = HubFront(olah.url, root)
    try:
        yield {"url": front.url, "front": front, "root": root, "models": root / "mirrors" / "models"}
    finally:
        front.close()
        olah.close()


@pytest.fixture
def online(hub, monkeypatch, tmp_path):
    """This test talks to the loopback Hub, with fresh Hub and colorzoo caches."""
    monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub["url"])
    fresh_caches(monkeypatch, tmp_path)
    return hub


def fresh_caches(monkeypatch, where: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(where / "hf"))
    monkeypatch.setenv("COLORZOO_HOME", str(where / "colorzoo"))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cars")
    rng = np.random.default_rng(0)
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        image = getattr(data, name)()[..., :3]
        for k in range(3):
            y, x = rng.integers(0, image.shape[0] // 2, 2)
            Image.fromarray(image[y : y + 200, x : x + 200]).resize((48, 48)).save(folder / f"{name}_{k}.png")
    return folder


@pytest.fixture(scope="module")
def published(hub, photos, tmp_path_factory):
    """A tiny zhang-rebal fine-tuned from hf-hub:someone/zhang-rebal-base, compared, and published with its card."""
    from typer.testing import CliRunner

    from zoo_core.cli import app

    scratch = tmp_path_factory.mktemp("published")
    run_dir, report = scratch / "cars", scratch / "report"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("COLORZOO_OFFLINE", "HF_HUB_OFFLINE", "HF_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("HF_ENDPOINT", hub["url"])
        fresh_caches(mp, scratch)
        runner = CliRunner()

        def cli(*args):
            result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.output

        base_commit = git(hub["models"] / BASE, "rev-parse", "HEAD")
        cli("train", "zhang-rebal", "--data", photos, "--out", run_dir, "--init", f"hf-hub:{BASE}", "--steps", "3",
            "--crop", "32", "--batch-size", "4", "--workers", "0", "--lr", "1e-3", "--val-fraction", "0.1")
        cli("compare", run_dir, "--data", photos, "-o", report, "--no-fid", "--no-sweep", "--size", "64",
            "--limit", "6")
        output = cli("publish", run_dir, "--repo-id", PUBLISHED, "--report", report, "--dataset", "me/car-photos")
    commit = re.search(r"/commit/([0-9a-f]{40})", output)[1]
    return {"dir": run_dir, "report": report, "commit": commit, "base_commit": base_commit, "output": output}


def _card_of(hub, repo_id: str, revision: str = "main"):
    from huggingface_hub import ModelCard

    return ModelCard(git(hub["models"] / repo_id, "show", f"{revision}:README.md"))


# -- publish ----------------------------------------------------------------------------------


def test_publish_writes_a_complete_card(hub, published):
    repo = hub["models"] / PUBLISHED
    files = git(repo, "ls-tree", "-r", "--name-only", published["commit"]).split()
    assert {"config.json", "model.safetensors", "README.md", "train_config.json"} <= set(files)
    assert (published["dir"] / "checkpoint.pt").is_file() and not any(f.endswith(".pt") for f in files)
    assert f"run it: colorzoo run hf-hub:{PUBLISHED}" in published["output"]

    card = _card_of(hub, PUBLISHED)
    meta = card.data.to_dict()
    assert meta["library_name"] == "colorzoo" and meta["pipeline_tag"] == "image-to-image"
    assert {"colorization", "zhang"} <= set(meta["tags"])
    assert meta["license"] == "apache-2.0"  # inherited from the weights it was fine-tuned from
    assert meta["base_model"] == BASE and meta["datasets"] == ["me/car-photos"]
    assert meta["colorzoo"] == {"model": "zhang-rebal", "family": "zhang", "distribution": "colorzoo-zhang"}

    metrics = json.loads((published["report"] / "metrics.json").read_text())
    row = next(r for r in metrics["summary"] if r["model"] == "zhang-rebal (cars)")
    got = {e.metric_type: e.metric_value for e in card.data.eval_results}
    assert got["auc"] == pytest.approx(row["auc"], abs=1e-4)
    assert got["auc_vs_gray"] == pytest.approx(row["auc_vs_gray"]["mean"], abs=1e-4)
    assert got["auc_vs_gray_low"] == pytest.approx(row["auc_vs_gray"]["low"], abs=1e-4)
    assert got["auc_vs_gray_high"] == pytest.approx(row["auc_vs_gray"]["high"], abs=1e-4)
    for key in ("auc_rebal", "colorfulness", "psnr"):
        assert got[key] == pytest.approx(row[key], abs=1e-4)
    assert card.data.eval_results[0].task_type == "image-to-image"

    text = card.text
    assert f"colorzoo run hf-hub:{PUBLISHED} photo.jpg" in text
    assert f'create_model("hf-hub:{PUBLISHED}")' in text
    # the exact command, with the init pinned to the commit that ran
    assert f"--init hf-hub:{BASE}@{published['base_commit']}" in text and "--steps 3" in text
    assert f"`hf-hub:{BASE}@{published['base_commit']}`" in text
    assert f"{row['auc_vs_gray']['mean']:+.2f} [{row['auc_vs_gray']['low']:+.2f}" in text


def test_publish_refuses_what_would_not_run(online, cli, tmp_path, published, monkeypatch):
    before = sorted(p.name for p in online["models"].glob("*/*"))
    result = cli("publish", published["dir"], "--repo-id", "not a repo")
    assert result.exit_code == 1 and "'not a repo' is not a Hub repo id" in result.output
    result = cli("publish", published["dir"], "--repo-id", "me/a/b")
    assert result.exit_code == 1 and "expected ORG/NAME" in result.output

    broken = tmp_path / "broken"
    shutil.copytree(published["dir"], broken)
    (broken / "model.safetensors").write_bytes(b"\x10\0\0\0\0\0\0\0{}" + b"\0" * 64)
    result = cli("publish", broken, "--repo-id", "me/broken")
    assert result.exit_code == 1 and "model.safetensors" in result.output and len(result.output.splitlines()) == 1

    result = cli("publish", published["dir"], "--repo-id", "me/x", "--report", tmp_path)
    assert result.exit_code == 1 and "metrics.json" in result.output
    shutil.copytree(published["dir"], tmp_path / "trucks")
    result = cli("publish", tmp_path / "trucks", "--repo-id", "me/x", "--report", published["report"])
    assert result.exit_code == 1 and "no row for zhang-rebal (trucks)" in result.output

    monkeypatch.setenv("COLORZOO_OFFLINE", "1")
    result = cli("publish", published["dir"], "--repo-id", "me/offline")
    assert result.exit_code == 1 and "offline" in result.output and len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in online["models"].glob("*/*")) == before  # nothing was created


# -- search -----------------------------------------------------------------------------------


def test_search_lists_colorzoo_models(online, cli, published):
    from zoo_core.plugins.manager import get_zoo

    found = cli("search")
    assert found.exit_code == 0, found.output
    lines = {line.split(" | ")[0].strip("| "): line for line in found.output.splitlines() if "hf-hub:" in line}
    assert set(lines) >= {f"hf-hub:{PUBLISHED}", f"hf-hub:{BASE}", "hf-hub:someone/pix2pix-cars", "hf-hub:acme/painter"}
    assert f"hf-hub:{PROBE}" not in lines  # not a colorzoo repo
    assert "| zhang-rebal | yes (zhang) |" in lines[f"hf-hub:{PUBLISHED}"]
    assert "| zhang-rebal | yes (zhang) |" in lines[f"hf-hub:{BASE}"]  # its card does not say: from its config.json
    if "pix2pix-lite0" not in get_zoo().models:
        assert '| pix2pix-lite0 | no: pip install "colorzoo[gan]" |' in lines["hf-hub:someone/pix2pix-cars"]
    assert "| acme-painter | no: pip install colorzoo-acme |" in lines["hf-hub:acme/painter"]

    online["front"].likes.update({"acme/painter": 5, PUBLISHED: 9})
    liked = cli("search", "--sort", "likes", "--limit", "2")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in liked.output.splitlines()
            if "| hf-hub:" in line]
    assert [(r[0], r[4]) for r in rows] == [(f"hf-hub:{PUBLISHED}", "9"), ("hf-hub:acme/painter", "5")]

    cars = cli("search", "cars", "--family", "zhang")
    assert f"hf-hub:{PUBLISHED}" in cars.output and "pix2pix-cars" not in cars.output and BASE not in cars.output
    query = online["front"].searches[-1]
    assert query["filter"] == ["colorzoo", "zhang"] and query["search"] == ["cars"]
    none = cli("search", "nothing-like-this")
    assert none.exit_code == 0 and "no colorzoo models" in none.output

    assert cli("search", "--sort", "stars").exit_code == 1


def test_search_offline_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("COLORZOO_OFFLINE", "1")
    result = cli("search", "cars")
    assert result.exit_code == 1 and "offline" in result.output and len(result.output.strip().splitlines()) == 1


# -- run by Hub id ----------------------------------------------------------------------------


def test_run_by_hub_id_from_a_fresh_cache(online, cli, published, tmp_path, astronaut_png):
    hub_id, pinned = f"hf-hub:{PUBLISHED}", f"hf-hub:{PUBLISHED}@{published['commit']}"
    ran = cli("run", hub_id, astronaut_png, "-o", tmp_path / "hub")
    assert ran.exit_code == 0, ran.output
    assert f"weights: {pinned} (Hugging Face Hub, apache-2.0)" in ran.output
    local = cli("run", "zhang-rebal", astronaut_png, "--weights", published["dir"], "-o", tmp_path / "local")
    assert local.exit_code == 0, local.output
    from_hub = np.asarray(Image.open(tmp_path / "hub" / "astronaut_zhang-rebal.png"))
    assert np.array_equal(from_hub, np.asarray(Image.open(tmp_path / "local" / "astronaut_zhang-rebal.png")))

    trust = json.loads((tmp_path / "colorzoo" / "trust.json").read_text())
    prefix = f"hf-hub://{PUBLISHED}@{published['commit']}/"
    assert {k for k in trust if k.startswith(prefix)} == {prefix + "config.json", prefix + "model.safetensors"}

    mine, theirs = load_model(published["dir"]).state_dict(), create_model(hub_id).state_dict()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    assert load_model(pinned).spec.name == "zhang-rebal"

    info = cli("info", hub_id)
    assert info.exit_code == 0 and published["commit"] in info.output and '"width_mult": 0.125' in info.output
    assert "zhang-rebal model (plugin zhang, installed)" in info.output and "Evaluation" in info.output

    cached = cli("cache", "list")
    assert PUBLISHED in cached.output and hub_id in cached.output
    assert "removed" in cli("cache", "rm", hub_id).output
    assert PUBLISHED not in cli("cache", "list").output
    trust = json.loads((tmp_path / "colorzoo" / "trust.json").read_text())
    assert not any(k.startswith(f"hf-hub://{PUBLISHED}@") for k in trust)


def test_eval_compare_export_take_hub_ids(online, cli, published, photos, tmp_path, monkeypatch):
    hub_id = f"hf-hub:{PUBLISHED}"
    report = tmp_path / "report"
    compared = cli("compare", hub_id, published["dir"], "--data", photos, "-o", report, "--no-fid", "--no-sweep",
                   "--size", "64", "--limit", "4")
    assert compared.exit_code == 0, compared.output
    rows = {r["model"]: r for r in json.loads((report / "metrics.json").read_text())["summary"]}
    label = f"zhang-rebal ({PUBLISHED}@{published['commit'][:7]})"
    assert rows[label]["auc"] == pytest.approx(rows["zhang-rebal (cars)"]["auc"], abs=1e-9)  # the same weights

    monkeypatch.chdir(tmp_path)
    evaluated = cli("eval", hub_id, "--data", photos, "--size", "64", "--limit", "2")
    assert evaluated.exit_code == 0, evaluated.output
    assert (tmp_path / "eval_zhang-rebal.csv").is_file()
    pytest.importorskip("onnxruntime")
    exported = cli("export", hub_id, "-o", tmp_path / "cars.onnx", "--size", "64")
    assert exported.exit_code == 0, exported.output
    assert "onnxruntime matches PyTorch" in exported.output


def test_a_revision_pins_the_weights(online, cli, tmp_path, astronaut_png):
    commits = {}
    for name, seed, revision in (("first", 1, None), ("second", 2, None), ("branch", 3, "v2")):
        directory = tmp_path / name
        torch.manual_seed(seed)
        create_model("zhang-rebal", width_mult=0.125).save_pretrained(directory)
        args = ["--revision", revision] if revision else []
        result = cli("publish", directory, "--repo-id", "me/pinned", "--license", "mit", *args)
        assert result.exit_code == 0, result.output
        commits[name] = re.search(r"/commit/([0-9a-f]{40})", result.output)[1]

    def weights(name):
        return create_model(name).state_dict()["model1.0.weight"]

    def saved(directory):
        return load_model(tmp_path / directory).state_dict()["model1.0.weight"]

    assert torch.equal(weights(f"hf-hub:me/pinned@{commits['first']}"), saved("first"))
    assert torch.equal(weights("hf-hub:me/pinned"), saved("second"))
    assert torch.equal(weights("hf-hub:me/pinned@v2"), saved("branch"))
    card = _card_of(online, "me/pinned", "v2").text
    assert "colorzoo run hf-hub:me/pinned@v2 photo.jpg" in card and "not recorded" in card
    missing = cli("run", "hf-hub:me/pinned@v9", astronaut_png, "-o", tmp_path / "out")
    assert missing.exit_code == 1 and "no such repo or revision" in missing.output


def test_a_tampered_file_is_refused(online, cli, tmp_path, astronaut_png, monkeypatch):
    repo_id = "someone/tamper"
    files = _tiny(4)
    commit = hub_repo(online["root"], repo_id, files)
    ran = cli("run", f"hf-hub:{repo_id}", astronaut_png, "-o", tmp_path / "first")
    assert ran.exit_code == 0, ran.output  # and the sha256 of this commit's files is recorded

    import hashlib

    stored = lfs_object(online["models"] / repo_id, hashlib.sha256(files["model.safetensors"]).hexdigest())
    tampered = bytearray(stored.read_bytes())
    tampered[-64:] = bytes(64)  # same size, other weights, same commit
    stored.write_bytes(bytes(tampered))

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-again"))  # a fresh download, same records
    again = cli("run", f"hf-hub:{repo_id}", astronaut_png, "-o", tmp_path / "again")
    assert again.exit_code == 1
    assert f"model.safetensors of hf-hub:{repo_id}@{commit}" in again.output
    assert "recorded at its first download" in again.output and "deleted and refused" in again.output
    assert not list((tmp_path / "hf-again").rglob("model.safetensors"))
    assert not (tmp_path / "again").exists() or not list((tmp_path / "again").iterdir())

    fresh_caches(monkeypatch, tmp_path / "elsewhere")  # first use anywhere: the Hub's own sha256 catches it
    first = cli("run", f"hf-hub:{repo_id}", astronaut_png, "-o", tmp_path / "elsewhere-out")
    assert first.exit_code == 1 and "the one the Hub lists for it" in first.output


def test_a_pickle_only_repo_is_refused(online, cli, tmp_path, astronaut_png):
    result = cli("run", "hf-hub:someone/pickle-only", astronaut_png, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "only pickled weights (pytorch_model.bin)" in result.output and "never loads a pickle" in result.output
    assert not (tmp_path / "hf").exists() or not list((tmp_path / "hf").rglob("*.bin"))
    with pytest.raises(Exception, match="only pickled weights"):
        create_model("hf-hub:someone/pickle-only")


def test_a_cached_repo_runs_offline(online, cli, tmp_path, astronaut_png, monkeypatch, published):
    hub_id = f"hf-hub:{PUBLISHED}"
    assert cli("download", hub_id).exit_code == 0
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    ran = cli("run", hub_id, astronaut_png, "-o", tmp_path / "unreachable")
    assert ran.exit_code == 0, ran.output
    assert f"@{published['commit']}" in ran.output
    monkeypatch.setenv("COLORZOO_OFFLINE", "1")
    info = cli("info", hub_id)
    assert info.exit_code == 0 and "the Hugging Face cache (offline)" in info.output
    missing = cli("run", f"hf-hub:{BASE}", astronaut_png, "-o", tmp_path / "missing")
    assert missing.exit_code == 1 and len(missing.output.strip().splitlines()) == 1
    assert f"offline (COLORZOO_OFFLINE/HF_HUB_OFFLINE) and hf-hub:{BASE} is not in the Hugging Face cache" in (
        missing.output
    )

    # a fresh process, huggingface_hub itself offline
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("COLORZOO_OFFLINE")
    result = subprocess.run([str(BIN / "colorzoo"), "run", hub_id, str(astronaut_png), "-o", str(tmp_path / "fresh")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"weights: hf-hub:{PUBLISHED}@{published['commit']}" in result.stderr


@pytest.fixture
def zhang_only(monkeypatch):
    """The zoo with the core and the Zhang family only (whatever else this machine has installed)."""
    import importlib

    from zoo_core.plugins import manager

    zhang = importlib.import_module("colorzoo_zhang.plugin")
    zoo = manager.Zoo().load_defaults()
    assert zoo.add_plugin(zhang, "zhang", "colorzoo-zhang").status == "ok"
    monkeypatch.setattr(manager, "_ZOO", zoo)
    return zoo


def test_a_family_not_installed_gives_the_pip_command(online, cli, zhang_only, tmp_path, astronaut_png):
    result = cli("run", "hf-hub:someone/pix2pix-cars", astronaut_png, "-o", tmp_path / "out")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "holds a pix2pix-lite0 model, from the pix2pix cGAN family (colorzoo-pix2pix)" in result.output
    with pytest.raises(UnknownModelError, match=re.escape('which is not installed: pip install "colorzoo[gan]"')):
        create_model("hf-hub:someone/pix2pix-cars")
    third = cli("run", "hf-hub:acme/painter", astronaut_png, "-o", tmp_path / "out")
    assert third.exit_code == 1 and "pip install colorzoo-acme" in third.output
    info = cli("info", "hf-hub:someone/pix2pix-cars")
    assert info.exit_code == 0 and 'pip install "colorzoo[gan]"' in info.output
    bad = cli("run", "hf-hub:not/a/repo", astronaut_png)
    assert bad.exit_code == 1 and "is not a Hub repo id" in bad.output
