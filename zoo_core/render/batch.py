"""Colorize many files: plan outputs, keep going past bad files, report at the end.

Outputs mirror the input tree below the output folder (``in/2019/a.jpg``, given as the folder
``in``, goes to ``OUT/2019/a_MODEL.jpg``), so photos of the same name in different folders (a
camera's ``100CANON/IMG_0001.JPG`` and ``101CANON/IMG_0001.JPG``) never collide.

Nothing is ever lost: an output never replaces an input, an existing output is kept unless the
caller allows overwriting (checked when the output is created, not before the batch, so two
concurrent runs cannot replace each other's files), and outputs are written atomically.
An output that is already there counts as skipped, not failed: a rerun after an interruption
does only what is left and succeeds. Temporary files left by a killed run are removed by the next.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import torch

from .. import __version__
from ..errors import ColorzooError
from ..io.atomic import clean_stale_temps
from ..io.files import Failure, Found
from ..io.images import FORMATS, SOFTWARE_PREFIX, Photo, load_image, save_image
from ..models.colorizer import Colorizer
from .render import check_controls, colorize

OUTPUT_FORMATS = ("png", "jpg", "webp", "same")
#: Other spellings ``--format`` takes (any case).
FORMAT_ALIASES = {"jpeg": "jpg", "jfif": "jpg"}


def output_format(name: str) -> str:
    """``--format`` in any case and its aliases (``JPEG`` -> ``jpg``); a one-line error otherwise."""
    fmt = FORMAT_ALIASES.get(name.strip().lower(), name.strip().lower())
    if fmt not in OUTPUT_FORMATS:
        raise ColorzooError(f"--format {name!r}: use one of {', '.join(OUTPUT_FORMATS)} (or jpeg)")
    return fmt


@dataclasses.dataclass
class BatchReport:
    written: list[Path] = dataclasses.field(default_factory=list)
    failures: list[Failure] = dataclasses.field(default_factory=list)
    skipped: list[Path] = dataclasses.field(default_factory=list)
    """Outputs that were already there (kept: ``overwrite`` redoes them)."""
    interrupted: bool = False
    cleaned: list[Path] = dataclasses.field(default_factory=list)
    """Temporary files of earlier, killed runs that were removed."""


def output_suffix(source: Path, fmt: str) -> str:
    """The output's suffix: the chosen format, or with ``same`` the input's (PNG for what we cannot write)."""
    if fmt != "same":
        return FORMATS[fmt][1]
    by_suffix = {".jpg": ".jpg", ".jpeg": ".jpg", ".jfif": ".jpg", ".webp": ".webp"}
    return by_suffix.get(source.suffix.lower(), ".png")


def output_path(source: Path | Found, out_dir: Path, model_name: str, fmt: str = "same") -> Path:
    """``OUT/<folder below the input's root>/<stem>_<model><suffix>``."""
    found = source if isinstance(source, Found) else Found(Path(source), Path(source).parent)
    folder = _folder(out_dir) / found.relative_folder
    return folder / f"{found.path.stem}_{model_name}{output_suffix(found.path, fmt)}"


def is_output_name(path: Path, model_names: set[str]) -> bool:
    """Whether a file name has the shape of an output: ``<stem>_<model>.<suffix>``."""
    stem = path.stem
    return any(stem.endswith(f"_{name}") and len(stem) > len(name) + 1 for name in model_names)


def software(model_name: str) -> str:
    """The marker colorzoo's outputs carry."""
    return f"{SOFTWARE_PREFIX}{__version__} ({model_name})"


@dataclasses.dataclass
class Plan:
    """What a batch will write where, what is already there and what cannot be done."""

    todo: list[tuple[Path, Path]]
    skipped: list[tuple[Path, Path]]
    failures: list[Failure]


def plan_outputs(
    inputs: Sequence[Path | Found], out_dir: str | os.PathLike[str], name: str, fmt: str = "same",
    overwrite: bool = False, *, exists: Callable[[Path], bool] | None = None,
    real: Callable[[Path], Path] | None = None,
) -> Plan:
    """(input, output) pairs to do; outputs already there (skipped unless ``overwrite``); collisions.

    The one naming rule of every engine. ``exists`` and ``real`` let an engine plan on another file
    system (a URI folder, listed once) or faster at archive scale, by the same rule.
    """
    out_dir = _folder(out_dir)
    exists = exists or (lambda target: target.exists())
    _real_path = real or _real
    found = [i if isinstance(i, Found) else Found(Path(i), Path(i).parent) for i in inputs]
    sources = {_real_path(f.path) for f in found}
    plan = Plan([], [], [])
    planned: dict[Path, Path] = {}
    for item in found:
        source = item.path
        target = output_path(item, out_dir, name, fmt)
        key = _real_path(target)
        if key in sources:
            reason = f"{source}: its output {target} would replace an input; choose another -o"
            plan.failures.append(Failure(str(source), reason))
        elif key in planned:
            reason = f"{source}: its output {target} is also the output of {planned[key]}; rename one"
            plan.failures.append(Failure(str(source), reason))
        elif not overwrite and exists(target):
            plan.skipped.append((source, target))
        else:
            planned[key] = source
            plan.todo.append((source, target))
    return plan


