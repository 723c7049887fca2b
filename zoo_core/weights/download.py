"""Downloading release files: streamed, resumable, checked before anything reads them.

A file is streamed into ``downloads/<name>.part`` in colorzoo's cache (a later call resumes it
with an HTTP range request), its size and sha256 are checked, and only then is it handed on
to be converted. A file whose sha256 differs from the declared one (or, where none is
published, from the one recorded at the first download) is deleted and refused.

The network is never waited on for long: ``COLORZOO_OFFLINE=1`` or ``HF_HUB_OFFLINE=1`` skip it
at once, and a host that does not answer within ``COLORZOO_CONNECT_TIMEOUT`` seconds (3) is
taken as unreachable. ``COLORZOO_MIRROR`` points every release URL at a mirror.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .. import settings
from ..errors import NoWeightsError, WeightsError
from ..spec import ReleaseFile
from . import cache

Progress = Callable[[int, "int | None"], None]
"""(bytes done, bytes in all or None)"""

CHUNK = 1 << 20
_TRUTHY = ("1", "true", "yes", "on")


class Unreachable(NoWeightsError):
    """The network or the host is not there: fall back to other weights."""


def is_offline() -> bool:
    return any(os.environ.get(k, "").strip().lower() in _TRUTHY for k in ("COLORZOO_OFFLINE", "HF_HUB_OFFLINE"))


def connect_timeout() -> float:
    return settings.connect_timeout()


_REACHABLE: dict[tuple[str, int], bool] = {}


def reachable(url: str) -> bool:
    """Whether the URL's host accepts a TCP connection within the connect timeout (cached per process)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    key = (parts.hostname, port)
    if key not in _REACHABLE:
        try:
            with socket.create_connection(key, timeout=connect_timeout()):
                _REACHABLE[key] = True
        except OSError:
            _REACHABLE[key] = False
    return _REACHABLE[key]


def release_url(source: ReleaseFile) -> str:
    """The URL to fetch: the declared one, or the same file name under ``COLORZOO_MIRROR``."""
    mirror = os.environ.get("COLORZOO_MIRROR", "").strip()
    return f"{mirror.rstrip('/')}/{source.filename}" if mirror else source.url


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_free_space(directory: Path, needed: int | None, what: str) -> None:
    """Refuse before downloading when the disk cannot hold the file (and its conversion)."""
    if not needed:
        return
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise WeightsError(
            f"{what} needs {needed / 2**20:,.0f} MB in {directory} but only {free / 2**20:,.0f} MB are free; "
            "free some space or set COLORZOO_HOME to a larger disk"
        )


def verify(path: Path, expected: str | None, trust_key: str, what: str, delete: bool = True) -> str:
    """Check ``path`` against the declared sha256, or the one trusted at first use.

    A file that differs is refused, and deleted when it is ours (``delete``: a download, never a
    file of an installed package).
    """
    actual = sha256_of(path)
    fate = "deleted and refused" if delete else "refused"
    if expected is not None and actual != expected.lower():
        if delete:
            path.unlink(missing_ok=True)
        raise WeightsError(f"{what}: sha256 {actual} does not match the declared {expected}; the file was {fate}")
    if expected is None:
        trusted = cache.trusted_sha256(trust_key)
        if trusted is not None and trusted != actual:
            if delete:
                path.unlink(missing_ok=True)
            raise WeightsError(
                f"{what}: sha256 {actual} differs from {trusted}, recorded at its first download; the file "
                f"changed since, so it was {fate} (`colorzoo cache rm` forgets the record)"
            )
        if trusted is None:
            cache.record_trust(trust_key, actual)
    return actual


def fetch_release(source: ReleaseFile, on_progress: Progress | None = None, attempts: int = 3) -> tuple[Path, str]:
    """Download ``source`` into the cache's downloads folder; returns (file, sha256), checked."""
    url = release_url(source)
    what = source.filename
    if is_offline():
        raise Unreachable(f"offline (COLORZOO_OFFLINE/HF_HUB_OFFLINE): {url} is not fetched")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WeightsError(f"{url}: only http(s) URLs are fetched")
    if not reachable(url):
        raise Unreachable(f"cannot reach {urllib.parse.urlsplit(url).netloc} within {connect_timeout():g} s")
    folder = cache.downloads_dir()
    check_free_space(folder, 2 * source.size if source.size else None, what)
    part = folder / f"{what}.part"
    for attempt in range(1, attempts + 1):
        before = part.stat().st_size if part.exists() else 0
        try:
            _stream(url, part, source.size, on_progress)
            break
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                raise NoWeightsError(f"{url}: the server answered {exc.code} {exc.reason}") from None
            got = part.stat().st_size if part.exists() else 0
            if attempt == attempts or got <= before:
                raise Unreachable(
                    f"{url}: download interrupted at {got:,} of {source.size or '?'} bytes ({exc}); "
                    "run the command again to resume it"
                ) from None
            time.sleep(0.2 * attempt)
    if source.size is not None and part.stat().st_size != source.size:
        size = part.stat().st_size
        part.unlink(missing_ok=True)
        raise WeightsError(f"{what}: {size:,} bytes where {source.size:,} were declared; the file was deleted")
    sha = verify(part, source.sha256, source.url, what)
    done = part.with_suffix("")
    os.replace(part, done)
    return done, sha


def _stream(url: str, part: Path, size: int | None, on_progress: Progress | None) -> None:
    """Append the rest of ``url`` to ``part`` (a range request when part of it is there)."""
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if size is not None and have >= size:
        return
    request = urllib.request.Request(url, headers={"User-Agent": "colorzoo"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    # the timeout covers the connection, the first answer and every later read: a host that
    # accepts connections but says nothing costs seconds, and a stalled transfer is resumed
    with urllib.request.urlopen(request, timeout=connect_timeout()) as response:
        if have and response.status != 206:  # the server ignored the range: start again
            have = 0
        length = response.headers.get("Content-Length")
        offered = have + int(length) if length and length.isdigit() else None
        if size is not None and offered is not None and offered != size:
            part.unlink(missing_ok=True)
            raise WeightsError(f"{url}: the server offers {offered:,} bytes where the release has {size:,}; refused")
        total = size or offered
        with open(part, "ab" if have else "wb") as handle:
            done = have
            if on_progress:
                on_progress(done, total)
            while block := response.read(CHUNK):
                handle.write(block)
                done += len(block)
                if on_progress:
                    on_progress(done, total)
        if total is not None and done < total:
            raise http.client.IncompleteRead(b"", total - done)
