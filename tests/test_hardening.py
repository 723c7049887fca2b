"""What a hostile test pass found, each with a test: bad options and files give one line, an exit
code and nothing lost. The bad-input corpus is generated here (no committed binaries)."""

import io
import json
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

from zoo_core import ConfigError, ControlError, ImageError, colorize, create_model, load_image
from zoo_core.io.images import Photo
from zoo_core.render.batch import output_path

BIN = Path(sys.executable).parent


def _colorzoo(*args, env=None, **kwargs):
    return subprocess.run([str(BIN / "colorzoo"), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=env, **kwargs)


def _one_line_error(result, *fragments):
    """Exit code 1, no traceback, and one error line holding every fragment."""
    output = getattr(result, "output", None) or (result.stdout + result.stderr)
    code = getattr(result, "exit_code", None)
    code = result.returncode if code is None else code
    assert code == 1, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# -- 1. concurrent runs never replace each other's outputs ------------------------------------------


def test_an_output_created_meanwhile_is_kept_and_reported(weights_dir, tmp_path, monkeypatch):
    from zoo_core.render import batch

    Image.fromarray(data.astronaut()).resize((64, 64)).save(tmp_path / "a.png")
    out = tmp_path / "out"
    real_load = batch.load_image

    def load_while_another_run_finishes(path, *args, **kwargs):
        (out / "a_zhang-rebal.png").write_bytes(b"the other run's output")  # it won the race
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(batch, "load_image", load_while_another_run_finishes)
    model = create_model("zhang-rebal", weights=weights_dir)
    report = batch.colorize_files(model, [tmp_path / "a.png"], out)
    assert not report.written and not report.failures and report.skipped == [out / "a_zhang-rebal.png"]
    assert (out / "a_zhang-rebal.png").read_bytes() == b"the other run's output"
    assert not list(out.glob(".*.tmp"))


def test_two_concurrent_runs(weights_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(6):
        Image.fromarray(data.astronaut()[i * 20 :][:96, :96]).save(inputs / f"p{i}.png")
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [str(BIN / "colorzoo"), "run", "zhang-rebal", str(inputs), "--weights", str(weights_dir), "-o", str(out)]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in "ab"]
    results = [run.communicate(timeout=600) for run in runs]
    written = sum(int(stdout.split(" written")[0].split()[-1]) for stdout, _ in results)
    assert written == 6  # every output written exactly once, by one run or the other
    assert sorted(p.name for p in out.iterdir()) == [f"p{i}_zhang-rebal.png" for i in range(6)]
    for path in out.iterdir():
        Image.open(path).verify()


# -- 2. config.json with wrong types or values ------------------------------------------------------


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("temperature", "hot", "field 'temperature' must be a finite number, got 'hot'"),
        ("width_mult", "abc", "field 'width_mult' must be a finite number, got 'abc'"),
        ("input_size", "256", "field 'input_size' must be an integer, got '256'"),
        ("variant", "huge", "variant must be one of eccv16, simplified, got 'huge'"),
        ("head", ["classification"], "field 'head' must be a string"),
        ("width_mult", None, "field 'width_mult' must be a finite number, got None"),
        ("temperature", -5, "temperature must be >= 0, got -5"),
        ("input_size", -3, "input_size must be at least 8"),
    ],
)
def test_a_bad_config_json_names_the_file_and_the_field(cli, weights_dir, tmp_path, astronaut_png, field, value,
                                                        message):
    broken = tmp_path / "w"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes((weights_dir / "model.safetensors").read_bytes())
    config = json.loads((weights_dir / "config.json").read_text())
    (broken / "config.json").write_text(json.dumps({**config, field: value}))
    result = cli("run", "zhang-rebal", astronaut_png, "--weights", broken, "-o", tmp_path / "out")
    _one_line_error(result, str(broken / "config.json"), message)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match=r"config\.json"):
        create_model("zhang-rebal", weights=broken)


def test_a_config_json_that_is_not_an_object(cli, weights_dir, tmp_path, astronaut_png):
    broken = tmp_path / "w"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes((weights_dir / "model.safetensors").read_bytes())
    (broken / "config.json").write_text("[1, 2]")
    _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", broken), "config.json", "JSON object")


