"""``colorzoo run --engine ray`` on a local Ray (2 CPUs, no dashboard), one session for the module.

Over a folder of 100+ photos made here (gray and color, PNG and JPEG, 16-bit, alpha, a subfolder)
and three bad files: outputs byte-identical to the local engine's, bad files in the report and the
manifest without stopping the run, outputs already there skipped (and replaced with --overwrite),
an actor killed mid-run (every output still written exactly once), a driver interrupted (Ctrl-C,
then SIGKILL) and the run resumed doing only what was left, lists of paths and file:// URIs.
The actor is killed through the engine's test-only switch (``COLORZOO_TEST_KILL_ACTOR=N:MARKER``,
``engine.KILL_SWITCH``): the first actor past N batches calls ``ray.kill`` on itself, once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from zoo_core import create_model
from zoo_core.render.batch import colorize_files

ray = pytest.importorskip("ray", reason='Ray is not installed here: pip install "colorzoo[ray]" to run these tests')

from zoo_core.distributed.engine import KILL_SWITCH, colorize_files_ray  # noqa: E402
from zoo_core.distributed.manifest import MANIFEST_NAME, read_lines  # noqa: E402
from zoo_core.distributed.storage import list_inputs  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]  # one Ray for the module's tests

BIN = Path(sys.executable).parent
GOOD, BAD = 104, ("broken.jpg", "notes.png", "empty.jpg")


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """104 small photos of every kind colorzoo reads, in a folder and a subfolder, and 3 bad files."""
    root = tmp_path_factory.mktemp("archive") / "in"
    (root / "sub").mkdir(parents=True)
    sources = [np.asarray(getattr(data, name)()) for name in ("astronaut", "coffee", "chelsea", "rocket", "camera")]
    rng = np.random.default_rng(0)
    for i in range(GOOD):
        image = Image.fromarray(sources[i % 5]).resize((24 + i % 29, 20 + (7 * i) % 23))
        folder = root / "sub" if i % 10 == 0 else root
        if i % 3 == 0:
            image = image.convert("L")
        if i == 1:
            image.putalpha(Image.fromarray(rng.integers(0, 256, image.size[::-1], dtype=np.uint8)))
        if i == 2:  # 16-bit gray: its pixels are not 8-bit values, they travel as float32
            wide = (np.asarray(image.convert("L"), dtype=np.uint16) * 257 + rng.integers(0, 200, image.size[::-1]))
            image = Image.fromarray(wide.astype(np.uint16))
        image.save(folder / f"p{i:03d}.{'jpg' if i % 4 == 3 and i not in (1, 2) else 'png'}")
    (root / "broken.jpg").write_bytes((root / "p003.jpg").read_bytes()[:200])
    (root / "notes.png").write_text("not an image")
    (root / "empty.jpg").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def tiny_local(photos, weights_dir, tmp_path_factory) -> dict[str, bytes]:
    """The local engine's outputs with the tiny random model, batch 2: file name -> bytes."""
    out = tmp_path_factory.mktemp("local-tiny")
    model = create_model("zhang-rebal", weights=weights_dir)
    report = _local(model, list_inputs([photos]).files, out, batch_size=2)
    assert len(report.written) == GOOD and len(report.failures) == len(BAD)
    return _outputs(out)


