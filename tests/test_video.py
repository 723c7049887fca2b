"""Video: ``colorzoo run`` on clips (round trip, cuts, flicker, memory, bad files, interruption), and
``eval``/``compare`` on color clips. Clips are made here from scikit-image photos."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from video_toys import ToyColorizer, ToyConfig, brightness_scenes, photos

from zoo_core.color.lab import rgb_to_lab
from zoo_core.video import synthetic
from zoo_core.video.colorize import VideoOptions, colorize_video
from zoo_core.video.metrics import CDCMeter, js_divergence, rgb_histograms

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def _decode(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Frames (coded orientation) and their times in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames, times = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.pts * stream.time_base))
    return frames, times


def _lightness(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255)[0].numpy()


def _mean_ab(rgb: np.ndarray) -> np.ndarray:
    return rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255)[1:].mean(dim=(1, 2)).numpy()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """Three shots (pan, pan, zoom) with hard cuts, a variable frame rate, a rotation tag and audio."""
    frames = list(synthetic.shots(photos(), 12, (48, 64)))
    timestamps = np.cumsum([0] + [40 if i % 3 else 67 for i in range(len(frames) - 1)]).tolist()  # ms
    path = tmp_path_factory.mktemp("clips") / "walk.mp4"
    return synthetic.write_clip(path, frames, 25, timestamps=timestamps, time_base=Fraction(1, 1000), rotation=90,
                                audio_seconds=1.6)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("short") / "short.mp4"
    return synthetic.write_clip(path, synthetic.shot(photos()[1], "pan-left", 6, (32, 48)), 25)


# -- round trip -------------------------------------------------------------------------------------


def test_run_keeps_frames_timestamps_size_rotation_audio_and_lightness(cli, weights_dir, clip, tmp_path):
    result = cli("run", "zhang-rebal", clip, "--weights", weights_dir, "-o", tmp_path / "out", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert "1 written" in result.output and "frames/s" in result.output
    out = tmp_path / "out" / "walk_zhang-rebal.mp4"
    before, times_before = _decode(clip)
    after, times_after = _decode(out)
    assert len(after) == len(before) == 36
    assert np.allclose(times_after, times_before, atol=1e-3)  # a variable frame rate survives
    assert after[0].shape == before[0].shape == (48, 64, 3)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert next(container.decode(stream)).rotation == 90
        assert abs(container.duration - av.open(str(clip)).duration) <= 50_000  # microseconds
    with av.open(str(clip)) as a, av.open(str(out)) as b:  # audio copied, not re-encoded: the same bytes
        packets = [[bytes(p) for p in c.demux(c.streams.audio[0]) if p.size] for c in (a, b)]
        assert packets[0] and packets[0] == packets[1]
    # the output keeps the input's own lightness (up to H.264 at CRF 18), while it gained color
    differences = [np.abs(_lightness(x) - _lightness(y)).mean() for x, y in zip(before, after, strict=True)]
    assert max(differences) < 2.0
    assert np.mean([np.abs(_mean_ab(f)).sum() for f in after]) > 0.5


def test_any_container_and_subtitles_are_copied_where_the_container_holds_them(cli, weights_dir, tmp_path):
    frames = list(synthetic.shot(photos()[0], "pan-right", 10, (32, 48)))
    avi = synthetic.write_clip(tmp_path / "old.avi", frames, 10, codec="mpeg4")
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nhello\n\n2\n00:00:00,500 --> 00:00:00,900\nworld\n")
    plain = synthetic.write_clip(tmp_path / "plain.mkv", frames, 10)
    mkv = tmp_path / "film.mkv"
    with av.open(str(plain)) as video, av.open(str(srt)) as subs, av.open(str(mkv), "w") as out:
        picture = out.add_stream_from_template(video.streams.video[0])
        sub = out.add_stream_from_template(subs.streams[0])
        for packet in video.demux(video.streams.video[0]):
            if packet.size:
                packet.stream = picture
                out.mux(packet)
        for packet in subs.demux(subs.streams[0]):
            if packet.size:
                packet.stream = sub
                out.mux(packet)
    result = cli("run", "zhang-rebal", avi, mkv, "--weights", weights_dir, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(_decode(tmp_path / "out" / "old_zhang-rebal.mp4")[0]) == 10  # msmpeg-era avi in, mp4 out
    with av.open(str(tmp_path / "out" / "film_zhang-rebal.mkv")) as container:
        assert [s.type for s in container.streams] == ["video", "subtitle"]
        texts = [bytes(p) for p in container.demux(container.streams.subtitles[0]) if p.size]
    assert texts == [b"hello", b"world"]


def test_photos_and_videos_mix_in_one_run(cli, weights_dir, short_clip, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.link(short_clip, folder / "walk.mp4")
    from PIL import Image

    Image.fromarray(photos()[0]).save(folder / "astronaut.png")
    result = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "-o", tmp_path / "out", "--no-stabilize")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["astronaut_zhang-rebal.png",
                                                                     "walk_zhang-rebal.mp4"]
    assert "2 written" in result.output
    # a rerun into the input folder: the clip's output carries colorzoo's marker and is not colorized again
    again = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "--no-stabilize", "-o", folder)
    assert again.exit_code == 0 and "2 written" in again.output, again.output
    third = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "--no-stabilize", "-o", folder)
    assert third.exit_code == 0 and "left out 2 earlier colorzoo outputs" in third.output, third.output
    assert not list(folder.glob("*_zhang-rebal_zhang-rebal*"))


def test_video_options_are_checked_before_any_work(cli, weights_dir, clip, tmp_path):
    for args, message in [(["--video-codec", "divx"], "--video-codec 'divx': use one of auto, h264"),
                          (["--video-quality", "60"], "video-quality")]:
        result = cli("run", "zhang-rebal", clip, "--weights", weights_dir, "-o", tmp_path / "out", *args)
        assert result.exit_code != 0 and message in " ".join(result.output.split())
        assert not (tmp_path / "out").exists()


def test_without_pyav_a_video_is_one_line_naming_the_extra(weights_dir, clip, tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["av"] = None  # as if PyAV were not installed
        from typer.testing import CliRunner
        from zoo_core.cli import app
        r = CliRunner().invoke(app, ["run", "zhang-rebal", {str(clip)!r}, "--weights", {str(weights_dir)!r},
                                     "-o", {str(tmp_path / "out")!r}])
        print(r.exit_code, r.output)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("1 "), result.stdout + result.stderr
    assert 'pip install "colorzoo[video]"' in result.stdout and "Traceback" not in result.stdout
    assert not (tmp_path / "out").exists()


def test_help_and_import_do_not_load_pyav_or_opencv():
    code = ("import sys; from typer.testing import CliRunner; from zoo_core.cli import app; import zoo_core.video;"
            "assert CliRunner().invoke(app, ['run', '--help']).exit_code == 0; print('av' in sys.modules, "
            "'cv2' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# -- stability ----------------------------------------------------------------------------------------


def test_a_cut_is_never_smeared(tmp_path):
    """Bright shot (the toy paints it red), hard cut, dark shot (green): the stabilized frames after the
    cut are the frame-by-frame ones, exactly (ffv1 is lossless), and carry no red."""
    clip = synthetic.write_clip(tmp_path / "cut.mp4", brightness_scenes(10), 25, crf=0)
    model = ToyColorizer()
    outputs = {}
    for stabilize in (True, False):
        options = VideoOptions(stabilize=stabilize, codec="ffv1")
        target = tmp_path / f"{stabilize}.mkv"
        result = colorize_video(model, clip, target, options=options, batch_size=3)
        outputs[stabilize] = _decode(target)[0]
        if stabilize:
            assert result.cuts == [0, 10]
    stable, plain = outputs[True], outputs[False]
    assert _mean_ab(plain[9])[0] > 15 and _mean_ab(plain[10])[0] < -5  # red before the cut, green after
    assert np.array_equal(stable[10], plain[10])  # the first frame of the new shot: nothing carried
    for i in range(10, 13):
        assert _mean_ab(stable[i])[0] < -5 and abs(_mean_ab(stable[i])[0] - _mean_ab(plain[i])[0]) < 1.0


def test_flicker_is_cut_by_more_than_half(tmp_path):
    """A colorizer whose whole-frame color jumps from frame to frame (the flicker image colorizers show),
    measured as ``eval`` does: warp error and CDC fall."""
    from zoo_core.evaluation.evaluate import Contender
    from zoo_core.evaluation.video import evaluate_videos

    frames = list(synthetic.shots(photos(), 10, (48, 64)))
    clip = synthetic.write_clip(tmp_path / "pans.mp4", frames, 25, crf=4)
    toy = Contender("toy", ToyColorizer(ToyConfig(flicker=6.0)))
    result = evaluate_videos([toy], [clip], size=48)
    rows = {row["model"]: row for row in result.rows}
    plain, stable = rows["toy frame by frame"], rows["toy stabilized"]
    assert plain["warp_excess"] > 2.0  # the flicker is there to be cut
    assert stable["warp_excess"] <= 0.5 * plain["warp_excess"]
    assert stable["cdc"] < plain["cdc"]
    assert result.clips[0].cuts["toy"] == [0, 10, 20]


def test_the_bundled_model_flickers_less_on_a_real_photo_clip(tmp_path):
    """zhang-rebal-lite (bundled weights) on pans and a zoom over real photos, with two hard cuts."""
    from zoo_core import create_model
    from zoo_core.evaluation.evaluate import Contender
    from zoo_core.evaluation.video import evaluate_videos

    clip = synthetic.write_clip(tmp_path / "photos.mp4", synthetic.shots(photos(), 8, (72, 96)), 25, crf=4)
    model = create_model("zhang-rebal-lite", pretrained=True)
    result = evaluate_videos([Contender("lite", model)], [clip], size=72, batch_size=8)
    rows = {row["model"]: row for row in result.rows}
    plain, stable = rows["lite frame by frame"], rows["lite stabilized"]
    assert stable["warp_excess"] <= 0.5 * plain["warp_excess"] and stable["cdc"] < plain["cdc"]
    assert stable["auc"] >= plain["auc"] - 0.2
    assert result.clips[0].cuts["lite"] == [0, 8, 16]


# -- metrics ------------------------------------------------------------------------------------------


def test_cdc_is_tcvc_jensen_shannon_over_rgb_histograms():
    from scipy.spatial.distance import jensenshannon

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (20, 30, 3), dtype=np.uint8) // (k + 1) for k in range(7)]
    hists = [rgb_histograms(f) for f in frames]
    expected = np.mean([np.mean([np.mean([jensenshannon(hists[i][c], hists[i + d][c]) ** 2 for c in range(3)])
                                 for i in range(len(frames) - d)]) for d in (1, 2, 4)])
    meter = CDCMeter()
    for f in frames:
        meter.add(f)
    assert meter.value == pytest.approx(expected, rel=1e-9)
    assert js_divergence(hists[0], hists[0]).max() == 0.0
    still = CDCMeter()
    for _ in range(5):
        still.add(frames[0])
    assert still.value == 0.0


# -- bad files, memory, interruption ---------------------------------------------------------------


def test_broken_truncated_and_unsupported_files_are_one_line_each(cli, weights_dir, short_clip, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "noise.mp4").write_bytes(os.urandom(5000))
    data = short_clip.read_bytes()
    (folder / "half.mp4").write_bytes(data[: len(data) // 2])
    frames = list(synthetic.shot(photos()[0], "pan-right", 16, (32, 48)))
    whole = synthetic.write_clip(tmp_path / "whole.mkv", frames, 10).read_bytes()
    (folder / "cut.mkv").write_bytes(whole[: len(whole) // 2])
    with av.open(str(folder / "sound.mp4"), "w") as out:  # audio only
        stream = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    os.link(short_clip, folder / "good.mp4")
    result = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "-o", tmp_path / "out")
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert len(failed) == 4, result.output
    for name, why in [("noise.mp4", "cannot be read as a video"), ("half.mp4", "cannot be read as a video"),
                      ("cut.mkv", "truncated"), ("sound.mp4", "has no video stream")]:
        assert any(name in line and why in line for line in failed), (name, failed)
    assert "1 written" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good_zhang-rebal.mp4"]


_MEMORY = """
import sys, torch
sys.path.insert(0, {tests!r})
from video_toys import ToyColorizer
from zoo_core.video.colorize import colorize_video
torch.set_num_threads(1)  # tiny tensors: threads only add waiting on a busy machine
resident = {{}}
def sample(n, done=[0]):
    done[0] += n
    resident[done[0]] = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
