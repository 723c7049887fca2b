"""Models anyone shared on the Hugging Face Hub, run by repo id: ``hf-hub:ORG/NAME[@REVISION]``.

timm's prefix (``create_model("hf-hub:org/name")``): a repo that holds colorzoo's
``config.json`` + ``model.safetensors`` (what ``colorzoo publish`` uploads) is a weight set that
no plugin declared. Its ``config.json`` names the registered model it is an instance of, so the
registry builds that model and loads the repo's weights into it. Because nobody declared what
those files should be:

- the revision (a branch, tag or commit; ``main`` when none is given) is resolved to a commit
  first, and everything is read from that commit, which is shown and recorded;
- only ``config.json``, ``model.safetensors`` and ``README.md`` are fetched, never a pickle (a
  repo holding only ``.bin``/``.pth``/``.ckpt`` weights is refused before any download);
- each file's sha256 is recorded at its first download, keyed by repo and commit (trust on first
  use, ``cache.record_trust``), and a later, different file under the same commit is deleted and
  refused; on first use an LFS file must also match the sha256 the Hub lists for it.

Offline (``COLORZOO_OFFLINE``/``HF_HUB_OFFLINE``, or the endpoint unreachable), a repo in the
Hugging Face cache runs from there (its revision resolved through the cache's refs); one that is
not is a one-line error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..catalog import family_of
from ..errors import ColorzooError, NoWeightsError, WeightsError
from ..models.format import CONFIG_NAME, WEIGHTS_NAME
from . import cache
from .download import Unreachable, is_offline, reachable, sha256_of
from .hub import CARD_NAME, cache_dir, check_repo_id, endpoint, first_line

PREFIX = "hf-hub:"
TRUST_PREFIX = "hf-hub://"
#: Weights in a pickle format: refused, never downloaded.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DISTRIBUTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

Notify = Callable[[str], None]


def is_hub_name(name: object) -> bool:
    """Whether ``name`` is a Hub model id (``hf-hub:...``) rather than a registered model name."""
    return isinstance(name, str) and name.startswith(PREFIX)


@dataclasses.dataclass(frozen=True)
class HubRef:
    """A Hub model id as given: the repo and the revision asked for (None: ``main``)."""

    repo_id: str
    revision: str | None = None

    @property
    def rev(self) -> str:
        return self.revision or "main"

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.repo_id}" + (f"@{self.revision}" if self.revision else "")

    def pinned(self, commit: str) -> str:
        """The id that names exactly this commit: running it again runs the same weights."""
        return f"{PREFIX}{self.repo_id}@{commit}"


def parse_hub_name(name: str) -> HubRef:
    """``hf-hub:ORG/NAME[@REVISION]`` -> ``HubRef``; a malformed id is a one-line error."""
    if not is_hub_name(name):
        raise ColorzooError(f"{name!r} is not a Hub model id; expected hf-hub:ORG/NAME or hf-hub:ORG/NAME@REVISION")
    repo_id, sep, revision = name[len(PREFIX) :].partition("@")
    check_repo_id(repo_id, name)
    if sep and (not revision or any(c.isspace() or ord(c) < 32 for c in revision) or ".." in revision):
        raise ColorzooError(f"{name}: {revision!r} is not a revision; give a branch, a tag or a commit after @")
    return HubRef(repo_id, revision or None)


@dataclasses.dataclass(frozen=True)
class HubModel:
    """A Hub model id resolved: the commit it stood for, its snapshot folder, its config and card."""

    ref: HubRef
    commit: str
    path: Path
    """The snapshot folder in the Hugging Face cache (config.json, model.safetensors when fetched)."""
    config: dict[str, Any]
    card: str | None
    from_cache: bool
    """Resolved offline, from the Hugging Face cache."""

    @property
    def model(self) -> str:
        return str(self.config.get("model"))

    @property
    def pinned(self) -> str:
        return self.ref.pinned(self.commit)

    @property
    def short(self) -> str:
        """``ORG/NAME@abcdef1``: a short label for tables and pictures."""
        return f"{self.ref.repo_id}@{self.commit[:7]}"

    @property
    def metadata(self) -> dict[str, Any]:
        """The card's YAML metadata (empty when there is no card or it does not parse)."""
        if not self.card:
            return {}
        from huggingface_hub import ModelCard

        try:
            return ModelCard(self.card, ignore_metadata_errors=True).data.to_dict()
        except Exception:  # noqa: BLE001 - a card written by anyone: unreadable metadata is no metadata
            return {}

    @property
    def license(self) -> str:
        value = self.metadata.get("license")
        return value if isinstance(value, str) else ""

    def install_hint(self) -> str:
        """What installs the family of this repo's model: the catalog's pip command, else its card's word."""
        family = family_of(self.model)
        if family is not None:
            return (f"from the {family.name} family ({family.distribution}), which is not installed: "
                    f"{family.pip_command}")
        declared = self.metadata.get("colorzoo")
        distribution = declared.get("distribution") if isinstance(declared, dict) else None
        if isinstance(distribution, str) and _DISTRIBUTION.fullmatch(distribution):
            return f"which no installed plugin provides; its card names the distribution: pip install {distribution}"
        return "which no installed plugin provides, and its card does not say which distribution does"


