"""`colorzoo publish` (the Hub client mocked below our calls: no Hub takes uploads here) and `colorzoo import`."""

import hashlib
from pathlib import Path

import pytest
import torch
from helpers import SilentServer
from huggingface_hub import HfApi
from test_zhang import _upstream_eccv16_shapes

from zoo_core import create_model
from zoo_core.color.quantize import ab_bins


@pytest.fixture
def sent(monkeypatch):
    """Record what would go to the Hub: repo creation, branches, and each upload's files and bytes.

    The Hub must look reachable (publish fails at once offline): a loopback port that accepts
    connections stands for it; no request reaches it.
    """
    calls = {"create_repo": [], "create_branch": [], "commits": []}
    silent = SilentServer()
    monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", silent.url)

    def create_repo(self, repo_id, **kwargs):
        calls["create_repo"].append((repo_id, kwargs))
        return f"https://hub.test/{repo_id}"

    def create_branch(self, repo_id, *, branch, **kwargs):
        calls["create_branch"].append((repo_id, branch))

    def upload_folder(self, *, repo_id, folder_path, revision=None, **kwargs):
        files = {p.name: p.read_bytes() for p in Path(folder_path).rglob("*") if p.is_file()}
        calls["commits"].append({"repo_id": repo_id, "revision": revision, "files": files})
        return type("Commit", (), {"commit_url": f"https://hub.test/{repo_id}/commit/abc"})()

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_branch", create_branch)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    with silent:
        yield calls


def test_publish_sends_weights_config_and_card(cli, sent, tmp_path):
    model_dir = tmp_path / "my-model"
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(model_dir)
    (model_dir / "checkpoint.pt").write_bytes(b"optimizer state: never published")
    (model_dir / "loss.png").write_bytes(b"png")
    result = cli("publish", model_dir, "--repo-id", "me/zhang-rebal-cats", "--revision", "v2", "--private")
    assert result.exit_code == 0, result.output
    assert sent["create_repo"] == [("me/zhang-rebal-cats", {"private": True, "exist_ok": True, "repo_type": "model"})]
    assert sent["create_branch"] == [("me/zhang-rebal-cats", "v2")]
    (commit,) = sent["commits"]
    assert commit["repo_id"] == "me/zhang-rebal-cats" and commit["revision"] == "v2"
    assert sorted(commit["files"]) == ["README.md", "config.json", "loss.png", "model.safetensors"]
    assert commit["files"]["model.safetensors"] == (model_dir / "model.safetensors").read_bytes()
    card = commit["files"]["README.md"].decode()
    assert card.startswith("---\n") and "library_name: colorzoo" in card and "# zhang-rebal" in card
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    assert digest in result.output  # ready to paste into a HubWeights declaration


def test_publish_refuses_a_directory_without_weights(cli, sent, tmp_path):
    result = cli("publish", tmp_path, "--repo-id", "me/x")
    assert result.exit_code == 1 and "no such weights file" in result.output
    assert sent["create_repo"] == [] and sent["commits"] == []


def _upstream_state_dict() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    state = {k: torch.randn(shape, generator=gen) * 0.05 for k, shape in _upstream_eccv16_shapes().items()}
    for key in [k for k in state if k.endswith("num_batches_tracked")]:
        del state[key]  # the release has none of these
    for key in [k for k in state if k.endswith("running_var")]:
        state[key] = state[key].abs() + 1
    state["model_out.weight"] = (ab_bins() / 110).T[:, :, None, None].clone()
    return state


def test_import_upstream_weights_then_run(cli, tmp_path, astronaut_png):
    pth = tmp_path / "colorization_release_v2-9b330a0b.pth"
    torch.save(_upstream_state_dict(), pth)
    result = cli("import", "zhang-rebal", pth, "-o", tmp_path / "imported")
    assert result.exit_code == 0, result.output
    assert "not a declared release" in result.output  # same name, different bytes
    assert sorted(p.name for p in (tmp_path / "imported").iterdir()) == ["README.md", "config.json",
                                                                           "model.safetensors"]
    model = create_model("zhang-rebal", weights=tmp_path / "imported")
    assert torch.equal(model.model3[4].weight, _upstream_state_dict()["model3.4.weight"])
    ran = cli("run", "zhang-rebal", astronaut_png, "--weights", tmp_path / "imported", "-o", tmp_path / "out")
    assert ran.exit_code == 0, ran.output


def test_import_refuses_what_is_not_those_weights(cli, tmp_path):
    bad_shape = _upstream_state_dict()
    bad_shape["model1.0.weight"] = torch.zeros(32, 1, 3, 3)
    torch.save(bad_shape, tmp_path / "shape.pth")
    result = cli("import", "zhang-rebal", tmp_path / "shape.pth", "-o", tmp_path / "a")
    assert result.exit_code == 1 and "model1.0.weight is (32, 1, 3, 3)" in result.output

    shuffled = _upstream_state_dict()
    shuffled["model_out.weight"] = shuffled["model_out.weight"].flip(1)
    torch.save(shuffled, tmp_path / "order.pth")
    result = cli("import", "zhang-rebal", tmp_path / "order.pth", "-o", tmp_path / "b")
    assert result.exit_code == 1 and "bin centers" in result.output

    (tmp_path / "text.pth").write_text("not a checkpoint")
    result = cli("import", "zhang-rebal", tmp_path / "text.pth", "-o", tmp_path / "c")
    assert result.exit_code == 1 and "not a PyTorch checkpoint" in result.output

    class Payload:
        def __reduce__(self):
            return (print, ("pickled code ran",))

    torch.save({"model1.0.weight": Payload()}, tmp_path / "evil.pth")
    result = cli("import", "zhang-rebal", tmp_path / "evil.pth", "-o", tmp_path / "d")
    assert result.exit_code == 1 and "plain weights" in result.output and "pickled code ran" not in result.output
    assert "weights_only=False" not in result.output  # torch's advice to run the pickle is not passed on
    assert not any((tmp_path / d).exists() for d in "abcd")

    (tmp_path / "folder.pth").mkdir()
    result = cli("import", "zhang-rebal", tmp_path / "folder.pth", "-o", tmp_path / "e")
    assert result.exit_code == 1 and "is a directory" in result.output