def test_corrupted_safetensors_headers(tmp_path, weights_dir):
    for name, payload in (("short", b"\x01\x02"), ("huge", (2**62).to_bytes(8, "little") + b"{}"),
                          ("garbage", (20).to_bytes(8, "little") + b"not json at all....")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text((weights_dir / "config.json").read_text())
        (folder / "model.safetensors").write_bytes(payload)
        with pytest.raises(Exception, match="not a readable safetensors file") as caught:
            create_model("zhang-rebal", weights=folder)
        assert "\n" not in str(caught.value)


# -- 3 and 4. non-finite floats, bad options and outputs: refused before any work --------------------


def test_non_finite_numbers_are_refused_everywhere(cli, weights_dir, tmp_path, astronaut_png):
    for value in ("nan", "inf", "-inf"):
        _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", tmp_path / "o",
                            "--temperature", value), "control temperature", "finite")
        _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", tmp_path / "o",
                            "-c", f"temperature={value}"), "control temperature", "finite")
        _one_line_error(cli("eval", weights_dir, "--data", tmp_path, "--temperature", value), "finite number")
        _one_line_error(cli("compare", weights_dir, "--data", tmp_path, "-o", tmp_path / "r", "--temperature", value),
                        "finite number")
    assert not (tmp_path / "o").exists()
    model = create_model("zhang-rebal", weights=weights_dir)
    photo = Photo(None, np.full((16, 16, 1), 0.5, dtype=np.float32))
    for value in (float("nan"), float("inf")):
        with pytest.raises(ControlError, match="finite"):
            colorize(model, [photo], temperature=value)


def test_options_and_outputs_are_checked_before_work(cli, weights_dir, tmp_path, astronaut_png):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("mine")
    (tmp_path / "folder").mkdir()
    _one_line_error(cli("eval", weights_dir, "--data", tmp_path, "--temperature", "-1"),
                    "control temperature: must be >= 0")
    _one_line_error(cli("compare", weights_dir, "--data", tmp_path, "-o", a_file), "is a file, not a folder")
    _one_line_error(cli("eval", weights_dir, "--data", tmp_path, "--csv", tmp_path / "folder"), "--csv", "is a folder")
    _one_line_error(cli("priors", "--data", tmp_path, "-o", tmp_path / "folder"), "-o", "is a folder")
    _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", a_file),
                    "is a file, not a folder")
    _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "--format", "gif"), "--format")
    assert a_file.read_text() == "mine"


# -- 5. tables in pipes and logs are never clipped ------------------------------------------------