def trust_key(repo_id: str, commit: str, name: str) -> str:
    return f"{TRUST_PREFIX}{repo_id}@{commit}/{name}"


def fetch(name: str | HubRef, *, weights: bool = True, notify: Notify | None = None) -> HubModel:
    """Resolve a Hub model id to a commit and fetch (or find in the cache) its files, checked.

    ``weights=False`` fetches only config.json and the card (``colorzoo info``, the registry's
    lookup of which model a repo holds).
    """
    ref = parse_hub_name(name) if isinstance(name, str) else name
    local = is_offline() or not reachable(endpoint())
    if local:
        commit = _cached_commit(ref)
        if commit is None:
            why = "offline (COLORZOO_OFFLINE/HF_HUB_OFFLINE)" if is_offline() else f"cannot reach {endpoint()}"
            raise Unreachable(f"{why} and {ref.name} is not in the Hugging Face cache; run it once online")
        with_card = True
    else:
        commit, files = _repo_files(ref)
        check_layout(ref, files)
        with_card = CARD_NAME in files
        if weights and notify and _cached_path(ref.repo_id, WEIGHTS_NAME, commit) is None:
            notify(f"downloading {ref.pinned(commit)} from {endpoint()}")
    config_path = _download(ref, CONFIG_NAME, commit, local)
    _check_file(config_path, ref, commit, CONFIG_NAME)
    config = _read_config(config_path, ref)
    if weights:
        _check_file(_download(ref, WEIGHTS_NAME, commit, local), ref, commit, WEIGHTS_NAME)
    card = None
    if with_card:
        with contextlib.suppress(NoWeightsError):
            card = _download(ref, CARD_NAME, commit, local).read_text(encoding="utf-8", errors="replace")
    return HubModel(ref, commit, config_path.parent, config, card, local)


def check_layout(ref: HubRef, files: list[str]) -> None:
    """Refuse, before any download, a repo that is not colorzoo's layout, and one that holds only pickles."""
    if CONFIG_NAME in files and WEIGHTS_NAME in files:
        return
    pickles = sorted(f for f in files if f.lower().endswith(PICKLE_SUFFIXES))
    others = sorted(f for f in files if f.endswith(".safetensors"))
    if WEIGHTS_NAME not in files and pickles and not others:
        raise WeightsError(
            f"{ref.name}: holds only pickled weights ({', '.join(pickles[:3])}), and colorzoo never loads a "
            f"pickle from the Hub; its author can publish {WEIGHTS_NAME} (`colorzoo publish` writes it)"
        )
    missing = " and no ".join(n for n in (CONFIG_NAME, WEIGHTS_NAME) if n not in files)
    has = f"; it has {', '.join(others[:3])}" if others else ""
    raise WeightsError(
        f"{ref.name}: not a colorzoo model repo (no {missing}{has}); colorzoo runs repos holding "
        f"{CONFIG_NAME} + {WEIGHTS_NAME}"
    )


def _repo_files(ref: HubRef) -> tuple[str, list[str]]:
    """(commit, file names) of the revision, asked of the Hub."""
    from huggingface_hub import HfApi

    with _hub_errors(ref):
        info = HfApi(endpoint=endpoint()).model_info(ref.repo_id, revision=ref.rev)
    if not info.sha:
        raise NoWeightsError(f"{ref.name}: {endpoint()} did not say which commit {ref.rev} is")
    return info.sha, [s.rfilename for s in info.siblings or []]


