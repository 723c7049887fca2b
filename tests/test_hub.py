"""Weights from a Hub-compatible server on loopback (olah, offline mode, local git repos).

The server is started and stopped here, by PID, on a free port; the colorzoo commands run in
subprocesses with HF_ENDPOINT pointed at it and HF_HOME in a scratch directory.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch
from helpers import free_port, install_plugin

from zoo_core import create_model
from zoo_core.weights.download import sha256_of

BIN = Path(sys.executable).parent
HUBTEST = Path(__file__).parent / "hub_plugin"
REPO = "colorzoo-test/tiny-rebal"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}

pytestmark = pytest.mark.skipif(shutil.which("olah-cli", path=str(BIN)) is None, reason="olah (test extra) missing")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()  # fmt: skip


def _lfs_pointer(repo: Path, data: bytes) -> bytes:
    """Store ``data`` as a Git LFS object and return the pointer file's content."""
    import hashlib

    oid = hashlib.sha256(data).hexdigest()
    store = repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4]
    store.mkdir(parents=True, exist_ok=True)
    (store / oid).write_bytes(data)
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A Hub at http://127.0.0.1:PORT serving colorzoo-test/tiny-rebal (tag v1.0)."""
    root = tmp_path_factory.mktemp("hub")
    weights = root / "weights"
    torch.manual_seed(0)
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(weights)
    repo = root / "mirrors" / "models" / REPO
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    shutil.copy(weights / "config.json", repo / "config.json")
    (repo / "model.safetensors").write_bytes(_lfs_pointer(repo, (weights / "model.safetensors").read_bytes()))
    (repo / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
    (repo / "README.md").write_text("---\nlibrary_name: colorzoo\n---\n# tiny\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "weights")
    _git(repo, "tag", "v1.0")
    commit = _git(repo, "rev-parse", "HEAD")

    port = free_port()
    config = root / "olah.toml"
    config.write_text(
        f'[basic]\nhost = "127.0.0.1"\nport = {port}\nrepos-path = "{root / "cache"}"\n'
        f'mirrors-path = ["{root / "mirrors"}"]\nmirror-netloc = "127.0.0.1:{port}"\n'
        f'mirror-lfs-netloc = "127.0.0.1:{port}"\n[accessibility]\noffline = true\n'
    )
    (root / "logs").mkdir()
    server = subprocess.Popen([str(BIN / "olah-cli"), "-c", str(config), "--log-path", str(root / "logs")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/models/{REPO}/revision/main", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("olah did not start")
            time.sleep(0.2)
        yield {"url": url, "commit": commit, "weights": weights}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


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
                          timeout=300)  # fmt: skip


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
