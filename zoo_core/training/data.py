"""Training data: any folder tree of color photos, cropped and flipped reproducibly.

Each sample's augmentation is drawn from its own generator, seeded by (seed, epoch, index),
so a run gives the same batches whatever the number of workers, and a resumed run gives the
batches the interrupted one would have seen. Unreadable files are skipped with a warning;
grayscale photos are skipped because they teach no color. Lab conversion happens later, in
batch, on the training device (``to_lab_batch``).
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..color.lab import rgb_to_lab
from ..errors import ColorzooError
from ..io.files import find_images, list_images
from ..io.images import SKIP_GRAY, SKIP_UNREADABLE, center_crop, open_color_image

__all__ = ["ColorImageDataset", "collate", "find_images", "list_images", "scan_data", "split_files", "to_lab_batch"]


def split_files(files: Sequence[Path], val_fraction: float, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """Deterministic train/val split by a hash of each file name (stable when files are added)."""
    if not 0 <= val_fraction < 1:
        raise ValueError(f"--val-fraction must be in [0, 1), got {val_fraction}")

    def score(path: Path) -> float:
        digest = hashlib.sha256(f"{seed}:{path.name}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    val = [p for p in files if score(p) < val_fraction]
    train = [p for p in files if score(p) >= val_fraction]
    return train, val


class ColorImageDataset(torch.utils.data.Dataset):
    """Square uint8 RGB crops (3, crop, crop); a skipped file yields its path and the reason."""

    def __init__(self, files: Sequence[Path], crop: int = 176, train: bool = True, seed: int = 0) -> None:
        self.files = list(files)
        self.crop = crop
        self.train = train
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor | tuple[str, str]:
        path = self.files[index]
        image, why = open_color_image(path)
        if image is None:
            return (str(path), SKIP_GRAY if why == SKIP_GRAY else SKIP_UNREADABLE)
        if self.train:
            gen = torch.Generator().manual_seed(hash((self.seed, self.epoch, index)) & 0x7FFF_FFFF_FFFF)
            image = random_resized_crop(image, self.crop, gen)
            if torch.rand((), generator=gen) < 0.5:
                image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        else:
            image = center_crop(image, self.crop)
        return torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1)


def random_resized_crop(
    image: Image.Image, size: int, gen: torch.Generator, scale: tuple[float, float] = (0.25, 1.0)
) -> Image.Image:
    """A crop of random area and aspect ratio (3/4 .. 4/3), resized to ``size`` squared."""
    width, height = image.size
    area = width * height
    for _ in range(10):
        target = area * float(torch.empty(()).uniform_(*scale, generator=gen))
        ratio = math.exp(float(torch.empty(()).uniform_(math.log(3 / 4), math.log(4 / 3), generator=gen)))
        w = round(math.sqrt(target * ratio))
        h = round(math.sqrt(target / ratio))
        if 0 < w <= width and 0 < h <= height:
            left = int(torch.randint(0, width - w + 1, (), generator=gen))
            top = int(torch.randint(0, height - h + 1, (), generator=gen))
            return image.resize((size, size), Image.Resampling.BILINEAR, box=(left, top, left + w, top + h))
    return center_crop(image, size)


def collate(samples: list[torch.Tensor | tuple[str, str]]) -> dict:
    """Stack the crops; report skipped files separately so the loop can count and warn."""
    crops = [s for s in samples if isinstance(s, torch.Tensor)]
    skipped = [s for s in samples if not isinstance(s, torch.Tensor)]
    return {"rgb": torch.stack(crops) if crops else None, "skipped": skipped}


def to_lab_batch(rgb_uint8: torch.Tensor, device: torch.device) -> dict[str, torch.Tensor]:
    """uint8 (B, 3, H, W) -> {"L": (B, 1, H, W), "ab": (B, 2, H, W)}, converted on ``device``."""
    lab = rgb_to_lab(rgb_uint8.to(device, non_blocking=True).float() / 255.0)
    return {"L": lab[:, :1], "ab": lab[:, 1:]}


def warn_skipped(skipped: list[tuple[str, str]], seen: set[str]) -> None:
    """Warn once per skipped file."""
    for path, reason in skipped:
        if path not in seen:
            seen.add(path)
            what = "cannot be read" if reason == SKIP_UNREADABLE else "is grayscale (teaches no color)"
            warnings.warn(f"skipping {path}: {what}", stacklevel=2)


def scan_data(
    data: Path, val: Path | None, val_fraction: float, split_seed: int, crop: int
) -> tuple[list[Path], list[Path], dict[str, int]]:
    """List, check and split the images once, so that every batch is full (and DDP ranks agree):
    (training files, validation files, counts of skipped files)."""
    try:
        files = list_images(data)
        val_files = list_images(val) if val else []
    except (FileNotFoundError, OSError) as exc:
        raise ColorzooError(str(exc)) from None
    if not val:
        files, val_files = split_files(files, val_fraction, split_seed)
    skipped = {"unreadable": 0, "gray": 0, "val_unreadable": 0, "val_gray": 0}
    usable: list[Path] = []
    val_usable: list[Path] = []
    small = 0
    for split, group in (("", files), ("val_", val_files)):
        for path in group:
            image, why = open_color_image(path, draft=crop)
            if image is None:
                reason = "gray" if why == SKIP_GRAY else "unreadable"
                skipped[split + reason] += 1
                what = "is grayscale (teaches no color)" if reason == "gray" else f"cannot be read ({why})"
                warnings.warn(f"skipping {path}{' (validation)' if split else ''}: {what}", stacklevel=2)
                continue
            (val_usable if split else usable).append(path)
            small += not split and min(image.size) < crop
    if small:
        warnings.warn(
            f"--crop {crop} is larger than {small} of {len(usable)} training photos (at least after JPEG "
            "draft decoding): their crops are upscaled, which blurs what the model learns",
            stacklevel=2,
        )
    return usable, val_usable, skipped
