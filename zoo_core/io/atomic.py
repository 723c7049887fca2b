"""Atomic file writes: a crash or a kill never leaves a half-written output behind.

Temporary files are named ``.<name>.<pid>.<random>.tmp`` beside their target, so a later run
can tell the leftovers of a killed process (``clean_stale_temps``) from the files a live one
is still writing.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _temp_for(target: Path) -> str:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
    return tmp


def atomic_write(target: str | os.PathLike[str], write: Callable[[str], object], exclusive: bool = False) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``target``, then move it into place.

    The rename is atomic on POSIX and Windows, so readers see the old file or the new one.
    With ``exclusive=True`` the target must not exist, checked at the very moment it is created
    (a hard link, which fails if the name is taken): two processes writing the same name never
    replace each other's file, and the loser gets ``FileExistsError``.
    """
    target = Path(target)
    tmp = _temp_for(target)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # again: some writers (safetensors) replace the file, as 0600
        if exclusive:
            _link_exclusive(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _link_exclusive(tmp: str, target: Path) -> None:
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:  # a file system without hard links: reserve the name, then fill it
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        os.replace(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Atomically write a UTF-8 text file."""
    return atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete our own temporary files in ``folder`` whose writing process is gone; returns them.

    Files of a process that still runs (a concurrent ``colorzoo run``) are left alone.
    """
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for path in folder.glob(".*.tmp"):
        parts = path.name[1:-4].rsplit(".", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        if not _owner_alive(int(parts[1])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
