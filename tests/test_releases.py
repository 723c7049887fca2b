"""The authors' release files: download (loopback server), checks before unpickling, conversion, the
cache, resuming, mirrors, and falling back offline within seconds. Synthetic checkpoints in exactly
the released layouts stand in for the real files."""

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import ReleaseServer, SilentServer

from zoo_core import create_model
from zoo_core.plugins import manager as plugins

BIN = Path(sys.executable).parent
ECCV16 = "colorization_release_v2-9b330a0b.pth"
SIGGRAPH17 = "siggraph17-df00044c.pth"


def _checkpoint(model: str, **config) -> bytes:
    """A small model's weights in its release's layout, as the bytes of a .pth."""
    torch.manual_seed(0)
    state = create_model(model, **config).state_dict()
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}  # as the releases
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def releases():
    return {ECCV16: _checkpoint("zhang-rebal", width_mult=0.125), SIGGRAPH17: _checkpoint("zhang-siggraph17")}


@pytest.fixture
def zoo(monkeypatch, releases, tmp_path):
    """The real specs, with the release files' checksums and sizes of the synthetic ones."""
    zoo = plugins.Zoo().load_defaults().load_entry_points()
    for name, file, config in (("zhang-rebal", ECCV16, {"width_mult": 0.125}), ("zhang-siggraph17", SIGGRAPH17, {})):
        spec = zoo.models[name]
        paper = spec.weight_set("paper")
        data = releases[file]
        source = dataclasses.replace(paper.sources[0], sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        paper = dataclasses.replace(paper, sources=(source,), config=config)
        zoo.models[name] = dataclasses.replace(spec, weights=(paper, *spec.weights[1:]))
    monkeypatch.setattr(plugins, "_ZOO", zoo)
    monkeypatch.delenv("COLORZOO_OFFLINE", raising=False)
    monkeypatch.setenv("COLORZOO_HOME", str(tmp_path / "cache"))
    return zoo


def test_download_convert_run_then_the_cache_with_the_server_stopped(zoo, releases, cli, tmp_path, astronaut_png,
                                                                      monkeypatch):
    with ReleaseServer(releases) as server:
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        got = cli("download", "zhang-rebal")
        assert got.exit_code == 0, got.output
        assert "zhang-rebal.paper: downloaded" in got.output and "sha256 verified" in got.output
        assert server.requests == [(ECCV16, None)]  # the mirror serves the release's own file name
        again = cli("download", "zhang-rebal")  # idempotent: nothing fetched twice
        assert again.exit_code == 0 and len(server.requests) == 1
    converted = tmp_path / "cache" / "weights" / "zhang-rebal" / "paper"
    assert sorted(p.name for p in converted.iterdir()) == ["config.json", "model.safetensors", "source.json"]
    assert not list((tmp_path / "cache" / "downloads").iterdir())  # the pickle is gone once converted
    ran = cli("run", "zhang-rebal", astronaut_png, "-o", tmp_path / "out")
    assert ran.exit_code == 0, ran.output
    assert "weights: zhang-rebal.paper (cache, BSD-2-Clause)" in ran.output
    listed = " ".join(cli("cache", "list").output.split())
    assert "zhang-rebal.paper" in listed and hashlib.sha256(releases[ECCV16]).hexdigest()[:20] in listed
    model = create_model("zhang-rebal.paper")
    torch.manual_seed(0)
    reference = create_model("zhang-rebal", width_mult=0.125)
    assert torch.equal(model.model3[2].weight, reference.model3[2].weight)
    assert "removed" in cli("cache", "rm", "zhang-rebal.paper").output and not converted.exists()


def test_a_first_run_online_downloads_the_better_weights(zoo, releases, cli, tmp_path, astronaut_png, monkeypatch):
    with ReleaseServer(releases) as server:
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        ran = cli("run", "zhang-rebal", astronaut_png, "-o", tmp_path / "out")
    assert ran.exit_code == 0, ran.output
    assert "weights: zhang-rebal.paper (downloaded now, BSD-2-Clause)" in ran.output


def test_a_wrong_checksum_is_refused_before_anything_unpickles_it(zoo, cli, tmp_path, astronaut_png, monkeypatch):
    marker = tmp_path / "pickled-code-ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    buffer = io.BytesIO()
    torch.save({"model1.0.weight": Payload()}, buffer)
    evil = buffer.getvalue()
    declared = zoo.models["zhang-rebal"].weight_set("paper").sources[0]
    with ReleaseServer({ECCV16: evil}) as server:  # another size: refused before a byte is kept
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        got = cli("download", "zhang-rebal.paper")
        assert got.exit_code == 1 and f"offers {len(evil):,} bytes where the release has" in got.output
    with ReleaseServer({ECCV16: evil.ljust(declared.size, b"\0")}) as server:  # the right size, the wrong bytes
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        got = cli("download", "zhang-rebal.paper")
        assert got.exit_code == 1 and "does not match the declared" in got.output and "deleted" in got.output
        ran = cli("run", "zhang-rebal", astronaut_png, "-o", tmp_path / "out")  # falls back, and says why
    assert ran.exit_code == 0, ran.output
    text = " ".join(ran.output.split())
    assert "weights: zhang-rebal.compact (bundled, MIT)" in text and "does not match the declared" in text
    assert not marker.exists()
    assert not list((tmp_path / "cache" / "downloads").glob("*"))
    assert not (tmp_path / "cache" / "weights" / "zhang-rebal" / "paper").exists()


def test_an_interrupted_download_resumes(zoo, releases, cli, monkeypatch, tmp_path):
    data = releases[ECCV16]
    with ReleaseServer(releases) as server:
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        server.cut_after = len(data) // 4  # every answer stops a quarter of the file further on
        first = cli("download", "zhang-rebal")
        assert first.exit_code == 1 and "interrupted at" in first.output and "resume" in first.output
        part = tmp_path / "cache" / "downloads" / f"{ECCV16}.part"
        assert 0 < part.stat().st_size < len(data)
        server.cut_after = None
        second = cli("download", "zhang-rebal")
        assert second.exit_code == 0, second.output
        ranges = [r for _, r in server.requests if r]
        assert ranges and ranges[-1] == f"bytes={3 * (len(data) // 4)}-"  # continued, not restarted
    assert not part.exists()


def test_the_siggraph17_release(zoo, releases, cli, tmp_path, astronaut_png, monkeypatch):
    with ReleaseServer(releases) as server:
        monkeypatch.setenv("COLORZOO_MIRROR", server.url)
        got = cli("download", "zhang-siggraph17")
    assert got.exit_code == 0, got.output
    ran = cli("run", "zhang-siggraph17", astronaut_png, "-o", tmp_path / "out", "-c", "hint=100,100,#2255ee")
    assert ran.exit_code == 0 and "weights: zhang-siggraph17.paper (cache" in ran.output, ran.output


def _run_timed(env, photo, out):
    start = time.perf_counter()
    result = subprocess.run([str(BIN / "colorzoo"), "run", "zhang-rebal", str(photo), "-o", str(out)],
                            capture_output=True, text=True, env=env, timeout=300)
    return result, time.perf_counter() - start


def test_offline_falls_back_at_once_and_an_unanswering_host_within_seconds(tmp_path, astronaut_png):
    env = {**os.environ, "COLORZOO_HOME": str(tmp_path / "cache")}
    env.pop("COLORZOO_OFFLINE", None)
    baseline, base_seconds = _run_timed({**env, "COLORZOO_OFFLINE": "1"}, astronaut_png, tmp_path / "a")
    assert baseline.returncode == 0, baseline.stderr
    assert "weights: zhang-rebal.compact (bundled, MIT)" in baseline.stderr
    assert "offline: zhang-rebal.paper" in baseline.stderr and "colorzoo download zhang-rebal.paper" in baseline.stderr
    assert "best offline colors are zhang-rebal-lite's (`colorzoo run zhang-rebal-lite`)" in baseline.stderr
    with SilentServer() as silent:  # accepts the connection, never answers
        hung, hung_seconds = _run_timed({**env, "COLORZOO_MIRROR": silent.url}, astronaut_png, tmp_path / "b")
    assert hung.returncode == 0, hung.stderr
    assert "weights: zhang-rebal.compact" in hung.stderr and "could not be had" in hung.stderr
    assert hung_seconds - base_seconds < 3 * 3 + 2  # one connect timeout per attempt, never minutes
    with ReleaseServer({}) as server:  # reachable, but the file is not there: a clear reason
        missing, _ = _run_timed({**env, "COLORZOO_MIRROR": server.url}, astronaut_png, tmp_path / "c")
    assert missing.returncode == 0 and "404" in missing.stderr
