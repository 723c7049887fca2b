"""Reading photos as they come (any mode, 16-bit, float, rotated by EXIF) and writing results safely.

Errors are ``ImageError`` whose message starts with the file's path, so a batch can report
each bad file on one line and go on. Training, evaluation and priors open their color photos
through ``open_color_image``, which skips what teaches no color (gray, unreadable) in one place.

16-bit photos stay 16-bit: Pillow reads 16-bit gray itself but 48-bit RGB only as 8-bit, so those
are read with OpenCV; results of 16-bit photos are written as 16-bit PNG (OpenCV again: Pillow
writes no 48-bit PNG). Every result carries a marker (``Software: colorzoo ...``, in PNG text or
EXIF), so a later run recognises its own outputs and does not colorize them again.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .. import settings
from ..errors import ImageError
from .atomic import atomic_write

#: Photos above this many pixels are refused unless the caller raises the limit (``--max-pixels``,
#: ``COLORZOO_MAX_PIXELS``): a decompression bomb, or a scan too large for memory.
DEFAULT_MAX_PIXELS = settings.DEFAULT_MAX_PIXELS

#: What Pillow raises for a file it cannot read (corrupt, truncated, not an image, a bomb).
READ_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)

SKIP_UNREADABLE = "unreadable"
SKIP_GRAY = "gray"

#: Output formats: name -> (Pillow format, file suffix).
FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp")}

_PIL_LIMIT = threading.Lock()


#: The marker every output carries: ``Software`` is ``colorzoo <version> (<model>)``.
SOFTWARE_PREFIX = "colorzoo "
_EXIF_SOFTWARE = 0x0131


def pixel_limit() -> int:
    """colorzoo's limit on pixels per photo: ``COLORZOO_MAX_PIXELS``, else 89,478,485."""
    return settings.max_pixels()


@dataclasses.dataclass
class Photo:
    """An image ready to colorize: sRGB float32 in [0, 1] and an optional alpha.

    ``rgb`` is (H, W, 3), or (H, W, 1) for a gray image (a third of the memory and work).
    """

    path: Path | None
    rgb: np.ndarray
    alpha: np.ndarray | None = None
    """uint8 (H, W), kept as it was and written back with the result."""
    mode: str = "RGB"
    """Pillow mode of the file as read (L, RGBA, I;16, CMYK...)."""
    format: str | None = None
    """Pillow format of the file (JPEG, PNG...), for ``--format same``."""
    bits: int = 8
    """Bits per sample of the file: 16 for 16-bit PNG/TIFF scans, whose results are written in 16 bits."""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), like Pillow."""
        return self.rgb.shape[1], self.rgb.shape[0]


def _open(path: Path, limit: int) -> Image.Image:
    """Image.open with colorzoo's own pixel limit in place of Pillow's (one limit, one message)."""
    with _PIL_LIMIT:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            img = Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved
    width, height = img.size
    if width * height > limit:
        img.close()
        raise ImageError(
            f"{path}: {width}x{height} is {width * height:,} pixels, over the limit of {limit:,} "
            "(a decompression bomb, or a scan too large; raise the limit with COLORZOO_MAX_PIXELS, or --max-pixels "
            "of colorzoo run)"
        )
    return img


def load_image(path: str | os.PathLike[str], max_pixels: int | None = None) -> Photo:
    """Read an image file into a ``Photo``, upright according to its EXIF orientation."""
    path = Path(path)
    limit = max_pixels or pixel_limit()
    try:
        if path.is_dir():
            raise ImageError(f"{path}: is a directory")
        if path.stat().st_size == 0:
            raise ImageError(f"{path}: empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with _open(path, limit) as img:
                deep = _is_deep_rgb(img)
                img.load()
                photo = _read_deep_rgb(path, img) if deep else from_pil(img, path)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file Pillow can read") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise ImageError(f"{path}: a symbolic link loop") from None
        raise ImageError(f"{path}: cannot decode image ({exc})") from None
    except (ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{path}: cannot decode image ({exc})") from None
    return photo


def _is_deep_rgb(img: Image.Image) -> bool:
    """RGB(A) with 16 bits per sample, which Pillow would read as 8-bit."""
    if img.mode not in ("RGB", "RGBA") or not img.tile:
        return False
    rawmode = img.tile[0][3]
    rawmode = rawmode[0] if isinstance(rawmode, tuple) else rawmode
    return isinstance(rawmode, str) and ";16" in rawmode


def _read_deep_rgb(path: Path, img: Image.Image) -> Photo:
    """A 48/64-bit PNG or TIFF at full precision (OpenCV), upright by the EXIF orientation Pillow read."""
    import cv2

    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None or data.dtype != np.uint16 or data.ndim != 3:
        return from_pil(img, path)  # OpenCV cannot: Pillow's 8 bits still colorize
    orientation = img.getexif().get(0x0112, 1)
    data = _orient(data[..., [2, 1, 0, 3][: data.shape[2]]], orientation)
    alpha = (data[..., 3] // 257).astype(np.uint8) if data.shape[2] == 4 else None
    rgb = np.ascontiguousarray(data[..., :3], dtype=np.float32) / 65535.0
    return Photo(path, rgb, alpha, img.mode, img.format, bits=16)


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation 1..8 applied to an (H, W, C) array, as ``ImageOps.exif_transpose`` does."""
    ops = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
           5: lambda a: a.transpose(1, 0, 2), 6: lambda a: a.transpose(1, 0, 2)[:, ::-1],
           7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1], 8: lambda a: a.transpose(1, 0, 2)[::-1]}
    return ops.get(orientation, lambda a: a)(pixels)


