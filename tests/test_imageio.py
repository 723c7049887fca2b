"""Inputs as they come from the wild, good and bad."""

import io

import numpy as np
import pytest
from PIL import Image

from zoo_core import ImageError, load_image


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty.jpg: empty file"):
        load_image(path)


def test_truncated_jpeg(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError, match=r"cut.jpg: cannot decode image \(image file is truncated"):
        load_image(path)


def test_text_file_named_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are my holiday notes, not a picture")
    with pytest.raises(ImageError, match=r"notes.png: not an image file"):
        load_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match=r"nope.png: no such file"):
        load_image(tmp_path / "nope.png")


def test_decompression_bomb_is_refused_without_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (10_000, 10_000)).save(path)  # 100 Mpx, a few kB on disk
    assert path.stat().st_size < 100_000
    with pytest.raises(ImageError, match=r"bomb.png: 10000x10000 is 100,000,000 pixels, over the limit"):
        load_image(path)


def test_sixteen_bit_png_keeps_its_precision(tmp_path):
    ramp = (np.linspace(0, 65535, 256 * 8).reshape(8, 256)).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)
    photo = load_image(path)
    assert photo.mode.startswith("I")
    assert photo.rgb.shape == (8, 256, 1)  # gray stays one channel
    assert np.allclose(photo.rgb[..., 0], ramp / 65535.0, atol=1e-6)
    assert len(np.unique(photo.rgb[..., 0])) > 256  # finer than 8 bits


def test_cmyk_jpeg(tmp_path):
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (16, 12), (0, 255, 255, 0)).save(path)  # red in CMYK
    photo = load_image(path)
    assert photo.rgb.shape == (12, 16, 3)
    assert photo.rgb[..., 0].mean() > 0.9 and photo.rgb[..., 1].mean() < 0.1


def test_rgba_keeps_alpha(tmp_path):
    pixels = np.zeros((10, 12, 4), dtype=np.uint8)
    pixels[..., 3] = np.arange(12, dtype=np.uint8)[None, :] * 20
    path = tmp_path / "logo.png"
    Image.fromarray(pixels, "RGBA").save(path)
    photo = load_image(path)
    assert photo.alpha is not None and np.array_equal(photo.alpha, pixels[..., 3])


@pytest.mark.parametrize("mode", ["L", "LA", "P", "1", "RGB"])
def test_other_modes(tmp_path, mode):
    path = tmp_path / f"img_{mode}.png"
    Image.new("RGB", (9, 7), (200, 100, 50)).convert(mode).save(path)
    photo = load_image(path)
    assert photo.rgb.shape == (7, 9, 1 if mode in ("L", "1") else 3) and photo.rgb.dtype == np.float32
    assert (photo.alpha is not None) == (mode == "LA")


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = 255  # stored: left half white
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif.tobytes(), quality=95)
    photo = load_image(path)
    assert photo.rgb.shape == (40, 20, 3)  # upright: portrait
    assert photo.rgb[:15].mean() > 0.9 and photo.rgb[25:].mean() < 0.1  # white on top