def _local(model, files, out, batch_size):
    """The local engine with one thread, as a Ray worker with one CPU runs: EfficientNet's arithmetic (and
    even the tiny ECCV16's, for one pixel of 104 photos) depends on the thread count on oneDNN."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return colorize_files(model, files, out, batch_size=batch_size)
    finally:
        torch.set_num_threads(threads)


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME}


def _run_ray(files, out, weights_dir, **options):
    return colorize_files_ray("zhang-rebal", files, out, weights=weights_dir, **options)


def test_outputs_are_the_local_engines_bad_files_reported_existing_skipped(ray_session, photos, tmp_path):
    """zhang-rebal-lite's EfficientNet computes differently in a batch of 4 than alone (one pixel in a few
    photos, by one level): identical bytes mean that Ray grouped the photos into forward passes exactly
    as the local engine did."""
    found = list_inputs([photos])
    files = found.files  # each with the folder it was found under: outputs mirror the tree
    assert len(files) == GOOD + len(BAD) and not found.failures
    local = tmp_path / "local"
    local_report = _local(create_model("zhang-rebal-lite", pretrained=True), files, local, batch_size=4)
    out = tmp_path / "ray"
    report = colorize_files_ray("zhang-rebal-lite", files, out, batch_size=4, workers=1)
    assert not report.interrupted and len(report.written) == GOOD and not report.skipped
    assert _outputs(out) == _outputs(local)  # byte for byte, names included
    assert sorted(f.reason for f in report.failures) == sorted(f.reason for f in local_report.failures)
    assert {Path(f.path).name for f in report.failures} == set(BAD)

    assert (out / "sub" / "p010_zhang-rebal-lite.png").is_file()  # in/sub/p010.png: the tree mirrored
    lines = list(read_lines(out / MANIFEST_NAME))
    assert len(lines) == len(files) and {line["input"] for line in lines} == {str(f.path) for f in files}
    assert sum(line["status"] == "written" for line in lines) == GOOD
    failed = {Path(line["input"]).name: line["reason"] for line in lines if line["status"] == "failed"}
    assert set(failed) == set(BAD) and "empty file (0 bytes)" in failed["empty.jpg"]
    for line in lines:
        if line["status"] == "written":
            assert Path(line["output"]).is_file()

    (out / "p004_zhang-rebal-lite.png").unlink()
    again = colorize_files_ray("zhang-rebal-lite", files, out, batch_size=4)
    assert [p.name for p in again.written] == ["p004_zhang-rebal-lite.png"] and len(again.skipped) == GOOD - 1
    assert _outputs(out) == _outputs(local)
    lines = list(read_lines(out / MANIFEST_NAME))
    assert sum(line["status"] == "written" for line in lines) == GOOD + 1  # p004 twice: it was deleted
    assert not [line for line in lines if line["status"] == "skipped"]  # the manifest knew they were written

    stale = out / "sub" / "p000_zhang-rebal-lite.png"
    stale.write_bytes(b"old")
    sub_p000 = next(f for f in files if f.path == photos / "sub" / "p000.png")
    replaced = colorize_files_ray("zhang-rebal-lite", [sub_p000], out, overwrite=True)
    assert len(replaced.written) == 1 and stale.read_bytes() == (local / "sub" / stale.name).read_bytes()


def test_an_actor_killed_mid_run_every_output_once(ray_session, photos, weights_dir, tiny_local, tmp_path,
                                                    monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setenv(KILL_SWITCH, f"3:{marker}")
    files = list_inputs([photos]).files
    out = tmp_path / "out"
    report = _run_ray(files, out, weights_dir, batch_size=2)
    assert marker.exists()  # the actor did kill itself in its 4th batch; Ray restarted it and retried
    assert len(report.written) == GOOD and len(report.failures) == len(BAD)
    assert not report.skipped  # nothing found written already: nothing written twice
    assert _outputs(out) == tiny_local and not list(out.glob(".*.tmp"))
    lines = list(read_lines(out / MANIFEST_NAME))
    assert sorted(line["input"] for line in lines) == sorted(str(f.path) for f in files)  # one line per input


@pytest.fixture(scope="module")
def many(tmp_path_factory, weights_dir) -> tuple[Path, bytes]:
    """300 links to one 160-pixel photo (a run long enough to stop in the middle) and the 3 bad files;
    and the local engine's output for that photo."""
    root = tmp_path_factory.mktemp("many") / "in"
    root.mkdir()
    Image.fromarray(data.astronaut()).convert("L").resize((160, 160)).save(root / "p0000.jpg", quality=90)
    for i in range(1, 300):
        os.link(root / "p0000.jpg", root / f"p{i:04d}.jpg")
    (root / "broken.jpg").write_bytes((root / "p0000.jpg").read_bytes()[:300])
    (root / "notes.png").write_text("not an image")
    (root / "empty.jpg").write_bytes(b"")
    out = tmp_path_factory.mktemp("many-local")
    _local(create_model("zhang-rebal", weights=weights_dir), [root / "p0000.jpg"], out, batch_size=1)
    return root, (out / "p0000_zhang-rebal.jpg").read_bytes()


def _written_lines(out: Path, run: str | None = None) -> list[dict]:
    return [line for line in read_lines(out / MANIFEST_NAME) if line["status"] == "written"
            and (run is None or line["run"] == run)]


