"""Weights on the Hugging Face Hub: verified downloads, publishing, and the Hub's cache.

Everything goes through ``huggingface_hub``, so ``HF_ENDPOINT``, ``HF_HUB_OFFLINE``,
``HF_TOKEN`` and ``HF_HOME`` work as everywhere else. A ``HubRepo`` source pins a revision and
the sha256 of each file (or None: trusted on first use, as for release files). A file that
does not match is deleted from the cache and refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ColorzooError, NoWeightsError, WeightsError
from ..models.format import CONFIG_NAME, WEIGHTS_NAME
from ..spec import HubRepo
from .download import Unreachable, is_offline, reachable, sha256_of, verify

CARD_NAME = "README.md"
#: What ``publish`` uploads from a model directory, besides the weights, config and card.
PROVENANCE_FILES = ("priors.json", "train_config.json", "train_log.jsonl", "loss.png")


def endpoint() -> str:
    """The Hub's URL: ``HF_ENDPOINT`` as it is now (huggingface_hub reads it once, at import)."""
    from huggingface_hub import constants

    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or constants.ENDPOINT


def cache_dir() -> str:
    """The Hub cache: ``HF_HUB_CACHE``, else ``HF_HOME``/hub, as they are now."""
    from huggingface_hub import constants

    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    return constants.HF_HUB_CACHE


def trust_key(repo: HubRepo, name: str) -> str:
    return f"hf://{repo.repo_id}@{repo.revision}/{name}"


def download(repo: HubRepo, revision: str | None = None) -> Path:
    """Fetch (or find in the Hub cache) every file of ``repo``; return the snapshot directory.

    At the pinned revision every file is checked against its declared (or first-use) sha256.
    Another ``revision`` cannot be checked against the declaration and is used as the Hub gives it.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from .. import __version__

    rev = revision or repo.revision
    where = f"{repo.repo_id}@{rev}"
    local_only = is_offline() or not reachable(endpoint())
    paths = []
    for name, expected in repo.files.items():
        try:
            path = Path(hf_hub_download(repo.repo_id, name, revision=rev, library_name="colorzoo",
                                        library_version=__version__, local_files_only=local_only,
                                        endpoint=endpoint(), cache_dir=cache_dir()))
        except LocalEntryNotFoundError as exc:
            if is_offline():
                why = "offline (HF_HUB_OFFLINE/COLORZOO_OFFLINE)"
            elif local_only:
                why = f"cannot reach {endpoint()}"
            else:
                why = f"{endpoint()} did not deliver it ({first_line(exc.__cause__ or exc)})"
            raise Unreachable(f"{why} and {name} of {where} is not in the Hugging Face cache") from exc
        except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
            raise NoWeightsError(f"{where}: {type(exc).__name__}: {first_line(exc)}") from exc
        except HfHubHTTPError as exc:
            raise NoWeightsError(f"{where}: the Hub answered {first_line(exc)}") from exc
        except OSError as exc:  # connection reset, timeouts
            raise Unreachable(f"{where}: {name} could not be downloaded ({first_line(exc)})") from exc
        if rev == repo.revision:
            _verify_cached(path, expected, trust_key(repo, name), f"{name} of {where}")
        paths.append(path)
    return paths[0].parent


def _verify_cached(path: Path, expected: str | None, key: str, what: str) -> None:
    blob = Path(os.path.realpath(path))
    try:
        verify(blob, expected, key, what)
    except WeightsError:
        path.unlink(missing_ok=True)  # the snapshot's link; the blob is already gone
        raise


def is_cached(repo: HubRepo) -> bool:
    """True when every file of the pinned revision is in the Hub cache."""
    from huggingface_hub import try_to_load_from_cache

    return all(
        isinstance(try_to_load_from_cache(repo.repo_id, name, revision=repo.revision, cache_dir=cache_dir()), str)
        for name in repo.files
    )


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check_repo_id(repo_id: str, what: str) -> None:
    """Refuse what is not a Hub model repo id of the form ORG/NAME (one line naming ``what``)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    problem = None if repo_id.count("/") == 1 else "expected ORG/NAME"
    if problem is None:
        try:
            validate_repo_id(repo_id)
        except HFValidationError as exc:
            problem = first_line(exc).split(": '")[0].rstrip(".")
    if problem:
        raise ColorzooError(f"{what}: {repo_id!r} is not a Hub repo id ({problem})")


def require_hub(action: str) -> None:
    """Fail at once, in one line, when the Hub cannot be asked (offline, or its endpoint unreachable)."""
    if is_offline():
        raise Unreachable(f"offline (COLORZOO_OFFLINE/HF_HUB_OFFLINE): {action} needs the Hub ({endpoint()})")
    if not reachable(endpoint()):
        raise Unreachable(f"cannot reach {endpoint()}: {action} needs the Hub")


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
    of every file, ready for a ``HubRepo`` declaration.
    """
    from huggingface_hub import HfApi

    check_repo_id(repo_id, "repo id")
    require_hub("publishing")
    source = Path(directory)
    for required in (CONFIG_NAME, WEIGHTS_NAME):
        if not (source / required).is_file():
            raise WeightsError(f"{source}: no {required}; publish a directory written by save_pretrained or train")
    card_file = source / CARD_NAME if (source / CARD_NAME).is_file() else (Path(card) if card else None)
    if card_file is None or not card_file.is_file():
        raise WeightsError(f"{source}: no {CARD_NAME} and no model card for it; write one (see model_cards/)")
    api = HfApi(endpoint=endpoint(), token=token)
    with tempfile.TemporaryDirectory(prefix="colorzoo-publish-") as staging:
        names = [CONFIG_NAME, WEIGHTS_NAME, *(n for n in PROVENANCE_FILES if (source / n).is_file())]
        for name in names:
            shutil.copyfile(source / name, Path(staging) / name)
        shutil.copyfile(card_file, Path(staging) / CARD_NAME)
        hashes = {name: sha256_of(Path(staging) / name) for name in sorted([*names, CARD_NAME])}
        with _upload_errors(repo_id):
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


@contextlib.contextmanager
def _upload_errors(repo_id: str) -> Iterator[None]:
    from huggingface_hub.errors import HfHubHTTPError

    try:
        yield
    except HfHubHTTPError as exc:
        raise WeightsError(f"{repo_id}: the Hub refused the upload ({first_line(exc)})") from exc
    except ValueError as exc:  # the Hub's check of the card's metadata
        text = " ".join(line.strip("- ") for line in str(exc).splitlines())
        raise WeightsError(f"{repo_id}: the Hub refused the card ({text})") from exc
    except OSError as exc:  # connection reset, timeouts
        raise Unreachable(f"{repo_id}: the upload failed ({first_line(exc)})") from exc


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
        info = scan_cache_dir(cache_dir())
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
    """Delete a repo from the Hub cache; returns the bytes freed (0 if it was not cached)."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(cache_dir())
    except CacheNotFound:
        return 0
    hashes = [rev.commit_hash for r in info.repos if r.repo_id == repo_id for rev in r.revisions]
    if not hashes:
        return 0
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    return strategy.expected_freed_size
