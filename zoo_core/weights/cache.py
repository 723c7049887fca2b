"""colorzoo's weights cache: converted weight sets, partial downloads and first-use checksums.

Layout under ``cache_root()`` (``$COLORZOO_HOME``, else ``$XDG_CACHE_HOME/colorzoo``, else
``~/.cache/colorzoo``)::

    weights/<model>/<tag>/config.json, model.safetensors, source.json   converted, ready to load
    downloads/<sha or name>.part                                         interrupted downloads (resumed)
    trust.json                                                           sha256 recorded at first download

Files from the Hugging Face Hub stay in the Hub's own cache (``HF_HOME``); what colorzoo
converts from them lands here. ``source.json`` says where a set came from, its sha256 and
license, for ``colorzoo cache list``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..io.atomic import write_text
from ..models.format import CONFIG_NAME, WEIGHTS_NAME

SOURCE_NAME = "source.json"


def cache_root() -> Path:
    explicit = os.environ.get("COLORZOO_HOME")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "colorzoo"


def weight_set_dir(model: str, tag: str) -> Path:
    return cache_root() / "weights" / model / tag


def downloads_dir() -> Path:
    return cache_root() / "downloads"


def is_converted(model: str, tag: str) -> bool:
    directory = weight_set_dir(model, tag)
    return (directory / WEIGHTS_NAME).is_file() and (directory / CONFIG_NAME).is_file()


def read_source(model: str, tag: str) -> dict[str, Any]:
    try:
        return json.loads((weight_set_dir(model, tag) / SOURCE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_source(directory: Path, record: dict[str, Any]) -> None:
    write_text(directory / SOURCE_NAME, json.dumps(record, indent=2, sort_keys=True) + "\n")


@dataclasses.dataclass
class CachedSet:
    model: str
    tag: str
    size_bytes: int
    path: Path
    source: dict[str, Any]


def cached_sets() -> list[CachedSet]:
    """Every converted weight set in the cache."""
    root = cache_root() / "weights"
    found = []
    if root.is_dir():
        for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for tag_dir in sorted(p for p in model_dir.iterdir() if p.is_dir()):
                if (tag_dir / WEIGHTS_NAME).is_file():
                    size = sum(f.stat().st_size for f in tag_dir.iterdir() if f.is_file())
                    found.append(CachedSet(model_dir.name, tag_dir.name, size, tag_dir, read_source(model_dir.name,
                                                                                                   tag_dir.name)))
    return found


def remove_set(model: str, tag: str) -> int:
    """Delete a converted set; returns the bytes freed."""
    directory = weight_set_dir(model, tag)
    if not directory.is_dir():
        return 0
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    shutil.rmtree(directory)
    return size


# -- trust on first use ---------------------------------------------------------------------


def _trust_file() -> Path:
    return cache_root() / "trust.json"


def trusted_sha256(key: str) -> str | None:
    try:
        return json.loads(_trust_file().read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError):
        return None


def trusted_keys(prefix: str) -> list[str]:
    """The keys of the recorded checksums that start with ``prefix``."""
    try:
        return sorted(k for k in json.loads(_trust_file().read_text(encoding="utf-8")) if k.startswith(prefix))
    except (OSError, ValueError, TypeError):
        return []


def record_trust(key: str, sha256: str) -> None:
    path = _trust_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        records = {}
    records[key] = sha256
    write_text(path, json.dumps(records, indent=2, sort_keys=True) + "\n")


def forget_trust(prefix: str) -> None:
    path = _trust_file()
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    write_text(path, json.dumps({k: v for k, v in records.items() if not k.startswith(prefix)}, indent=2) + "\n")
