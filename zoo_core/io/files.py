"""Finding image files: folders (recursively), files as given, glob patterns.

One scanner for everything that reads folders (run, train, eval, priors). Symbolic links to
files are followed, links to folders are not (no cycles), and a link that points nowhere or
into a loop is reported by name instead of vanishing. ``collect_inputs`` also remembers the
folder each file was found under, so that outputs can mirror the input tree (a camera's
``100CANON/IMG_0001.JPG`` and ``101CANON/IMG_0001.JPG`` never collide), and leaves out files a
caller recognises as its own earlier outputs unless they are named one by one.
"""

from __future__ import annotations

import dataclasses
import errno
import glob
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif", ".jfif"})
#: What ``colorzoo run`` sends to the video path (zoo_core.video), and ``eval``/``compare`` measure as clips.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".ts", ".flv", ".wmv",
                            ".ogv", ".3gp"})


@dataclasses.dataclass
class Failure:
    path: str
    reason: str
    """One line that starts with the path."""


def _broken_link_reason(path: Path) -> str | None:
    """Why a path that looks like a file cannot be read as one, or None if it can."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{path}: a symbolic link loop"
        if path.is_symlink():
            return f"{path}: a symbolic link to {os.readlink(path)}, which does not exist"
        return f"{path}: {exc.strerror or exc}"
    return None


def scan_folder(
    root: Path, exclude: Sequence[Path] = (), suffixes: frozenset[str] = IMAGE_SUFFIXES
) -> tuple[list[Path], list[Failure]]:
    """Files under ``root`` with one of ``suffixes`` (images), sorted; broken links and loops as failures.

    Folders in ``exclude`` (compared by real path) are not entered: a run's own output folder
    inside its input folder is never read back as input.
    """
    skip = {os.path.realpath(p) for p in exclude}
    found: list[Path] = []
    failures: list[Failure] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(folder, d)) not in skip)
        for name in sorted(names):
            path = Path(folder) / name
            if path.suffix.lower() not in suffixes:
                continue
            reason = _broken_link_reason(path)
            if reason:
                failures.append(Failure(str(path), reason))
            elif path.is_file():
                found.append(path)
    return sorted(found), failures


def find_images(root: str | os.PathLike[str], suffixes: frozenset[str] = IMAGE_SUFFIXES) -> list[Path]:
    """Image files under the folder ``root`` (recursively), sorted for reproducibility.

    Raises ``FileNotFoundError`` for a missing folder. Broken links are left out.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a directory")
    return scan_folder(root, suffixes=suffixes)[0]


def expand_inputs(
    inputs: Iterable[str | os.PathLike[str]], exclude: Sequence[Path] = ()
) -> tuple[list[Path], list[Failure]]:
    """Files as given, image files under folders (recursively, skipping ``exclude``), glob patterns."""
    collected = collect_inputs(inputs, exclude)
    return [f.path for f in collected.files], collected.failures


@dataclasses.dataclass(frozen=True)
class Found:
    """An input file and the folder it was found under: its output goes to the same place below ``-o``."""

    path: Path
    root: Path
    """The folder given (a folder input), the fixed part of a glob pattern, or the file's own folder."""

    @property
    def relative_folder(self) -> Path:
        """The file's folder below ``root`` (``.`` for a file given as it is)."""
        rel = Path(os.path.relpath(self.path.parent, self.root))
        return Path() if rel.parts[:1] == ("..",) else rel


@dataclasses.dataclass
class Inputs:
    files: list[Found]
    failures: list[Failure]
    ignored: list[Path]
    """Files in folders or patterns that are earlier outputs (``is_output``), left out."""


def _pattern_root(pattern: str) -> Path:
    """The folder a glob pattern starts from: its parts before the first one with a wildcard."""
    fixed = []
    for part in Path(pattern).parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path()


def collect_inputs(
    inputs: Iterable[str | os.PathLike[str]],
    exclude: Sequence[Path] = (),
    is_output: Callable[[Path], bool] | None = None,
    suffixes: frozenset[str] = IMAGE_SUFFIXES,
) -> Inputs:
    """Files as given, files under folders (recursively, skipping ``exclude``), glob matches.

    Files found in folders or by patterns for which ``is_output`` is true (a run's own earlier
    outputs) are left out and listed in ``ignored``; a file named as it is always counts.
    """
    found: dict[Path, Found] = {}
    failures: list[Failure] = []
    ignored: list[Path] = []

    def add(path: Path, root: Path, searched: bool) -> None:
        if searched and is_output is not None and is_output(path):
            ignored.append(path)
        elif path not in found:
            found[path] = Found(path, root)

    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            files, broken = scan_folder(path, exclude, suffixes)
            failures += broken
            if not files and not broken:
                failures.append(Failure(text, f"{text}: no image files found in this folder"))
            for file in files:
                add(file, path, searched=True)
        elif path.exists():
            add(path, path.parent, searched=False)
        elif path.is_symlink():
            failures.append(Failure(text, _broken_link_reason(path) or f"{text}: unreadable"))
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                failures.append(Failure(text, f"{text}: the pattern matches no file"))
            for match in matches:
                add(match, _pattern_root(text), searched=True)
        else:
            failures.append(Failure(text, f"{text}: no such file or directory"))
    return Inputs(list(found.values()), failures, ignored)


def list_images(source: str | os.PathLike[str], suffixes: frozenset[str] = IMAGE_SUFFIXES) -> list[Path]:
    """The images of a training source: a folder tree, or a text file listing image paths (one per line).

    Relative paths in a list file are taken from the list's own folder. Raises ``FileNotFoundError``.
    """
    source = Path(source)
    if source.is_file() and source.suffix.lower() in (".txt", ".lst"):
        lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
        return [p if p.is_absolute() else source.parent / p for p in map(Path, lines) if str(p) and not
                str(p).startswith("#")]
    return find_images(source, suffixes)