def _lightness_to_gray(lightness: np.ndarray) -> np.ndarray:
    """CIE L* (0..100) -> the sRGB gray value in [0, 1] with that lightness."""
    f = (lightness + 16.0) / 116.0
    y = np.where(f > 6.0 / 29.0, f**3, (f - 4.0 / 29.0) * 3 * (6.0 / 29.0) ** 2)
    gray = np.where(y > 0.0031308, 1.055 * np.power(np.clip(y, 0, None), 1 / 2.4) - 0.055, 12.92 * y)
    return np.clip(gray, 0.0, 1.0).astype(np.float32)


def _float_scale(img: Image.Image, values: np.ndarray) -> float:
    """The white point of a float image: its declared SMaxSampleValue, else 1, 255 or 65535 by its range."""
    declared = getattr(img, "tag_v2", {}).get(341) if hasattr(img, "tag_v2") else None
    if isinstance(declared, (tuple, list)):
        declared = declared[0] if declared else None
    if isinstance(declared, (int, float)) and declared > 0:
        return float(declared)
    top = float(values.max(initial=0.0))
    return 1.0 if top <= 1.0 else 255.0 if top <= 255.0 else 65535.0


def from_pil(img: Image.Image, path: Path | None = None) -> Photo:
    """Convert a Pillow image of any mode to a ``Photo``."""
    mode = img.mode
    where = path if path is not None else "image"
    fmt = img.format
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - a broken EXIF block should not lose the picture
        pass
    alpha = None
    bits = 8
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        alpha = np.asarray(img.getchannel("A"), dtype=np.uint8).copy()
    if mode == "F":
        values = np.asarray(img, dtype=np.float32)
        if not np.isfinite(values).all():
            raise ImageError(f"{where}: {int((~np.isfinite(values)).sum()):,} pixels are NaN or infinite")
        rgb = np.clip(values / _float_scale(img, values), 0.0, 1.0)[..., None]
    elif mode.startswith("I"):
        values = np.asarray(img, dtype=np.float32)
        scale = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        rgb = np.clip(values / scale, 0.0, 1.0)[..., None]
        bits = 16 if scale > 255 else 8
    elif mode == "LAB":  # only the lightness is used: L is exact, no color conversion needed
        rgb = _lightness_to_gray(np.asarray(img.getchannel("L"), dtype=np.float32) * (100.0 / 255.0))[..., None]
    elif img.mode in ("L", "1"):
        rgb = np.asarray(img.convert("L"), dtype=np.float32)[..., None] / 255.0
    else:
        rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return Photo(path, np.ascontiguousarray(rgb), alpha, mode, fmt, bits=bits)


