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
from pathlib import Path
from typing import Any

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
    folder = Path(out_dir) / found.relative_folder
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
    overwrite: bool = False,
) -> Plan:  # fmt: skip
    """(input, output) pairs to do; outputs already there (skipped unless ``overwrite``); collisions."""
    out_dir = Path(out_dir)
    found = [i if isinstance(i, Found) else Found(Path(i), Path(i).parent) for i in inputs]
    sources = {_real(f.path) for f in found}
    plan = Plan([], [], [])
    planned: dict[Path, Path] = {}
    for item in found:
        source = item.path
        target = output_path(item, out_dir, name, fmt)
        real = _real(target)
        if real in sources:
            reason = f"{source}: its output {target} would replace an input; choose another -o"
            plan.failures.append(Failure(str(source), reason))
        elif real in planned:
            reason = f"{source}: its output {target} is also the output of {planned[real]}; rename one"
            plan.failures.append(Failure(str(source), reason))
        elif target.exists() and not overwrite:
            plan.skipped.append((source, target))
        else:
            planned[real] = source
            plan.todo.append((source, target))
    return plan


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
    folders = {target.parent for _, target in plan.todo} | {out_dir}
    report = BatchReport(failures=list(plan.failures), skipped=[target for _, target in plan.skipped],
                         cleaned=[p for folder in sorted(folders) for p in clean_stale_temps(folder)])  # fmt: skip
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
    loaded: list[tuple[Photo, Path]] = []
    for source, target in chunk:
        try:
            loaded.append((load_image(source, w.max_pixels), target))
        except ColorzooError as exc:
            w.report.failures.append(Failure(str(source), str(exc)))
            _notify(w.on_done, source)
    if not loaded:
        return
    try:
        results = colorize(model, [photo for photo, _ in loaded], w.controls, device=w.device, precision=w.precision)
    except (RuntimeError, ValueError, ColorzooError) as exc:  # out of memory on a huge batch; a hint off the image
        for photo, _ in loaded:
            w.report.failures.append(Failure(str(photo.path), f"{photo.path}: colorization failed ({exc})"))
            _notify(w.on_done, photo.path)
        return
    for (photo, target), pixels in zip(loaded, results, strict=True):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            written = save_image(pixels, target, quality=w.quality, exclusive=not w.overwrite, software=w.software)
            w.report.written.append(written)
        except FileExistsError:  # another run wrote it meanwhile: it is there, and it is kept
            w.report.skipped.append(target)
        except OSError as exc:
            w.report.failures.append(Failure(str(photo.path), f"{photo.path}: cannot write {target} ({exc})"))
        _notify(w.on_done, photo.path)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path | None) -> None:
    if callback is not None and path is not None:
        callback(path)