def _wait_for_records(out: Path, count: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Until the driver has recorded ``count`` more outputs (it hears of them a block at a time)."""
    before = len(_written_lines(out)) if out.is_dir() else 0
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if out.is_dir() and len(_written_lines(out)) >= before + count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the run ended or stalled before {count} outputs: {proc.communicate()}")


def _wait_until_ray_is_idle(timeout: float = 120) -> None:
    """A dead driver's workers are killed by Ray; their CPUs come back when they are gone."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ray.available_resources().get("CPU", 0) >= 2:
            time.sleep(1.0)
            return
        time.sleep(0.2)
    raise AssertionError(f"Ray still busy: {ray.available_resources()}")


def _complete_outputs(out: Path, reference: bytes) -> set[str]:
    """Every file under a final name is whole: the local engine's very bytes."""
    names = set()
    for path in out.glob("*_zhang-rebal.jpg"):
        assert path.read_bytes() == reference, path
        names.add(path.name)
    return names


def test_a_driver_interrupted_then_killed_then_resumed(ray_session, many, weights_dir, tmp_path):
    photos, reference = many
    out = tmp_path / "out"
    command = [str(BIN / "colorzoo"), "run", "zhang-rebal", str(photos), "--weights", str(weights_dir), "-o", str(out),
               "--engine", "ray", "--address", ray_session]

    def start() -> subprocess.Popen:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    first = start()  # Ctrl-C: the driver stops the pipeline, says what it wrote, exits 130
    _wait_for_records(out, 16, first)
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "Traceback" not in stderr
    recorded = _written_lines(out)
    assert f"interrupted: {len(recorded)} written to {out}" in stdout  # what it says is what it recorded
    _wait_until_ray_is_idle()
    after_first = _complete_outputs(out, reference)
    assert 16 <= len(after_first) < 300 and {Path(line["output"]).name for line in recorded} <= after_first

    second = start()  # SIGKILL: no goodbye; Ray kills the job's workers, maybe in the middle of a write
    _wait_for_records(out, 16, second)
    second.kill()
    second.communicate(timeout=60)
    _wait_until_ray_is_idle()
    after_second = _complete_outputs(out, reference)
    assert len(after_first) + 16 <= len(after_second) < 300

    files = list_inputs([photos]).files
    report = _run_ray(files, out, weights_dir)
    assert sorted(p.name for p in report.written) == sorted({f"p{i:04d}_zhang-rebal.jpg" for i in range(300)}
                                                            - after_second)  # only what was left
    assert len(report.skipped) == len(after_second) and len(report.failures) == len(BAD)
    assert len(_complete_outputs(out, reference)) == 300 and not list(out.glob(".*.tmp"))

    lines = list(read_lines(out / MANIFEST_NAME))
    assert len({line["run"] for line in lines}) == 3
    written = [line["output"] for line in lines if line["status"] == "written"]
    assert len(set(written)) == len(written)  # no output recorded as written twice
    last = {line["input"]: line for line in lines}
    assert set(last) == {str(f.path) for f in files}  # every input has a record, its last line says where it stands
    assert {k for k, v in last.items() if v["status"] == "failed"} == {str(photos / name) for name in BAD}
    for line in last.values():  # outputs written after the driver stopped listening: found, recorded as such
        assert line["status"] in ("written", "failed") or "already present" in line["reason"]


def test_a_list_of_paths_and_file_uris_in_and_out(ray_session, photos, weights_dir, tiny_local, tmp_path):
    listing = tmp_path / "todo.txt"
    names = ["p005.png", "p006.png", "p007.jpg", "notes.png"]
    rel = os.path.relpath(photos, tmp_path)
    listing.write_text("# photos to do\n" + "\n".join(f"{rel}/{n}" for n in names[:2]) + "\n\n"
                       + "\n".join(f"file://{photos / n}" for n in names[2:]) + "\n")
    found = list_inputs([listing, f"file://{photos}/sub", "file:///nowhere/at/all"])
    files, failures = found.files, found.failures
    assert len(files) == 4 + 11 and [f.reason for f in failures] == ["file:///nowhere/at/all: no such file or folder"]
    out = f"file://{tmp_path}/bucket/out"
    model = create_model("zhang-rebal", weights=weights_dir)  # a loaded model: saved for the workers
    report = colorize_files_ray(model, files, out, batch_size=2, listing_failures=failures)
    assert len(report.written) == 3 + 11 and len(report.failures) == 2
    assert "file://" in report.failures[1].reason and "not an image file" in report.failures[1].reason
    written = _outputs(tmp_path / "bucket" / "out")
    assert written == {name: tiny_local[name] for name in written} and len(written) == 14
    lines = list(read_lines(tmp_path / "bucket" / "out" / MANIFEST_NAME))  # uploaded at the end
    assert len(lines) == 16 and sum(line["status"] == "written" for line in lines) == 14
    assert any(line["input"].startswith("file:///") and line["status"] == "written" for line in lines)

    again = _run_ray(files, out, weights_dir)
    assert not again.written and len(again.skipped) == 14


def test_clips_left_out_with_a_note_and_a_rerun_skips(ray_session, cli, photos, weights_dir, tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"not looked at")
    out = tmp_path / "out"
    result = cli("run", "zhang-rebal", photos / "p005.png", tmp_path / "clip.mp4", "--weights", weights_dir, "-o", out,
                 "--engine", "ray")
    text = " ".join(result.output.split())
    assert result.exit_code == 0, text
    assert "left out 1 video clips: the ray engine colorizes photos" in text
    assert f"1 written to {out}, 0 failed in " in text and "images/s" in text
    again = cli("run", "zhang-rebal", photos / "p005.png", "--weights", weights_dir, "-o", out, "--engine", "ray")
    assert again.exit_code == 0 and f"0 written to {out}, 1 skipped" in " ".join(again.output.split())


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="needs a machine without Apple MPS")
def test_a_worker_that_cannot_start_is_one_line(ray_session, photos, weights_dir, tmp_path):
    from zoo_core.errors import ColorzooError

    with pytest.raises(ColorzooError, match=r"^the Ray run stopped: a worker: device mps requested, but Apple MPS"):
        _run_ray([photos / "p005.png"], tmp_path, weights_dir, device="mps")


