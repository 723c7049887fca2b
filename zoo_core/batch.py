"""Colorize many files: expand inputs, plan outputs, keep going past bad files.

Nothing is ever lost: an output never replaces an input, an existing output is kept unless
the caller allows overwriting, and outputs are written atomically.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import torch

from .colorizer import Colorizer
from .errors import ColorzooError
from .imageio import Photo, load_image, save_png
from .inference import colorize

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif", ".jfif"})


@dataclasses.dataclass
class Failure:
    path: str
    reason: str
    """One line that starts with the path."""


@dataclasses.dataclass
class BatchReport:
    written: list[Path] = dataclasses.field(default_factory=list)
    failures: list[Failure] = dataclasses.field(default_factory=list)


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Failure]]:
    """Files as given, image files under directories (recursively), and glob patterns."""
    found: list[Path] = []
    failures: list[Failure] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.exists():
            found.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                failures.append(Failure(text, f"{text}: the pattern matches no file"))
            found += matches
        else:
            failures.append(Failure(text, f"{text}: no such file or directory"))
    unique = list(dict.fromkeys(found))
    return unique, failures


def output_path(source: Path, out_dir: Path, model_name: str) -> Path:
    return out_dir / f"{source.stem}_{model_name}.png"


def colorize_files(
    model: Colorizer,
    inputs: Sequence[Path],
    out_dir: str | os.PathLike[str],
    *,
    temperature: float | None = None,
    batch_size: int = 1,
    overwrite: bool = False,
    device: torch.device | str | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchReport:
    """Colorize ``inputs`` into ``out_dir`` as ``<stem>_<model>.png``; collect failures."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    sources = {_real(p) for p in inputs}
    planned: dict[Path, Path] = {}
    todo: list[tuple[Path, Path]] = []
    for source in inputs:
        target = output_path(source, out_dir, model.config.model)
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

    for start in range(0, len(todo), max(1, batch_size)):
        chunk = todo[start : start + max(1, batch_size)]
        loaded: list[tuple[Photo, Path]] = []
        for source, target in chunk:
            try:
                loaded.append((load_image(source), target))
            except ColorzooError as exc:
                report.failures.append(Failure(str(source), str(exc)))
                _notify(on_done, source)
        if not loaded:
            continue
        try:
            results = colorize(model, [photo for photo, _ in loaded], temperature, device)
        except (RuntimeError, ValueError) as exc:  # e.g. out of memory on a huge batch
            for photo, _ in loaded:
                report.failures.append(Failure(str(photo.path), f"{photo.path}: colorization failed ({exc})"))
                _notify(on_done, photo.path)
            continue
        for (photo, target), pixels in zip(loaded, results, strict=True):
            try:
                report.written.append(save_png(pixels, target))
            except OSError as exc:
                report.failures.append(Failure(str(photo.path), f"{photo.path}: cannot write {target} ({exc})"))
            _notify(on_done, photo.path)
    return report


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path | None) -> None:
    if callback is not None and path is not None:
        callback(path)
