"""Weights from a Hub-compatible server on loopback (olah, offline mode, local git repos).

The server is started and stopped here, by PID, on a free port; the colorzoo commands run in
subprocesses with HF_ENDPOINT pointed at it and HF_HOME in a scratch directory.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import OlahHub, hub_repo, install_plugin

from zoo_core import create_model
from zoo_core.weights.download import sha256_of

BIN = Path(sys.executable).parent
HUBTEST = Path(__file__).parent / "hub_plugin"
REPO = "colorzoo-test/tiny-rebal"
pytestmark = pytest.mark.skipif(shutil.which("olah-cli", path=str(BIN)) is None, reason="olah (test extra) missing")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A Hub at http://127.0.0.1:PORT serving colorzoo-test/tiny-rebal (tag v1.0)."""
    root = tmp_path_factory.mktemp("hub")
    weights = root / "weights"
    torch.manual_seed(0)
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(weights)
    files = {name: (weights / name).read_bytes() for name in ("config.json", "model.safetensors")}
    commit = hub_repo(root, REPO, {**files, "README.md": b"---\nlibrary_name: colorzoo\n---\n# tiny\n"}, tag="v1.0")
    server = OlahHub(root, REPO)
    try:
        yield {"url": server.url, "commit": commit, "weights": weights}
    finally:
        server.close()


@pytest.fixture(scope="module")
def plugin_env(hub, tmp_path_factory):
    """The hubtest plugin installed, declaring models pinned by tag, by commit, and a bad checksum."""
    target = tmp_path_factory.mktemp("site")
    env = install_plugin(HUBTEST, target)
    files = {name: sha256_of(hub["weights"] / name) for name in ("config.json", "model.safetensors")}
    declared = {
        "hubtest-tag": {"repo_id": REPO, "revision": "v1.0", "files": files},
        "hubtest-commit": {"repo_id": REPO, "revision": hub["commit"], "files": files},
        "hubtest-bad": {"repo_id": REPO, "revision": "v1.0", "files": {**files, "model.safetensors": "0" * 64}},
    }
    (target / "colorzoo_hubtest" / "hub.json").write_text(json.dumps(declared))
    env["HF_ENDPOINT"] = hub["url"]
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("COLORZOO_OFFLINE", None)
    env.pop("HF_TOKEN", None)
    return env


def _colorzoo(env, *args):
    return subprocess.run([str(BIN / "colorzoo"), *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.parametrize("model", ["hubtest-tag", "hubtest-commit"])
def test_download_then_run_then_offline(plugin_env, tmp_path, astronaut_png, model):
    env = {**plugin_env, "HF_HOME": str(tmp_path / "hf")}
    listed = _colorzoo(env, "list")
    assert model in listed.stdout and "hub" in listed.stdout
    got = _colorzoo(env, "download", model)
    assert got.returncode == 0, got.stderr
    assert "sha256 verified" in got.stdout
    again = _colorzoo(env, "download", model)  # idempotent
    assert again.returncode == 0, again.stderr
    ran = _colorzoo(env, "run", model, astronaut_png, "-o", tmp_path / "out")
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / f"astronaut_{model}.png").is_file()

    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}  # nothing listens there
    ran = _colorzoo(offline, "run", model, astronaut_png, "-o", tmp_path / "offline")
    assert ran.returncode == 0, ran.stderr
    cached = _colorzoo(offline, "cache", "list")
    assert REPO in cached.stdout
    removed = _colorzoo(offline, "cache", "rm", model)
    assert "removed" in removed.stdout
    assert REPO not in _colorzoo(offline, "cache", "list").stdout


def test_checksum_mismatch_is_refused_and_not_kept(plugin_env, tmp_path, astronaut_png):
    env = {**plugin_env, "HF_HOME": str(tmp_path / "hf")}
    ran = _colorzoo(env, "run", "hubtest-bad", astronaut_png, "-o", tmp_path / "out")
    assert ran.returncode == 1
    assert "does not match the declared" in ran.stderr and "deleted and refused" in ran.stderr
    assert not list((tmp_path / "hf").rglob("model.safetensors"))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_offline_with_an_empty_cache_says_so(plugin_env, tmp_path, astronaut_png):
    env = {**plugin_env, "HF_HOME": str(tmp_path / "empty"), "HF_HUB_OFFLINE": "1"}
    ran = _colorzoo(env, "run", "hubtest-tag", astronaut_png, "-o", tmp_path / "out")
    assert ran.returncode == 1
    assert "no weights for hubtest-tag" in ran.stderr and "offline (HF_HUB_OFFLINE" in ran.stderr
    got = _colorzoo(env, "download", "hubtest-tag")
    assert got.returncode == 1 and "offline" in got.stderr
