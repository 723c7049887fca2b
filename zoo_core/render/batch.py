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

import numpy as np
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


@dataclasses.dataclass
class Plan:
    """What a batch will do: (source, target) pairs to write, outputs already there, and refusals."""

    todo: list[tuple[Path, Path]] = dataclasses.field(default_factory=list)
    existing: list[tuple[Path, Path]] = dataclasses.field(default_factory=list)
    """Outputs already present (and not to be overwritten)."""
    failures: list[Failure] = dataclasses.field(default_factory=list)


def plan_outputs(
    inputs: Sequence[Path],
    out_dir: Path,
    name: str,
    fmt: str = "same",
    overwrite: bool = False,
    *,
    exists: Callable[[Path], bool] = os.path.exists,
    real: Callable[[Path], Path] | None = None,
) -> Plan:
    """The one naming rule of every engine: each input's output, and what must not be written.

    An output that would replace an input, or that two inputs share, is refused; one that exists
    is left alone unless ``overwrite``. ``exists`` and ``real`` let an engine plan outputs on
    another file system (object storage), with the same rule.
    """
    real = real or _real
    sources = {real(p) for p in inputs}
    planned: dict[Path, Path] = {}
    plan = Plan()
    for source in inputs:
        target = output_path(source, out_dir, name, fmt)
        key = real(target)
        reason = None
        if key in sources:
            reason = f"{source}: its output {target} would replace an input; choose another -o"
        elif key in planned:
            reason = f"{source}: its output {target} is also the output of {planned[key]}; rename one"
        if reason:
            plan.failures.append(Failure(str(source), reason))
        elif not overwrite and exists(target):
            plan.existing.append((source, target))
        else:
            planned[key] = source
            plan.todo.append((source, target))
    return plan


def exists_reason(source: Path | str, target: Path | str) -> str:
    return f"{source}: output {target} exists; pass --overwrite to replace it"


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
    plan = plan_outputs(inputs, out_dir, name, fmt, overwrite)
    order = {str(source): index for index, source in enumerate(inputs)}
    refused = plan.failures + [Failure(str(s), exists_reason(s, t)) for s, t in plan.existing]
    for failure in sorted(refused, key=lambda f: order[f.path]):  # in input order
        report.failures.append(failure)
        _notify(on_done, Path(failure.path))

    step = max(1, batch_size)
    todo = plan.todo
    try:
        for start in range(0, len(todo), step):
            _colorize_chunk(model, todo[start : start + step], report, checked, device, precision, overwrite,
                            quality, max_pixels, on_done)  # fmt: skip
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def read_photo(source: Path, max_pixels: int | None = None) -> Photo | Failure:
    """The photo, or the failure that names it (every engine reads its inputs here)."""
    try:
        return load_image(source, max_pixels)
    except ColorzooError as exc:
        return Failure(str(source), str(exc))


def colorize_photos(
    model: Colorizer,
    photos: Sequence[Photo],
    sources: Sequence[Path | str],
    controls: dict[str, Any],
    device: torch.device | str | None,
    precision: str,
) -> list[np.ndarray] | list[Failure]:
    """One forward pass over ``photos``: their pixels, or a failure for each (out of memory, say)."""
    try:
        return colorize(model, photos, controls, device=device, precision=precision)
    except (RuntimeError, ValueError, ColorzooError) as exc:  # out of memory on a huge batch; a hint off the image
        return [Failure(str(source), f"{source}: colorization failed ({exc})") for source in sources]


def write_photo(
    pixels: np.ndarray, source: Path | str, target: Path, quality: int = 92, overwrite: bool = False
) -> Path | Failure:
    """Write one output atomically; without ``overwrite`` never over a file that appeared meanwhile."""
    try:
        return save_image(pixels, target, quality=quality, exclusive=not overwrite)
    except FileExistsError:
        return Failure(str(source), f"{source}: output {target} appeared while this run worked (another run?); kept it")
    except OSError as exc:
        return Failure(str(source), f"{source}: cannot write {target} ({exc})")


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
    loaded: list[tuple[Photo, Path, Path]] = []
    for source, target in chunk:
        photo = read_photo(source, max_pixels)
        if isinstance(photo, Failure):
            report.failures.append(photo)
            _notify(on_done, source)
        else:
            loaded.append((photo, source, target))
    if not loaded:
        return
    results = colorize_photos(model, [p for p, _, _ in loaded], [s for _, s, _ in loaded], controls, device,
                              precision)  # fmt: skip
    for (_, source, target), pixels in zip(loaded, results, strict=True):
        written = pixels if isinstance(pixels, Failure) else write_photo(pixels, source, target, quality, overwrite)
        if isinstance(written, Failure):
            report.failures.append(written)
        else:
            report.written.append(written)
        _notify(on_done, source)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path | None) -> None:
    if callback is not None and path is not None:
        callback(path)