result = colorize_video(ToyColorizer(), sys.argv[1], sys.argv[2], batch_size=8, on_frames=sample)
print(result.frames, resident[240], resident[result.frames])
"""


def test_memory_is_bounded_by_the_batch_not_the_clip(tmp_path):
    """2,400 frames of 64x48 are 22 MB as uint8 (88 MB as float): the resident memory after 240 frames and
    after all 2,400 (stabilized, encoded, audio-less mp4) differ by far less than that."""
    frames = list(synthetic.shot(photos()[2], "zoom-in", 50, (48, 64)))
    clip = synthetic.write_clip(tmp_path / "long.mp4", (frames[i % 50] for i in range(2400)), 25, crf=30)
    script = _MEMORY.format(tests=str(Path(__file__).parent))
    run = subprocess.run([sys.executable, "-c", script, str(clip), str(tmp_path / "out.mp4")], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    count, early, late = run.stdout.split()
    assert int(count) == 2400
    assert float(late) - float(early) < 6, (early, late)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    frames = list(synthetic.shot(photos()[0], "pan-right", 60, (48, 64)))
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    return synthetic.write_clip(path, (frames[i % 60] for i in range(3000)), 25, crf=30)


def _start_and_wait_for_temp(weights_dir: Path, clip: Path, out: Path) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "colorzoo"), "run", "zhang-rebal", str(clip), "--weights", str(weights_dir),
                             "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    deadline = time.time() + 300
    while time.time() < deadline and not (out.exists() and list(out.glob(".long_zhang-rebal.mp4.*.tmp"))):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)  # some frames in
    return proc


def test_ctrl_c_leaves_nothing_under_the_final_name(weights_dir, long_clip, tmp_path):
    out = tmp_path / "out"
    proc = _start_and_wait_for_temp(weights_dir, long_clip, out)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    assert "interrupted: 0 written" in stdout and "Traceback" not in stderr
    assert list(out.iterdir()) == []


def test_a_killed_run_leaves_only_a_temporary_file_the_next_run_removes(weights_dir, long_clip, tmp_path, cli):
    out = tmp_path / "out"
    proc = _start_and_wait_for_temp(weights_dir, long_clip, out)
    proc.kill()
    proc.wait(timeout=60)
    assert not (out / "long_zhang-rebal.mp4").exists()
    assert len(list(out.glob(".*.tmp"))) == 1
    short = synthetic.write_clip(tmp_path / "next.mp4", synthetic.shot(photos()[0], "pan-left", 4, (32, 48)), 25)
    result = cli("run", "zhang-rebal", short, "--weights", weights_dir, "-o", out)
    assert result.exit_code == 0 and "removed 1 temporary files" in result.output
    assert [p.name for p in out.iterdir()] == ["next_zhang-rebal.mp4"]


# -- eval and compare ----------------------------------------------------------------------------


def test_eval_and_compare_measure_color_clips_both_ways(cli, weights_dir, tmp_path):
    data = tmp_path / "clips"
    data.mkdir()
    synthetic.write_clip(data / "a.mp4", synthetic.shots(photos()[:2], 6, (48, 64)), 25, crf=4)
    result = cli("eval", weights_dir, "--data", data, "--size", "48", "--csv", tmp_path / "per_clip.csv")
    assert result.exit_code == 0, result.output
    for label in ("ground truth", "grayscale", "zhang-rebal frame by frame", "zhang-rebal stabilized"):
        assert label in result.output
    assert "warp - truth" in result.output and "CDC - truth" in result.output
    assert (tmp_path / "per_clip.csv").read_text().count("a.mp4") == 4
    report = tmp_path / "report"
    result = cli("compare", weights_dir, "--data", data, "-o", report, "--size", "48", "--limit", "8")
    assert result.exit_code == 0, result.output
    assert {"report.md", "metrics.json", "metrics.csv", "strip_a.png", "ab_a.png"} <= {p.name for p in
                                                                                          report.iterdir()}
    summary = json.loads((report / "metrics.json").read_text())["summary"]
    assert summary[0]["model"] == "ground truth" and summary[0]["frames"] == 8
    assert {"warp_error", "warp_excess", "cdc", "cdc_excess", "auc", "fps"} <= set(summary[-1])
