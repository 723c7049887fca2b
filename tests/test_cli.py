"""`colorzoo run` end to end, as a user would call it."""

import io
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image
from skimage import data
from skimage.color import rgb2lab

from zoo_core import __version__


def _lightness(path):
    return rgb2lab(np.asarray(Image.open(path).convert("RGB")))[..., 0]


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_run_keeps_size_and_lightness(cli, tmp_path, weights_dir, astronaut_png):
    result = cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "astronaut_zhang-rebal.png"
    with Image.open(out) as img:
        assert img.size == (512, 512) and img.mode == "RGB"
    diff = np.abs(_lightness(out) - _lightness(astronaut_png))
    assert diff.mean() < 0.5 and np.percentile(diff, 99) < 1.0
    assert "1 written" in result.output


def test_color_input_is_converted_to_gray_first(cli, tmp_path, weights_dir):
    rgb = data.chelsea()
    Image.fromarray(rgb).save(tmp_path / "color.png")
    gray = (rgb2lab(rgb)[..., :1] * [1, 0, 0]).astype(np.float64)
    from skimage.color import lab2rgb

    Image.fromarray((lab2rgb(gray) * 255).round().astype(np.uint8)).save(tmp_path / "gray.png")
    result = cli(
        "run",
        "zhang-rebal",
        tmp_path / "color.png",
        tmp_path / "gray.png",
        "--weights",
        weights_dir,
        "-o",
        tmp_path / "out",
    )
    assert result.exit_code == 0, result.output
    a = np.asarray(Image.open(tmp_path / "out" / "color_zhang-rebal.png"), dtype=float)
    b = np.asarray(Image.open(tmp_path / "out" / "gray_zhang-rebal.png"), dtype=float)
    assert np.abs(a - b).mean() < 1.0  # the input's own colors play no part


def _bad_inputs(folder):
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.png").write_text("hello")
    buffer = io.BytesIO()
    Image.fromarray(data.coffee()).save(buffer, "JPEG")
    (folder / "cut.jpg").write_bytes(buffer.getvalue()[:5000])
    Image.new("1", (12_000, 8_000)).save(folder / "bomb.png")


def _special_inputs(folder):
    Image.new("L", (1, 1), 128).save(folder / "dot.png")
    ramp = np.tile(np.linspace(0, 65535, 64, dtype=np.uint16), (48, 1))
    Image.fromarray(ramp).save(folder / "deep.png")
    Image.fromarray(data.coffee()).convert("CMYK").save(folder / "cmyk.jpg")
    rgba = np.zeros((30, 40, 4), dtype=np.uint8)
    rgba[..., :3] = 120
    rgba[..., 3] = np.linspace(0, 255, 40, dtype=np.uint8)[None]
    Image.fromarray(rgba, "RGBA").save(folder / "alpha.png")
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(data.coffee()[:200, :300]).save(folder / "rotated.jpg", exif=exif.tobytes())


def test_batch_goes_on_past_bad_files_and_reports_them(cli, tmp_path, weights_dir):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _bad_inputs(inputs)
    _special_inputs(inputs)
    before = {p.name: p.read_bytes() for p in inputs.iterdir()}
    out = tmp_path / "out"
    result = cli("run", "zhang-rebal", inputs, "--weights", weights_dir, "-o", out, "--batch-size", "2")
    assert result.exit_code == 1
    for name, problem in [
        ("empty.png", "empty file"),
        ("text.png", "not an image"),
        ("cut.jpg", "truncated"),
        ("bomb.png", "over the limit"),
    ]:
        lines = [line for line in result.output.splitlines() if name in line]
        assert lines and problem in lines[0], result.output
    assert "5 written" in result.output and "4 failed" in result.output
    assert {p.name: p.read_bytes() for p in inputs.iterdir()} == before  # inputs untouched

    sizes = {p.name: Image.open(p).size for p in out.iterdir()}
    assert sizes == {
        "dot_zhang-rebal.png": (1, 1),
        "deep_zhang-rebal.png": (64, 48),
        "cmyk_zhang-rebal.jpg": (600, 400),  # JPEG in, JPEG out (--format same, the default)
        "alpha_zhang-rebal.png": (40, 30),
        "rotated_zhang-rebal.jpg": (200, 300),  # upright: EXIF said rotate 90 degrees
    }
    with Image.open(out / "alpha_zhang-rebal.png") as img:
        assert img.mode == "RGBA"
        assert np.array_equal(np.asarray(img)[..., 3], np.asarray(Image.open(inputs / "alpha.png"))[..., 3])
    ramp = rgb2lab(np.asarray(Image.open(out / "deep_zhang-rebal.png").convert("RGB")))[..., 0]
    truth = rgb2lab(np.repeat((np.linspace(0, 1, 64)[None, :, None]), 3, axis=2))[..., 0]
    assert np.abs(ramp - truth).max() < 1.0
    assert not list(out.glob(".*.tmp"))  # no temporary files left behind


