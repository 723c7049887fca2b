"""Where a distributed run's photos come from and go to: local paths, lists of paths, and URIs.

Local folders, files and glob patterns are listed by the local engine's scanner
(``io.files.expand_inputs``); a text file (``.txt``, ``.lst``) names one photo a line (a path,
relative to the list's folder, or a URI), read without touching each file, so a list of
millions costs the driver no file-system round trips; a URI (``s3://``, ``gs://``, ``hdfs://``,
``file://``...) is listed and read through ``pyarrow.fs``, which Ray Data itself uses, so
credentials and endpoints are set the same way (environment variables, instance roles).

A URI travels as a ``UriPath``: path arithmetic (``stem``, ``suffix``, ``/``) works on it as on
a POSIX path, so outputs are named by the same rule as local ones (``render.batch.plan_outputs``),
and ``str()`` spells it in full, so messages and the manifest name it as the user wrote it.
Object stores make an object visible only once it is complete, which is what the local engine's
atomic writes guarantee on disk; other file systems (HDFS, ``file://``) get a temporary name and a
rename. Exclusive creation is checked before the upload there: two concurrent runs into the same
bucket may both write an output (with the same bytes), never a half-written one.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from ..errors import ColorzooError
from ..io.files import IMAGE_SUFFIXES, Failure, Found, Inputs, collect_inputs

LIST_SUFFIXES = (".txt", ".lst")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class UriPath(PurePosixPath):
    """A URI seen as a POSIX path (``s3://bucket/a/b.jpg``: stem ``b``, parent ``s3://bucket/a``)."""

    def __str__(self) -> str:
        scheme, _, rest = super().__str__().partition(":/")
        return f"{scheme}:///{rest}" if scheme == "file" else f"{scheme}://{rest}"

    def __fspath__(self) -> str:  # never opened as a local file by mistake
        raise TypeError(f"{self} is a URI, not a local path")


Location = Path | UriPath


@dataclasses.dataclass(frozen=True)
class FoundUri(Found):
    """A photo at a URI and the URI folder it was found under (outputs mirror the tree below it)."""

    @property
    def relative_folder(self) -> Path:
        try:
            return Path(*self.path.parent.relative_to(self.root).parts)
        except ValueError:
            return Path()


def is_uri(text: str | os.PathLike[str]) -> bool:
    return isinstance(text, UriPath) or (isinstance(text, str) and bool(_URI.match(text)))


def output_location(text: str | os.PathLike[str]) -> Location:
    """``-o``: a local folder or a URI, also when a command line parser made the URI a ``Path``
    (``Path("s3://b/out")`` reads ``s3:/b/out``: the scheme is recovered, unless such a folder exists)."""
    text = str(text)
    if not is_uri(text) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/[^/]", text) and not Path(text).exists():
        return as_location(str(UriPath(text)))
    return as_location(text)


def as_location(text: str | os.PathLike[str]) -> Location:
    """A local ``Path`` or, for ``scheme://...``, a ``UriPath`` (query strings refused: see ``filesystem``)."""
    if isinstance(text, (Path, UriPath)):
        return text
    text = os.fspath(text)
    if not is_uri(text):
        return Path(text)
    if "?" in text or "#" in text:
        raise ColorzooError(f"{text}: query strings are not supported in URIs; set the endpoint and region "
                            "through the environment (AWS_ENDPOINT_URL, AWS_REGION)")
    if text.startswith("file://") and not text.startswith("file:///"):
        raise ColorzooError(f"{text}: a file URI needs an absolute path (file:///...)")
    return UriPath(text)


@functools.lru_cache(maxsize=16)
def _filesystem_for(root: str) -> tuple[Any, str]:
    from pyarrow import fs as pafs

    try:
        return pafs.FileSystem.from_uri(root)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ValueError...
        raise ColorzooError(f"{root}: no file system for this URI ({exc})") from None


def filesystem(uri: UriPath | str) -> tuple[Any, str]:
    """(pyarrow file system, path on it) for a URI; the file system is made once per scheme and host."""
    parts = urlsplit(str(uri))
    fs, base = _filesystem_for(f"{parts.scheme}://{parts.netloc}/")
    path = unquote(parts.path)
    base = base.rstrip("/")
    return fs, f"{base}/{path.lstrip('/')}" if base else path


def _is_object_store(fs: Any) -> bool:
    return fs.type_name in ("s3", "gcs", "abfs")


# -- listing ------------------------------------------------------------------------------------


def list_inputs(
    items: Iterable[str | os.PathLike[str]],
    exclude: Sequence[str | os.PathLike[str]] = (),
    is_output: Callable[[Path], bool] | None = None,
    suffixes: frozenset[str] = IMAGE_SUFFIXES,
) -> Inputs:
    """The photos ``items`` name, each with the folder it was found under, in order, without repeats.

    Local items go through the local engine's scanner (``io.files.collect_inputs``: ``exclude``
    folders are not entered, files ``is_output`` recognises as earlier outputs are left out); a
    list's photos are found under the folder they all share; a URI folder is listed once.
    """
    found: dict[str, Found] = {}
    failures: list[Failure] = []
    ignored: list[Path] = []
    local_exclude = [Path(p) for p in exclude if not is_uri(p)]
    uri_exclude = [str(p).rstrip("/") + "/" for p in exclude if is_uri(p)]
    for item in items:
        text = str(item) if isinstance(item, UriPath) else os.fspath(item)
        if is_uri(text):
            files, broken = _list_uri(as_location(text), uri_exclude, suffixes)  # type: ignore[arg-type]
        elif Path(text).suffix.lower() in LIST_SUFFIXES and Path(text).is_file():
            files, broken = _read_list(Path(text))
        else:
            collected = collect_inputs([text], exclude=local_exclude, is_output=is_output, suffixes=suffixes)
            files, broken = collected.files, collected.failures
            ignored += collected.ignored
        for file in files:
            found.setdefault(str(file.path), file)
        failures += broken
    return Inputs(list(found.values()), failures, ignored)


def _read_list(path: Path) -> tuple[list[Found], list[Failure]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Failure(str(path), f"{path}: cannot read this list of photos ({exc})")]
    locations: list[Location] = []
    failures: list[Failure] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            location = as_location(line)
        except ColorzooError as exc:
            failures.append(Failure(line, f"{path}:{number}: {exc}"))
            continue
        if isinstance(location, Path) and not location.is_absolute():
            location = path.parent / location
        locations.append(location)
    if not locations and not failures:
        failures.append(Failure(str(path), f"{path}: the list names no photo"))
    return _with_common_roots(locations), failures


def _with_common_roots(locations: list[Location]) -> list[Found]:
    """Each listed photo found under the folder the list's photos share (per file system), so that
    outputs mirror the tree below it: a list of /archive/box1/a.tif and /archive/box2/a.tif gives
    OUT/box1/a_MODEL.png and OUT/box2/a_MODEL.png."""
    local = [os.path.abspath(p.parent) for p in locations if isinstance(p, Path)]
    local_root = Path(os.path.commonpath(local)) if local else Path()
    remote: dict[str, PurePosixPath] = {}
    for location in locations:
        if isinstance(location, UriPath):
            key = str(location).split("://", 1)[0] + "://" + location.parts[1]
            parent = location.parent
            common = remote.get(key, parent)
            while common not in (parent, *parent.parents):
                common = common.parent
            remote[key] = common
    return [Found(p, local_root) if isinstance(p, Path) else
            FoundUri(p, remote[str(p).split("://", 1)[0] + "://" + p.parts[1]]) for p in locations]


def _list_uri(root: UriPath, exclude: Sequence[str], suffixes: frozenset[str]) -> tuple[list[Found], list[Failure]]:
    from pyarrow import fs as pafs

    fs, path = filesystem(root)
    try:
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.File:
            return [FoundUri(root, root.parent)], []
        if info.type != pafs.FileType.Directory:
            return [], [Failure(str(root), f"{root}: no such file or folder")]
        entries = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    except OSError as exc:
        return [], [Failure(str(root), f"{root}: cannot list ({exc})")]
    prefix = path.rstrip("/") + "/"
    found: list[Found] = []
    for entry in sorted(entries, key=lambda e: e.path):
        if entry.type != pafs.FileType.File or PurePosixPath(entry.path).suffix.lower() not in suffixes:
            continue
        uri = UriPath(f"{str(root).rstrip('/')}/{entry.path[len(prefix) :]}")
        if not any(str(uri).startswith(skip) for skip in exclude):
            found.append(FoundUri(uri, root))
    if not found:
        return [], [Failure(str(root), f"{root}: no image files found in this folder")]
    return found, []


def existing_files(folder: UriPath) -> set[str]:
    """Every file under a URI folder, as URIs: one listing instead of a request per output."""
    from pyarrow import fs as pafs

    fs, path = filesystem(folder)
    try:
        if fs.get_file_info(path).type != pafs.FileType.Directory:
            return set()
        entries = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    except OSError as exc:
        raise ColorzooError(f"-o {folder}: cannot list ({exc})") from None
    prefix = path.rstrip("/") + "/"
    return {f"{str(folder).rstrip('/')}/{e.path[len(prefix) :]}" for e in entries if e.type == pafs.FileType.File}


# -- reading and writing through pyarrow.fs --------------------------------------------------------


def read_uri_photo(source: UriPath, max_pixels: int | None) -> Any:
    """A ``Photo`` read from a URI (through a local temporary copy), or the ``Failure`` naming the URI."""
    from ..render.batch import read_photo

    try:
        fs, path = filesystem(source)
        with fs.open_input_file(path) as handle:
            data = handle.read()
    except (OSError, ColorzooError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else f"cannot read ({exc})"
        return Failure(str(source), f"{source}: {reason}")
    with tempfile.TemporaryDirectory(prefix="colorzoo-read-") as scratch:
        local = Path(scratch) / f"photo{source.suffix}"
        local.write_bytes(data)
        photo = read_photo(local, max_pixels)
        if isinstance(photo, Failure):
            return Failure(str(source), photo.reason.replace(str(local), str(source)))
        photo.path = None
        return photo


def write_uri_photo(
    pixels: np.ndarray, source: str, target: UriPath, quality: int = 92, overwrite: bool = False,
    software: str | None = None,
) -> UriPath | str | Failure:
    """Encode as the local engine does, then upload: an object store shows the object once complete.
    Returns what ``render.batch.write_photo`` does (``SKIPPED`` for an output another run wrote)."""
    from ..io.images import save_image
    from ..render.batch import SKIPPED

    try:
        fs, path = filesystem(target)
        with tempfile.TemporaryDirectory(prefix="colorzoo-write-") as scratch:
            local = save_image(pixels, Path(scratch) / f"out{target.suffix}", quality=quality, software=software)
            data = local.read_bytes()
        if not overwrite and fs.get_file_info(path).type != _file_type_not_found():
            return SKIPPED
        parent = path.rsplit("/", 1)[0]
        if not _is_object_store(fs):
            fs.create_dir(parent, recursive=True)
            temp = f"{parent}/.{PurePosixPath(path).name}.{uuid.uuid4().hex}.tmp"
            with fs.open_output_stream(temp) as handle:
                handle.write(data)
            fs.move(temp, path)
        else:
            with fs.open_output_stream(path) as handle:
                handle.write(data)
    except (OSError, ColorzooError) as exc:
        return Failure(source, f"{source}: cannot write {target} ({exc})")
    return target


def _file_type_not_found() -> Any:
    from pyarrow import fs as pafs

    return pafs.FileType.NotFound


def download(uri: UriPath, local: Path) -> bool:
    """Copy a file at a URI to ``local``; False if there is none."""
    fs, path = filesystem(uri)
    try:
        with fs.open_input_file(path) as handle:
            data = handle.read()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ColorzooError(f"{uri}: cannot read ({exc})") from None
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    return True


def upload(local: Path, uri: UriPath) -> None:
    """Copy a local file to a URI (atomically on object stores, through a rename elsewhere)."""
    fs, path = filesystem(uri)
    parent = path.rsplit("/", 1)[0]
    temp = path if _is_object_store(fs) else f"{parent}/.{PurePosixPath(path).name}.{uuid.uuid4().hex}.tmp"
    try:
        if not _is_object_store(fs):
            fs.create_dir(parent, recursive=True)
        with fs.open_output_stream(temp) as handle:
            handle.write(local.read_bytes())
        if temp != path:
            fs.move(temp, path)
    except OSError as exc:
        raise ColorzooError(f"{uri}: cannot write ({exc})") from None
