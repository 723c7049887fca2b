"""Reading photos as they come (any mode, 16-bit, rotated by EXIF) and writing results safely.

Errors are ``ImageError`` whose message starts with the file's path, so a batch can report
each bad file on one line and go on.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .atomic import atomic_write
from .errors import ImageError

#: Images above this many pixels are refused (Pillow's own decompression-bomb threshold).
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


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

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), like Pillow."""
        return self.rgb.shape[1], self.rgb.shape[0]


def load_image(path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS) -> Photo:
    """Read an image file into a ``Photo``, upright according to its EXIF orientation."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise ImageError(f"{path}: empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageError(
                        f"{path}: {width}x{height} is {width * height:,} pixels, over the limit of "
                        f"{max_pixels:,} (a decompression bomb, or a photo too large to colorize)"
                    )
                img.load()
                photo = from_pil(img, path)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a directory") from None
    except PermissionError:
        raise ImageError(f"{path}: permission denied") from None
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: too many pixels, a possible decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file Pillow can read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: cannot decode image ({exc})") from None
    return photo


def from_pil(img: Image.Image, path: Path | None = None) -> Photo:
    """Convert a Pillow image of any mode to a ``Photo``."""
    mode = img.mode
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - a broken EXIF block should not lose the picture
        pass
    alpha = None
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        alpha = np.asarray(img.getchannel("A"), dtype=np.uint8).copy()
    if mode.startswith("I") or mode == "F":
        values = np.asarray(img, dtype=np.float32)
        scale = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        rgb = np.clip(values / scale, 0.0, 1.0)[..., None]
    elif img.mode in ("L", "1"):
        rgb = np.asarray(img.convert("L"), dtype=np.float32)[..., None] / 255.0
    else:
        rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return Photo(path, np.ascontiguousarray(rgb), alpha, mode)


def save_png(pixels: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write uint8 (H, W, 3|4) as PNG, atomically: no half-written file is ever visible."""
    image = Image.fromarray(pixels, "RGBA" if pixels.shape[2] == 4 else "RGB")
    return atomic_write(Path(path), lambda tmp: image.save(tmp, format="PNG"))