def test_the_cli_checks_options_before_ray_starts(cli, weights_dir, astronaut_png, tmp_path):
    base = ["run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", tmp_path / "out"]
    for extra, message in [
        (["--workers", "2"], "--workers: only with --engine ray"),
        (["--engine", "spark"], "--engine 'spark': use local or ray"),
        (["--engine", "ray", "--device", "cuda"], "needs --gpus-per-worker"),
        (["--engine", "ray", "-c", "temprature=1"], "did you mean temperature"),
        (["--engine", "ray", "--format", "gif"], "--format 'gif'"),
    ]:
        result = cli(*base, *extra)
        assert result.exit_code == 1 and message in " ".join(result.output.split()), (extra, result.output)
    assert not (tmp_path / "out").exists()


def test_without_ray_the_engine_is_one_line_naming_the_extra(weights_dir, astronaut_png, tmp_path):
    code = ("import sys; sys.modules['ray'] = None; from zoo_core.cli import main; sys.argv = ['colorzoo', 'run', "
            f"'zhang-rebal', {str(astronaut_png)!r}, '--engine', 'ray', '-o', {str(tmp_path)!r}]; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == 'error: the ray engine needs Ray: pip install "colorzoo[ray]"'


def test_a_local_ray_too_small_for_the_workers_is_refused(weights_dir, astronaut_png, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    workers = str((os.cpu_count() or 2) + 1)
    result = subprocess.run([str(BIN / "colorzoo"), "run", "zhang-rebal", str(astronaut_png), "--weights",
                             str(weights_dir), "-o", str(tmp_path), "--engine", "ray", "--workers", workers],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1, result.stderr
    assert "leave no CPU" in result.stderr and "Traceback" not in result.stderr


def test_the_manifest_survives_a_line_cut_short(tmp_path):
    from zoo_core.distributed.manifest import Manifest

    path = tmp_path / MANIFEST_NAME
    with Manifest(path, run="a") as manifest:
        manifest.record("x.png", "out/x_m.png", "written")
    with open(path, "a") as handle:
        handle.write('{"input": "y.png", "outp')  # the driver was killed mid-line
    with Manifest(path, run="b") as manifest:
        assert manifest.written_before == {"out/x_m.png"}
        manifest.skip("x.png", "out/x_m.png")  # known: no line
        manifest.record("y.png", "out/y_m.png", "failed", "y.png: bad")
    assert [json.loads(line)["input"] for line in path.read_text().splitlines()] == ["x.png", "y.png"]
