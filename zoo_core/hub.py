"""Weights on the Hugging Face Hub: download with verification, publish, and the local cache.

Everything goes through ``huggingface_hub``, so ``HF_ENDPOINT``, ``HF_HUB_OFFLINE``,
``HF_TOKEN`` and ``HF_HOME`` work as everywhere else. A model declares its Hub weights with
``HubWeights``: a repo, a pinned revision and the sha256 of every file. A downloaded file
that does not match is deleted from the cache and refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .colorizer import CONFIG_NAME, WEIGHTS_NAME
from .errors import NoWeightsError, WeightsError

CARD_NAME = "README.md"
#: What ``publish`` uploads from a model directory, besides the weights, config and card.
PROVENANCE_FILES = ("priors.json", "train_config.json", "train_log.jsonl", "loss.png")


@dataclasses.dataclass(frozen=True)
class HubWeights:
    """Where a model's weights live on the Hub, pinned and checksummed."""

    repo_id: str
    revision: str
    """A tag or a commit hash: never a moving branch."""
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    """File name -> sha256 (hex). At least config.json and model.safetensors."""


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def download(hub: HubWeights, revision: str | None = None) -> Path:
    """Fetch (or find in the cache) every file of ``hub``; return the snapshot directory.

    With the pinned revision every file is checked against its declared sha256. Another
    ``revision`` cannot be checked against the declaration, and is used as the Hub gives it.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from . import __version__

    rev = revision or hub.revision
    where = f"{hub.repo_id}@{rev}"
    paths = []
    for name in hub.files:
        try:
            path = hf_hub_download(hub.repo_id, name, revision=rev, library_name="colorzoo",
                                   library_version=__version__)  # fmt: skip
        except LocalEntryNotFoundError as exc:
            if is_offline():
                raise NoWeightsError(
                    f"offline (HF_HUB_OFFLINE=1) and {name} of {where} is not in the Hugging Face cache; "
                    f"run `colorzoo download` with network access first"
                ) from exc
            raise NoWeightsError(f"cannot reach the Hub for {name} of {where} and it is not cached ({exc})") from exc
        except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
            raise NoWeightsError(f"{where}: {type(exc).__name__}: {_first_line(exc)}") from exc
        except HfHubHTTPError as exc:
            raise NoWeightsError(f"{where}: the Hub answered {_first_line(exc)}") from exc
        if rev == hub.revision:
            _verify(Path(path), hub.files[name], where)
        paths.append(Path(path))
    return paths[0].parent


def is_cached(hub: HubWeights) -> bool:
    """True when every file of the pinned revision is in the local cache."""
    from huggingface_hub import try_to_load_from_cache

    return all(isinstance(try_to_load_from_cache(hub.repo_id, name, revision=hub.revision), str) for name in hub.files)


def _verify(path: Path, expected: str, where: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        blob = Path(os.path.realpath(path))
        path.unlink(missing_ok=True)
        blob.unlink(missing_ok=True)  # never used again: the next try downloads afresh
        raise WeightsError(
            f"{path.name} of {where}: sha256 {actual} does not match the declared {expected}; "
            f"the file was removed from the cache"
        )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def publish(
    directory: str | os.PathLike[str],
    repo_id: str,
    *,
    card: str | os.PathLike[str] | None = None,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
) -> tuple[str, dict[str, str]]:
    """Create ``repo_id`` (if needed) and upload a model directory with its card.

    Uploads config.json, model.safetensors, README.md (the directory's own, else ``card``) and
    training provenance if present; never checkpoints. Returns the commit URL and the sha256
    of every file, ready for a ``HubWeights`` declaration.
    """
    from huggingface_hub import HfApi

    source = Path(directory)
    for required in (CONFIG_NAME, WEIGHTS_NAME):
        if not (source / required).is_file():
            raise WeightsError(f"{source}: no {required}; publish a directory written by save_pretrained or train")
    card_file = source / CARD_NAME if (source / CARD_NAME).is_file() else (Path(card) if card else None)
    if card_file is None or not card_file.is_file():
        raise WeightsError(f"{source}: no {CARD_NAME} and no model card for it; write one (see model_cards/)")
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="colorzoo-publish-") as staging:
        names = [CONFIG_NAME, WEIGHTS_NAME, *(n for n in PROVENANCE_FILES if (source / n).is_file())]
        for name in names:
            shutil.copyfile(source / name, Path(staging) / name)
        shutil.copyfile(card_file, Path(staging) / CARD_NAME)
        hashes = {name: sha256_of(Path(staging) / name) for name in sorted([*names, CARD_NAME])}
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        if revision:
            api.create_branch(repo_id, branch=revision, exist_ok=True, repo_type="model")
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=staging,
            revision=revision,
            repo_type="model",
            commit_message=f"Upload {Path(directory).name} with colorzoo",
        )
    return str(getattr(commit, "commit_url", commit)), hashes


@dataclasses.dataclass
class CachedRepo:
    repo_id: str
    size_bytes: int
    revisions: list[str]
    path: Path


def cached_repos(repo_ids: Iterable[str] | None = None) -> list[CachedRepo]:
    """Model repos in the Hugging Face cache (all, or only ``repo_ids``)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir()
    except CacheNotFound:
        return []
    wanted = set(repo_ids) if repo_ids is not None else None
    return sorted(
        (
            CachedRepo(r.repo_id, r.size_on_disk, sorted(rev.commit_hash for rev in r.revisions), Path(r.repo_path))
            for r in info.repos
            if r.repo_type == "model" and (wanted is None or r.repo_id in wanted)
        ),
        key=lambda r: r.repo_id,
    )


def remove_cached(repo_id: str) -> int:
    """Delete a repo from the cache; returns the bytes freed (0 if it was not cached)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir()
    except CacheNotFound:
        return 0
    hashes = [rev.commit_hash for r in info.repos if r.repo_id == repo_id for rev in r.revisions]
    if not hashes:
        return 0
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    return strategy.expected_freed_size
