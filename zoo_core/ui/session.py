"""One page's work: the photos it dropped, their hints, and the results, in a folder of its own.

Photos are checked when they arrive (``load_image``: a bad or oversized file is refused with
one line naming it) and kept as uploaded; each run reads them again, so memory holds no
photo between requests. Results are PNGs written atomically into the session's folder (inside
the server's temporary folder), named ``<photo>_<MODEL.TAG>.png``; ``zip_results`` bundles them.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ColorzooError, ImageError
from ..io.atomic import atomic_write
from ..io.images import Photo, load_image, save_png
from . import hints as hint_ops
from .hints import Hint

ZIP_NAME = "colorzoo-results.zip"

HintKey = tuple[str, str, str]
"""(photo name, model, control)."""


@dataclasses.dataclass
class InputPhoto:
    name: str
    """The file's own name, made unique within the session."""
    path: Path
    """The uploaded file, as the browser sent it."""
    width: int
    height: int
    before: Path | None
    """The photo as the page shows it (upright, 8-bit PNG, the result's size): the slider's left side
    (None where no page shows it: the HTTP API)."""


@dataclasses.dataclass
class Session:
    """What one page holds between requests. ``root`` is the server's folder for results."""

    root: Path
    id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:12])
    photos: list[InputPhoto] = dataclasses.field(default_factory=list)
    hints: dict[HintKey, list[Hint]] = dataclasses.field(default_factory=dict)
    results: dict[tuple[str, str], Path] = dataclasses.field(default_factory=dict)
    """(photo name, MODEL.TAG) -> the result PNG."""
    _zipped: tuple[Any, ...] = ()
    """What the zip holds now (paths and modification times): rewritten only when the results change."""

    @property
    def folder(self) -> Path:
        path = self.root / self.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def delete(self) -> None:
        shutil.rmtree(self.root / self.id, ignore_errors=True)

    # -- photos -----------------------------------------------------------------------------

    def set_photos(
        self, files: Sequence[str | Path], max_pixels: int | None = None, previews: bool = True
    ) -> list[str]:
        """Take the dropped files as this session's photos; returns one line per refused file.

        Photos that stay keep their hints and results; those removed from the drop zone lose them.
        ``previews``: write the "before" image the page shows (the API needs none).
        """
        kept = {p.path: p for p in self.photos}
        taken = {kept[Path(f)].name for f in files if Path(f) in kept}
        photos: list[InputPhoto] = []
        refused: list[str] = []
        for file in files:
            path = Path(file)
            if path in kept:
                photos.append(kept[path])
                continue
            try:
                photo = load_image(path, max_pixels=max_pixels)
            except ImageError as exc:
                refused.append(_named(str(exc), path))
                continue
            name = _unique(path.name, taken)
            taken.add(name)
            before = None
            if previews:
                before = self.folder / f"input-{uuid.uuid4().hex[:8]}.png"
                save_png(as_uint8(photo), before)
            width, height = photo.size
            photos.append(InputPhoto(name, path, width, height, before))
        names = {p.name for p in photos}
        for gone in [p for p in self.photos if p.name not in names]:
            if gone.before is not None:
                gone.before.unlink(missing_ok=True)
        self.photos = photos
        self.hints = {k: v for k, v in self.hints.items() if k[0] in names}
        for key in [k for k in self.results if k[0] not in names]:
            self.results.pop(key).unlink(missing_ok=True)
        return refused

    def photo(self, name: str) -> InputPhoto:
        for photo in self.photos:
            if photo.name == name:
                return photo
        raise ColorzooError(f"{name}: no such photo in this page (drop it again)")

    def load(self, photo: InputPhoto, max_pixels: int | None = None) -> Photo:
        try:
            return load_image(photo.path, max_pixels=max_pixels)
        except ImageError as exc:
            raise ImageError(_named(str(exc), photo.path)) from None

    # -- hints ------------------------------------------------------------------------------

    def hint_values(self, photo: str, model: str) -> list[tuple[str, str]]:
        """(control, ``X,Y,#RRGGBB``) pairs of ``model``'s hints on ``photo``, in the order placed."""
        return [(control, h.value) for (p, m, control), found in list(self.hints.items()) if (p, m) == (photo, model)
                for h in found]

    # -- results ----------------------------------------------------------------------------

    def colorize(
        self,
        photo: InputPhoto,
        label: str,
        model: Any,
        controls: Mapping[str, Any],
        *,
        device: Any,
        precision: str,
        max_pixels: int | None = None,
        render: Callable[..., list[np.ndarray]] | None = None,
    ) -> Path:
        """Run ``model`` (already loaded) on one photo through the one rendering path; the result's path."""
        from ..render.render import colorize

        pixels = (render or colorize)(model, [self.load(photo, max_pixels)], controls, device=device,
                                      precision=precision)[0]
        target = self.folder / f"{Path(photo.name).stem}_{label}.png"
        save_png(pixels, target)
        self.results[(photo.name, label)] = target
        return target

    def ordered_results(self) -> list[tuple[InputPhoto, str, Path]]:
        """(photo, MODEL.TAG, path), photo by photo in the order dropped, models in the order run."""
        results = list(self.results.items())  # a run of another event may add one meanwhile
        return [(p, label, path) for p in self.photos for (name, label), path in results if name == p.name]

    def zip_results(self) -> Path | None:
        """All results in one zip (written atomically), or None when there are none."""
        results = self.ordered_results()
        if not results:
            return None
        target = self.folder / ZIP_NAME
        holds = tuple((path, path.stat().st_mtime_ns) for _, _, path in results)
        if holds == self._zipped and target.is_file():
            return target

        def write(tmp: str) -> None:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed
                for _, _, path in results:
                    archive.write(path, arcname=path.name)

        atomic_write(target, write)
        self._zipped = holds
        return target


def as_uint8(photo: Photo) -> np.ndarray:
    """The photo as it was read, 8-bit (H, W, 3|4): what the page shows as "before"."""
    rgb = np.round(photo.rgb * 255.0).astype(np.uint8)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    if photo.alpha is not None:
        rgb = np.concatenate([rgb, photo.alpha[..., None]], axis=2)
    return rgb


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while f"{stem}-{n}{suffix}" in taken:
        n += 1
    return f"{stem}-{n}{suffix}"


def _named(message: str, path: Path) -> str:
    """An error about an uploaded file names it as the user knows it, not by the server's temporary path."""
    return message.replace(str(path), path.name, 1)


def draw_hints(session: Session, photo: InputPhoto, key_model: str, key_control: str, selected: int | None) -> Any:
    """The preview to click on, with the hints of one control drawn."""
    from PIL import Image

    if photo.before is None:
        rgb = as_uint8(session.load(photo))[..., :3]
    else:
        with Image.open(photo.before) as before:
            rgb = np.asarray(before.convert("RGB"))
    return hint_ops.draw(rgb, session.hints.get((photo.name, key_model, key_control), []), selected)
