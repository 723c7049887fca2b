"""Colorize many files: plan outputs, keep going past bad files, report at the end.

Nothing is ever lost: an output never replaces an input, an existing output is kept unless the
caller allows overwriting (checked when the output is created, not before the batch, so two
concurrent runs cannot replace each other's files), and outputs are written atomically.
Temporary files left by a killed run in the output folder are removed by the next one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ..errors import ColorzooError
from ..io.atomic import clean_stale_temps
from ..io.files import Failure
from ..io.images import FORMATS, Photo, load_image, save_image
from ..models.colorizer import Colorizer
from .render import check_controls, colorize

OUTPUT_FORMATS = ("png", "jpg", "webp", "same")


@dataclasses.dataclass
class BatchReport:
    written: list[Path] = dataclasses.field(default_factory=list)
    failures: list[Failure] = dataclasses.field(default_factory=list)
    interrupted: bool = False
    cleaned: list[Path] = dataclasses.field(default_factory=list)
    """Temporary files of earlier, killed runs that were removed."""


def output_suffix(source: Path, fmt: str, photo_format: str | None = None) -> str:
    """The output's suffix: the chosen format, or with ``same`` the input's (PNG for what we cannot write)."""
    if fmt != "same":
        return FORMATS[fmt][1]
    by_suffix = {".jpg": ".jpg", ".jpeg": ".jpg", ".jfif": ".jpg", ".webp": ".webp"}
    return by_suffix.get(source.suffix.lower(), ".png")


def output_path(source: Path, out_dir: Path, model_name: str, fmt: str = "same") -> Path:
    return out_dir / f"{source.stem}_{model_name}{output_suffix(source, fmt)}"


def colorize_files(
    model: Colorizer,
    inputs: Sequence[Path],
    out_dir: str | os.PathLike[str],
    *,
    controls: Mapping[str, Any] | None = None,
    batch_size: int = 1,
    overwrite: bool = False,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    fmt: str = "same",
    quality: int = 92,
    name: str | None = None,
    max_pixels: int | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchReport:
    """Colorize ``inputs`` into ``out_dir`` as ``<stem>_<name>.<format>``; collect failures."""
    if fmt not in OUTPUT_FORMATS:
        raise ColorzooError(f"unknown output format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")
    checked = check_controls(model, controls)
    name = name or model.config.model
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport(cleaned=clean_stale_temps(out_dir))
    sources = {_real(p) for p in inputs}
    planned: dict[Path, Path] = {}
    todo: list[tuple[Path, Path]] = []
    for source in inputs:
        target = output_path(source, out_dir, name, fmt)
        real = _real(target)
        reason = None
        if real in sources:
            reason = f"{source}: its output {target} would replace an input; choose another -o"
        elif real in planned:
            reason = f"{source}: its output {target} is also the output of {planned[real]}; rename one"
        elif target.exists() and not overwrite:
            reason = f"{source}: output {target} exists; pass --overwrite to replace it"
        if reason:
            report.failures.append(Failure(str(source), reason))
            _notify(on_done, source)
            continue
        planned[real] = source
        todo.append((source, target))

    step = max(1, batch_size)
    try:
        for start in range(0, len(todo), step):
            _colorize_chunk(model, todo[start : start + step], report, checked, device, precision, overwrite,
                            quality, max_pixels, on_done)  # fmt: skip
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def _colorize_chunk(
    model: Colorizer,
    chunk: list[tuple[Path, Path]],
    report: BatchReport,
    controls: dict[str, Any],
    device: torch.device | str | None,
    precision: str,
    overwrite: bool,
    quality: int,
    max_pixels: int | None,
    on_done: Callable[[Path], None] | None,
) -> None:
    loaded: list[tuple[Photo, Path]] = []
    for source, target in chunk:
        try:
            loaded.append((load_image(source, max_pixels), target))
        except ColorzooError as exc:
            report.failures.append(Failure(str(source), str(exc)))
            _notify(on_done, source)
    if not loaded:
        return
    try:
        results = colorize(model, [photo for photo, _ in loaded], controls, device=device, precision=precision)
    except (RuntimeError, ValueError, ColorzooError) as exc:  # out of memory on a huge batch; a hint off the image
        for photo, _ in loaded:
            report.failures.append(Failure(str(photo.path), f"{photo.path}: colorization failed ({exc})"))
            _notify(on_done, photo.path)
        return
    for (photo, target), pixels in zip(loaded, results, strict=True):
        try:
            report.written.append(save_image(pixels, target, quality=quality, exclusive=not overwrite))
        except FileExistsError:
            reason = f"{photo.path}: output {target} appeared while this run worked (another run?); kept it"
            report.failures.append(Failure(str(photo.path), reason))
        except OSError as exc:
            report.failures.append(Failure(str(photo.path), f"{photo.path}: cannot write {target} ({exc})"))
        _notify(on_done, photo.path)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path | None) -> None:
    if callback is not None and path is not None:
        callback(path)