def save_image(
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    *,
    quality: int = 92,
    compress_level: int = 1,
    exclusive: bool = False,
    software: str | None = None,
) -> Path:
    """Write (H, W, 3|4) pixels atomically, in the format its suffix names (.png, .jpg, .webp).

    uint8, or uint16 (a 16-bit result): PNG keeps 16 bits, JPEG and WebP get the nearest 8-bit
    levels. PNG at zlib level 1: a few percent larger than the default level 6, several times faster
    on 12-megapixel photos. JPEG cannot hold alpha: it is dropped there. ``software`` is recorded as
    the file's Software (PNG text, EXIF for JPEG and WebP): colorzoo's outputs say so.
    """
    path = Path(path)
    fmt = next((pil for pil, suffix in FORMATS.values() if path.suffix.lower() in (suffix, ".jpeg")), None)
    if fmt is None:
        raise ImageError(f"{path}: cannot write {path.suffix or 'a file without suffix'}; use .png, .jpg or .webp")
    if pixels.dtype == np.uint16 and fmt == "PNG":
        return atomic_write(path, lambda tmp: Path(tmp).write_bytes(_png16(pixels, compress_level, software)),
                            exclusive=exclusive)
    if pixels.dtype == np.uint16:
        pixels = ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)
    has_alpha = pixels.shape[2] == 4
    image = Image.fromarray(pixels, "RGBA" if has_alpha else "RGB")
    options: dict[str, object]
    if fmt == "JPEG":
        if has_alpha:
            image = image.convert("RGB")
        options = {"quality": quality, "subsampling": 0 if quality >= 90 else 2}
    elif fmt == "WEBP":
        options = {"quality": quality, "method": 4}
    else:
        options = {"compress_level": compress_level}
    if software:
        if fmt == "PNG":
            from PIL.PngImagePlugin import PngInfo

            info = PngInfo()
            info.add_text("Software", software)
            options["pnginfo"] = info
        else:
            exif = Image.Exif()
            exif[_EXIF_SOFTWARE] = software
            options["exif"] = exif.tobytes()
    return atomic_write(path, lambda tmp: image.save(tmp, format=fmt, **options), exclusive=exclusive)


def _png16(pixels: np.ndarray, compress_level: int, software: str | None) -> bytes:
    """A 16-bit PNG (OpenCV's encoder) with a Software text chunk."""
    import cv2

    order = [2, 1, 0, 3][: pixels.shape[2]]
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(pixels[..., order]),
                               [cv2.IMWRITE_PNG_COMPRESSION, compress_level])
    if not ok:
        raise ImageError(f"cannot encode a {pixels.shape[1]}x{pixels.shape[0]} 16-bit PNG")
    data = encoded.tobytes()
    if not software:
        return data
    body = b"Software\0" + software.encode("latin-1", "replace")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    after_header = 8 + 25  # the signature, then IHDR (length, type, 13 bytes, crc): text read without decoding
    return data[:after_header] + chunk + data[after_header:]


def software_of(path: str | os.PathLike[str]) -> str | None:
    """The Software a file records (PNG text, or EXIF), or None; reads the header only."""
    try:
        with Image.open(path) as image:
            found = image.info.get("Software") or image.getexif().get(_EXIF_SOFTWARE)
    except (*READ_ERRORS, ImageError):
        return None
    return found if isinstance(found, str) else None


def is_colorzoo_output(path: str | os.PathLike[str]) -> bool:
    """Whether a file was written by colorzoo (its Software marker)."""
    found = software_of(path)
    return found is not None and found.startswith(SOFTWARE_PREFIX)


def save_png(pixels: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write uint8 (H, W, 3|4) as PNG, atomically: no half-written file is ever visible."""
    return save_image(pixels, Path(path) if str(path).lower().endswith(".png") else Path(f"{path}.png"))


def is_gray(image: Image.Image) -> bool:
    """True for gray modes, and for RGB photos whose channels (almost) agree."""
    if image.mode in ("L", "LA", "1", "I", "I;16", "F"):
        return True
    small = np.asarray(image.convert("RGB").resize((64, 64)), dtype=np.int16)
    return int(np.abs(small - small.mean(axis=2, keepdims=True)).max()) <= 3


def open_color_image(path: str | os.PathLike[str], draft: int | None = None) -> tuple[Image.Image | None, str]:
    """An RGB photo with real color, loaded; or (None, reason): ``gray``, or ``unreadable`` with why.

    ``draft`` lets JPEGs decode at a reduced scale (at least that size): fast when only a
    thumbnail is needed. The one place training, evaluation and priors open their images.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with _open(Path(path), pixel_limit()) as image:
                if draft:
                    image.draft("RGB", (draft, draft))
                image.load()
                if is_gray(image):
                    return None, SKIP_GRAY
                return image.convert("RGB"), ""
    except (*READ_ERRORS, ImageError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"{SKIP_UNREADABLE}: {reason}"


def center_crop(image: Image.Image, size: int) -> Image.Image:
    width, height = image.size
    side = min(width, height)
    box = ((width - side) // 2, (height - side) // 2, (width - side) // 2 + side, (height - side) // 2 + side)
    return image.resize((size, size), Image.Resampling.BILINEAR, box=box)