def stale_temps_removed(plan: Plan, out_dir: Path) -> list[Path]:
    """Remove the temporary files killed runs left in the folders this plan writes to; the removed."""
    folders = {target.parent for _, target in plan.todo} | {out_dir}
    return [p for folder in sorted(folders) for p in clean_stale_temps(folder)]


def colorize_files(
    model: Colorizer,
    inputs: Sequence[Path | Found],
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
    """Colorize ``inputs`` into ``out_dir`` as ``<folder>/<stem>_<name>.<format>``; collect failures."""
    fmt = output_format(fmt)
    checked = check_controls(model, controls)
    name = name or model.config.model
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_outputs(inputs, out_dir, name, fmt, overwrite)
    report = BatchReport(failures=list(plan.failures), skipped=[target for _, target in plan.skipped],
                         cleaned=stale_temps_removed(plan, out_dir))
    for source, _ in [*((Path(f.path), None) for f in plan.failures), *plan.skipped]:
        _notify(on_done, source)
    writing = _Writing(report, checked, device, precision, overwrite, quality, max_pixels, software(name), on_done)
    step = max(1, batch_size)
    try:
        for start in range(0, len(plan.todo), step):
            _colorize_chunk(model, plan.todo[start : start + step], writing)
    except KeyboardInterrupt:
        report.interrupted = True
    return report


@dataclasses.dataclass
class _Writing:
    """What every chunk of one batch shares."""

    report: BatchReport
    controls: dict[str, Any]
    device: torch.device | str | None
    precision: str
    overwrite: bool
    quality: int
    max_pixels: int | None
    software: str
    on_done: Callable[[Path], None] | None


def _colorize_chunk(model: Colorizer, chunk: list[tuple[Path, Path]], w: _Writing) -> None:
    loaded: list[tuple[Photo, Path, Path]] = []
    for source, target in chunk:
        photo = read_photo(source, w.max_pixels)
        if isinstance(photo, Failure):
            w.report.failures.append(photo)
            _notify(w.on_done, source)
        else:
            loaded.append((photo, source, target))
    if not loaded:
        return
    results = colorize_photos(model, [p for p, _, _ in loaded], [s for _, s, _ in loaded], w.controls, w.device,
                              w.precision)
    for (_, source, target), pixels in zip(loaded, results, strict=True):
        done = pixels if isinstance(pixels, Failure) else write_photo(pixels, source, target, w.quality, w.overwrite,
                                                                       w.software)
        if isinstance(done, Failure):
            w.report.failures.append(done)
        elif done == SKIPPED:
            w.report.skipped.append(target)
        else:
            w.report.written.append(done)
        _notify(w.on_done, source)


# -- the steps of a chunk, one function each: every engine runs these (render.batch, distributed) --

SKIPPED = "skipped"
"""What ``write_photo`` returns for an output another run wrote meanwhile: it is there, and it is kept."""


def read_photo(source: Path, max_pixels: int | None = None) -> Photo | Failure:
    """The photo, or the failure that names it."""
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
    pixels: np.ndarray, source: Path | str, target: Path, quality: int = 92, overwrite: bool = False,
    software: str | None = None,
) -> Path | str | Failure:
    """Write one output atomically (its folder made), never over a file unless ``overwrite``: the
    path written, ``SKIPPED`` if another run wrote it meanwhile, or the failure."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return save_image(pixels, target, quality=quality, exclusive=not overwrite, software=software)
    except FileExistsError:
        return SKIPPED
    except OSError as exc:
        return Failure(str(source), f"{source}: cannot write {target} ({exc})")


def _folder(out_dir: str | os.PathLike[str]) -> Path:
    """The output folder as a path; a URI (``distributed.storage.UriPath``) stays one."""
    return out_dir if isinstance(out_dir, PurePath) else Path(out_dir)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path | None) -> None:
    if callback is not None and path is not None:
        callback(path)