def _cached_commit(ref: HubRef) -> str | None:
    """The commit the revision resolved to when it was last fetched (the cache's refs), if cached."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(ref.repo_id, CONFIG_NAME, revision=ref.rev, cache_dir=cache_dir())
    return Path(found).parent.name if isinstance(found, str) else None


def _cached_path(repo_id: str, name: str, commit: str) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, name, revision=commit, cache_dir=cache_dir())
    return found if isinstance(found, str) else None


def _download(ref: HubRef, name: str, commit: str, local: bool) -> Path:
    """One file of the resolved commit, from the cache or the Hub (asked by revision, so that the
    cache learns where the revision points and an offline run finds it)."""
    from huggingface_hub import hf_hub_download

    from .. import __version__

    with _hub_errors(ref, name):
        path = Path(hf_hub_download(ref.repo_id, name, revision=ref.rev, library_name="colorzoo",
                                    library_version=__version__, local_files_only=local, endpoint=endpoint(),
                                    cache_dir=cache_dir()))
    if path.parent.name != commit:  # the branch moved between two requests
        raise NoWeightsError(f"{ref.name}: {ref.rev} moved from {commit} to {path.parent.name} while it was fetched; "
                             "run again")
    return path


@contextlib.contextmanager
def _hub_errors(ref: HubRef, name: str | None = None) -> Iterator[None]:
    """huggingface_hub's exceptions as one-line colorzoo errors."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    what = f"{name} of {ref.name}" if name else ref.name
    try:
        yield
    except LocalEntryNotFoundError as exc:
        why = "offline (COLORZOO_OFFLINE/HF_HUB_OFFLINE)" if is_offline() else f"{endpoint()} did not deliver it"
        raise Unreachable(f"{why} and {what} is not in the Hugging Face cache") from exc
    except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
        raise NoWeightsError(
            f"{ref.name}: no such repo or revision on {endpoint()} (a private repo needs HF_TOKEN)"
        ) from exc
    except EntryNotFoundError as exc:
        raise NoWeightsError(f"{what}: no such file in the repo") from exc
    except HfHubHTTPError as exc:
        raise NoWeightsError(f"{what}: the Hub answered {first_line(exc)}") from exc
    except OSError as exc:  # connection reset, timeouts
        raise Unreachable(f"{what} could not be downloaded ({first_line(exc)})") from exc


def _check_file(path: Path, ref: HubRef, commit: str, name: str) -> str:
    """Trust on first use, keyed by repo and commit: the first sha256 is recorded, a different one refused."""
    blob = Path(os.path.realpath(path))
    actual = sha256_of(blob)
    key = trust_key(ref.repo_id, commit, name)
    trusted = cache.trusted_sha256(key)
    listed = blob.name if _SHA256.fullmatch(blob.name) else None  # an LFS file's blob is named by its sha256
    problem = None
    if trusted is not None and actual != trusted:
        problem = (f"sha256 {actual} differs from {trusted}, recorded at its first download of this commit; the "
                   f"file changed since, so it was deleted and refused (`colorzoo cache rm {ref.name}` forgets the "
                   "record)")
    elif trusted is None and listed is not None and actual != listed:
        problem = f"sha256 {actual} is not {listed}, the one the Hub lists for it; it was deleted and refused"
    if problem:
        blob.unlink(missing_ok=True)
        path.unlink(missing_ok=True)  # the snapshot's link to it
        raise WeightsError(f"{name} of {ref.pinned(commit)}: {problem}")
    if trusted is None:
        cache.record_trust(key, actual)
    return actual


def _read_config(path: Path, ref: HubRef) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WeightsError(f"{CONFIG_NAME} of {ref.name}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("model"), str) or not config["model"]:
        raise WeightsError(
            f"{CONFIG_NAME} of {ref.name}: names no colorzoo model (no \"model\" field); not a colorzoo model repo"
        )
    return config


def resolve_hub(name: str, model: str | None = None, notify: Notify | None = None) -> Any:
    """``ResolvedWeights`` for a Hub model id: the snapshot folder, checked, naming its commit.

    ``model``: the registered model the caller will build; the repo's config must name it.
    """
    from .resolve import ResolvedWeights

    found = fetch(name, weights=True, notify=notify)
    if model is not None and found.model != model:
        raise WeightsError(f"{found.pinned}: these weights are for {found.model!r}, not {model!r}")
    return ResolvedWeights(found.path, found.model, found.ref.name, "hub", found.license, commit=found.commit)


def repos_run() -> set[str]:
    """The repo ids colorzoo has run by Hub id (those with checksums recorded), for ``cache list``."""
    return {key[len(TRUST_PREFIX) :].split("@", 1)[0] for key in cache.trusted_keys(TRUST_PREFIX)}


def forget(repo_id: str) -> None:
    """Forget the checksums recorded for every commit of ``repo_id`` (``cache rm``)."""
    cache.forget_trust(f"{TRUST_PREFIX}{repo_id}@")