def test_tables_in_a_pipe_are_markdown_with_every_digit(weights_dir, tmp_path):
    (tmp_path / "val").mkdir()
    Image.fromarray(data.coffee()).resize((64, 64)).save(tmp_path / "val" / "c.png")
    result = _colorzoo("eval", weights_dir, "--data", tmp_path / "val", "--size", "64", "--csv", tmp_path / "c.csv")
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("| model |"))
    for column in ("AuC %", "AuC rebal %", "RMSE ab", "RMSE RGB", "PSNR dB", "SSIM", "colorful", "colorful - GT"):
        assert f" {column} |" in header
    row = next(line for line in result.stdout.splitlines() if line.startswith("| zhang-rebal"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 9 and all(c.replace(".", "").replace("-", "").isdigit() for c in cells[1:])


# -- 6. float images --------------------------------------------------------------------------------


def test_float_tiffs_are_scaled_by_their_range_and_nan_is_refused(tmp_path):
    ramp = np.tile(np.linspace(0, 1, 32, dtype=np.float32), (8, 1))
    Image.fromarray(ramp, "F").save(tmp_path / "unit.tif")
    photo = load_image(tmp_path / "unit.tif")
    assert np.allclose(photo.rgb[..., 0], ramp, atol=1e-6)  # not 1/255 of it
    Image.fromarray(ramp * 255, "F").save(tmp_path / "bytes.tif")
    assert np.allclose(load_image(tmp_path / "bytes.tif").rgb[..., 0], ramp, atol=1e-5)
    broken = ramp.copy()
    broken[2, 3] = np.nan
    Image.fromarray(broken, "F").save(tmp_path / "nan.tif")
    with pytest.raises(ImageError, match=r"nan.tif: 1 pixels are NaN or infinite"):
        load_image(tmp_path / "nan.tif")


# -- 7. interrupted runs ------------------------------------------------------------------------------


def test_temporary_files_of_dead_runs_are_removed_live_ones_kept(cli, weights_dir, tmp_path, astronaut_png):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f".x_zhang-rebal.png.{dead.pid}.abc123.tmp"
    stale.write_bytes(b"half")
    live = out / f".y_zhang-rebal.png.{os.getpid()}.def456.tmp"
    live.write_bytes(b"being written")
    result = cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "-o", out)
    assert result.exit_code == 0 and "removed 1 temporary files" in result.output
    assert not stale.exists() and live.exists()


def _default_sigint() -> None:
    """A process started with SIGINT ignored (as a test worker may run) never gets KeyboardInterrupt:
    give the child the default disposition, as a shell does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_says_what_was_written(weights_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    Image.fromarray(data.astronaut()).resize((256, 256)).save(inputs / "p000.png")
    for i in range(1, 400):  # enough that the run is still going when the first output appears, even when slow
        os.link(inputs / "p000.png", inputs / f"p{i:03d}.png")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(BIN / "colorzoo"), "run", "zhang-rebal", str(inputs), "--weights", str(weights_dir),
                             "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    deadline = time.time() + 300
    while time.time() < deadline and not (out.exists() and list(out.glob("*.png"))):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    written = len(list(out.glob("*.png")))
    assert f"interrupted: {written} written" in stdout and written < 400
    assert "Traceback" not in stderr and not list(out.glob(".*.tmp"))


# -- 8 and 9. empty folders, symlink loops, the output folder inside the input folder -------------


def test_an_empty_folder_writes_nothing(cli, weights_dir, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("run", "zhang-rebal", tmp_path / "empty", "--weights", weights_dir, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "no image files found in this folder" in result.output
    assert not (tmp_path / "out").exists()


def test_symlink_loops_are_named(cli, weights_dir, tmp_path, astronaut_png):
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(folder / "b.png", folder / "a.png")
    os.symlink(folder / "a.png", folder / "b.png")
    os.symlink(tmp_path / "nowhere.png", folder / "dangling.png")
    (folder / "good.png").write_bytes(astronaut_png.read_bytes())
    result = cli("run", "zhang-rebal", folder, folder / "a.png", "--weights", weights_dir, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output.count("a symbolic link loop") >= 2 and "does not exist" in result.output
    assert (tmp_path / "out" / "good_zhang-rebal.png").is_file()


def test_the_output_folder_inside_the_input_folder_is_not_read_back(cli, weights_dir, tmp_path, astronaut_png):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.png").write_bytes(astronaut_png.read_bytes())
    for _ in range(2):
        result = cli("run", "zhang-rebal", photos, "--weights", weights_dir, "-o", photos / "colorized", "--overwrite")
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (photos / "colorized").iterdir()) == ["a_zhang-rebal.png"]


# -- 10. devices ----------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["cpu:x", "gpu", "cuda:-1", "auto:0", "cuda:a"])
def test_malformed_devices(cli, weights_dir, astronaut_png, device):
    _one_line_error(cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "--device", device),
                    f"unknown device {device!r}", "cuda:N")


def test_devices_that_are_not_there(cli, weights_dir, astronaut_png):
    if torch.cuda.is_available():  # a GPU machine: an index past the last device
        result = cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "--device", "cuda:99")
        _one_line_error(result, "there are only")
    else:
        result = cli("run", "zhang-rebal", astronaut_png, "--weights", weights_dir, "--device", "cuda")
        _one_line_error(result, "no CUDA GPU")


# -- 11 and 12. training options, checkpoints -----------------------------------------------------


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    for i, name in enumerate(("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry")):
        Image.fromarray(getattr(data, name)()[..., :3]).resize((48, 48)).save(folder / f"{i}.png")
    return folder


TINY = ["--set", "width_mult=0.125", "--crop", "32", "--batch-size", "2", "--workers", "0"]


def test_training_options_are_checked_up_front(cli, photos, tmp_path, weights_dir):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    bad_init = tmp_path / "bad-init"
    bad_init.mkdir()
    (bad_init / "model.safetensors").write_bytes((weights_dir / "model.safetensors").read_bytes())
    (bad_init / "config.json").write_text(json.dumps({"model": "zhang-rebal", "width_mult": "abc"}))
    for extra, message in [
        (["--val-fraction", "1.5"], "--val-fraction must be in [0, 1)"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--lr", "nan"], "--lr must be a finite number"),
        (["--out", a_file], "is a file"),
        (["--set", "input_size=-3"], "input_size must be at least 8"),
        (["--set", "width_mult=abc"], "field 'width_mult' must be a finite number"),
        (["--init", bad_init], "config.json: field 'width_mult'"),
    ]:
        out = ["--out", tmp_path / "run"] if "--out" not in extra else []
        tiny = TINY[2:] if "--init" in extra else TINY  # --set would override the init's broken field
        result = cli("train", "zhang-rebal", "--data", photos, *out, "--steps", "1", *tiny, *extra)
        _one_line_error(result, message)
        assert not (tmp_path / "run").exists()


def test_small_photos_for_a_big_crop_are_a_warning(photos, tmp_path):
    result = _colorzoo("train", "zhang-unbal", "--data", photos, "--out", tmp_path / "run", "--steps", "1",
                       "--val-fraction", "0", "--set", "width_mult=0.125", "--crop", "64", "--batch-size", "2",
                       "--workers", "0")
    assert result.returncode == 0 and "--crop 64 is larger than 6 of 6 training photos" in result.stderr


def test_unreadable_and_gray_validation_files_are_counted(photos, tmp_path):
    val = tmp_path / "val"
    val.mkdir()
    Image.fromarray(data.camera()).resize((48, 48)).save(val / "gray.png")
    (val / "broken.png").write_bytes(b"\x89PNG not really")
    Image.fromarray(data.coffee()).resize((48, 48)).save(val / "ok.png")
    result = _colorzoo("train", "zhang-unbal", "--data", photos, "--val", val, "--out", tmp_path / "run", "--steps",
                       "1", *TINY)
    assert result.returncode == 0, result.stderr
    assert "1 unreadable and 1 grayscale validation images" in result.stderr
    assert "skipping" in result.stderr and "(validation)" in result.stderr


def test_resume_refuses_a_foreign_checkpoint_in_one_line(cli, photos, tmp_path):
    run = tmp_path / "run"
    run.mkdir()

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pickled code ran",))

    torch.save({"step": 1, "evil": Payload()}, run / "checkpoint.pt")
    result = cli("train", "zhang-rebal", "--data", photos, "--out", run, "--resume", *TINY)
    _one_line_error(result, "checkpoint.pt: not a colorzoo training checkpoint that loads safely")
    assert "weights_only=False" not in result.output and "pickled code ran" not in result.output
    torch.save({"step": 1}, run / "checkpoint.pt")
    _one_line_error(cli("train", "zhang-rebal", "--data", photos, "--out", run, "--resume", *TINY),
                    "expected the keys")


def test_a_checkpoint_written_on_a_gpu_resumes_on_the_cpu(photos, tmp_path, monkeypatch):
    """map_location: tensors saved from CUDA come back on the CPU (simulated by tagging the load)."""
    from zoo_core.training import trainer

    cfg = trainer.TrainConfig(model="zhang-unbal", data=photos, out=tmp_path / "run", steps=2, batch_size=2, crop=32,
                              overrides={"width_mult": 0.125}, workers=0, checkpoint_every=1, eval_every=100)
    trainer.train(cfg)
    seen = {}
    real_load = torch.load

    def load(*args, **kwargs):
        seen.update(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", load)
    trainer.train(trainer.TrainConfig(**{**cfg.__dict__, "steps": 3, "resume": True}))
    assert seen.get("map_location") == "cpu" and seen.get("weights_only") is True


# -- 14. huge photos --------------------------------------------------------------------------------


def test_one_pixel_limit_and_an_option_to_raise_it(cli, weights_dir, tmp_path):
    path = tmp_path / "scan.png"
    Image.new("L", (10_000, 9_000)).save(path)  # 90 Mpx: over colorzoo's 89,478,485
    with pytest.raises(ImageError) as caught:
        load_image(path)
    assert "over the limit of 89,478,485" in str(caught.value) and "178" not in str(caught.value)
    assert "--max-pixels" in str(caught.value)
    assert load_image(path, max_pixels=100_000_000).rgb.shape[:2] == (9_000, 10_000)
    small = tmp_path / "small.png"
    Image.new("L", (300, 200), 90).save(small)  # 60,000 px: the option moves the limit both ways
    result = cli("run", "zhang-rebal", small, "--weights", weights_dir, "-o", tmp_path / "o", "--max-pixels", "50000")
    assert result.exit_code == 1 and "small.png" in result.output and "over the limit of 50,000" in result.output
    result = cli("run", "zhang-rebal", small, "--weights", weights_dir, "-o", tmp_path / "o", "--max-pixels", "60000")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "small_zhang-rebal.png").is_file()
    Image.new("1", (20_000, 10_000)).save(tmp_path / "bomb.png")  # 200 Mpx: above Pillow's own hard limit too
    with pytest.raises(ImageError, match="over the limit of 89,478,485"):
        load_image(tmp_path / "bomb.png")


# -- the bad-input corpus ---------------------------------------------------------------------------


def _corpus(folder: Path) -> dict[str, str | None]:
    """name -> the error it must give (None: it must colorize)."""
    coffee = data.coffee()
    expected: dict[str, str | None] = {}

    def save(name, image, error=None, **kwargs):
        image.save(folder / name, **kwargs)
        expected[name] = error

    (folder / "zero.png").write_bytes(b"")
    expected["zero.png"] = "empty file"
    buffer = io.BytesIO()
    Image.fromarray(coffee).save(buffer, "JPEG")
    (folder / "truncated.jpg").write_bytes(buffer.getvalue()[:3000])
    expected["truncated.jpg"] = "cannot decode image"
    save("png-named.jpg", Image.fromarray(coffee).resize((40, 30)), format="PNG")  # wrong extension: still read
    save("one-pixel.png", Image.new("L", (1, 1), 90))
    save("strip.png", Image.new("L", (400, 2), 90))
    save("tall.png", Image.new("L", (2, 300), 90))
    save("sixteen.png", Image.fromarray(np.tile(np.linspace(0, 65535, 50, dtype=np.uint16), (20, 1))))
    save("cmyk.jpg", Image.fromarray(coffee).resize((30, 20)).convert("CMYK"))
    save("lab.tif", Image.fromarray(coffee).resize((30, 20)).convert("LAB"))
    palette = Image.fromarray(coffee).resize((30, 20)).convert("P")
    palette.info["transparency"] = 0
    save("palette-alpha.png", palette, transparency=0)
    frames = [Image.new("L", (20, 10), v) for v in (30, 200)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:])
    expected["animated.gif"] = None
    frames[0].save(folder / "pages.tif", save_all=True, append_images=frames[1:])
    expected["pages.tif"] = None
    for orientation in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"exif{orientation}.jpg", Image.fromarray(coffee[:30, :40]), exif=exif.tobytes())
    save("unicodé 名前.png", Image.new("L", (12, 8), 60))
    save("bomb.png", Image.new("1", (12_000, 8_000)), "over the limit")
    (folder / "notes.png").write_text("a text file with an image's name")
    expected["notes.png"] = "not an image file"
    return expected


def test_the_bad_input_corpus(cli, weights_dir, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    expected = _corpus(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = tmp_path / "out"
    result = cli("run", "zhang-rebal", folder, "--weights", weights_dir, "-o", out)
    assert result.exit_code == 1  # some inputs are bad: reported, the rest written
    for name, error in expected.items():
        lines = [line for line in result.output.splitlines() if name in line and "failed:" in line]
        if error is None:
            assert not lines, lines
            written = output_path(folder / name, out, "zhang-rebal")  # --format same: JPEG stays JPEG
            with Image.open(written) as img, Image.open(folder / name) as src:
                upright = src.size[::-1] if "exif6" in name or "exif8" in name else src.size
                assert img.size == upright, name
        else:
            assert lines and error in lines[0], (name, lines)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # inputs untouched
    assert not list(out.glob(".*.tmp"))