def test_outputs_are_not_overwritten_and_inputs_never(cli, tmp_path, weights_dir, astronaut_png):
    shutil.copy(astronaut_png, tmp_path / "a.png")
    shutil.copy(astronaut_png, tmp_path / "a_zhang-rebal.png")  # an input named like a's output
    original = (tmp_path / "a_zhang-rebal.png").read_bytes()
    result = cli(
        "run",
        "zhang-rebal",
        tmp_path / "a.png",
        tmp_path / "a_zhang-rebal.png",
        "--weights",
        weights_dir,
        "-o",
        tmp_path,
        "--overwrite",
    )
    assert result.exit_code == 1
    assert "would replace an input" in result.output
    assert (tmp_path / "a_zhang-rebal.png").read_bytes() == original
    assert (tmp_path / "a_zhang-rebal_zhang-rebal.png").exists()

    out = tmp_path / "out"
    assert cli("run", "zhang-rebal", tmp_path / "a.png", "--weights", weights_dir, "-o", out).exit_code == 0
    (out / "a_zhang-rebal.png").write_bytes(b"keep me")
    again = cli("run", "zhang-rebal", tmp_path / "a.png", "--weights", weights_dir, "-o", out)
    assert again.exit_code == 0 and "1 skipped (already there; --overwrite to redo), 0 failed" in again.output
    assert (out / "a_zhang-rebal.png").read_bytes() == b"keep me"
    forced = cli("run", "zhang-rebal", tmp_path / "a.png", "--weights", weights_dir, "-o", out, "--overwrite")
    assert forced.exit_code == 0 and Image.open(out / "a_zhang-rebal.png").size == (512, 512)


def test_globs_and_missing_paths(cli, tmp_path, weights_dir, astronaut_png):
    for name in ("x1.png", "x2.png"):
        shutil.copy(astronaut_png, tmp_path / name)
    result = cli(
        "run",
        "zhang-rebal",
        str(tmp_path / "x*.png"),
        tmp_path / "missing.png",
        "--weights",
        weights_dir,
        "-o",
        tmp_path / "out",
    )
    assert result.exit_code == 1
    assert "missing.png: no such file" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x1_zhang-rebal.png", "x2_zhang-rebal.png"]


def test_no_weights_is_a_clear_refusal(cli, tmp_path, astronaut_png):
    result = cli("run", "zhang-onehot", astronaut_png, "-o", tmp_path)  # ships no weights
    assert result.exit_code == 1
    assert "no weights for zhang-onehot" in result.output and "--weights" in result.output
    assert not list(tmp_path.iterdir())


def test_unknown_model(cli, tmp_path, weights_dir, astronaut_png):
    result = cli("run", "zhang-rebl", astronaut_png)
    assert result.exit_code == 1 and "did you mean zhang-rebal" in result.output  # devices: test_hardening


def test_temperature_changes_saturation(cli, tmp_path, weights_dir, astronaut_png):
    chroma = {}
    for t in ("1.0", "0.05"):
        out = tmp_path / t
        assert (
            cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", out, "--temperature", t).exit_code
            == 0
        )
        lab = rgb2lab(np.asarray(Image.open(out / "astronaut_zhang-rebal.png")))
        chroma[t] = np.hypot(lab[..., 1], lab[..., 2]).mean()
    assert chroma["0.05"] > chroma["1.0"]


def test_info_and_list(cli):
    info = cli("info", "zhang-rebal")
    assert info.exit_code == 0 and "32,236,011" in info.output and "Colorful Image Colorization" in info.output
    listing = cli("list")
    assert listing.exit_code == 0
    for name in ("zhang-rebal", "zhang-unbal", "zhang-onehot", "zhang-euclidean", "zhang-simplified"):
        assert name in listing.output


def test_console_script(tmp_path, weights_dir, astronaut_png):
    exe = shutil.which("colorzoo", path=os.path.dirname(sys.executable))
    assert exe, "the colorzoo console script is installed"
    result = subprocess.run(
        [exe, "run", "zhang-rebal", str(astronaut_png), "--weights", str(weights_dir), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "astronaut_zhang-rebal.png").is_file()
    bad = subprocess.run(
        [exe, "run", "zhang-rebal", str(tmp_path / "none.png"), "--weights", str(weights_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "none.png: no such file" in bad.stderr
    assert "Traceback" not in bad.stderr
