"""``colorzoo run --engine ray``: the local engine's steps as a streaming Ray Data pipeline.

Archives of millions of scans outgrow one machine, and their owners already run clusters. Ray
Data streams files through CPU tasks and GPU actor pools with backpressure (the workers' memory
stays bounded whatever the number of photos), restarts failed actors and retries their tasks, and runs the
same script on a laptop, a Ray cluster or KubeRay; colorzoo adds no scheduler of its own.

Per photo (every step is the local engine's own function, from ``render.batch``)::

    driver    list inputs; plan outputs (plan_outputs: the one naming rule, refusals, outputs
              already there); resolve the weights once (cache, sha256); check the controls
    decode    CPU tasks    read_photo; pixels travel as numpy arrays (uint8 when that is exact),
                           one binary cell a forward-pass group
    colorize  actor pool   colorize_photos; each actor loads the model once, from the weight
                           files the driver put in the object store (no worker downloads)
    write     CPU tasks    write_photo: atomic, never over an existing file unless --overwrite
    driver    progress, one manifest line per input, the summary

Photos are grouped into forward passes exactly as the local engine groups them (``batch_size``
consecutive photos of the plan, minus those that failed to decode): some networks' arithmetic
depends on the batch (EfficientNet's on oneDNN), and outputs must be byte-identical to the
local engine's. So a Ray row is one such group (its photos' paths in list columns, their pixels in
one binary cell): Ray splits blocks between rows only, and the actor runs one forward pass per row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import math
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ColorzooError
from ..io.files import Failure, Found
from ..render.batch import (
    SKIPPED,
    BatchReport,
    colorize_photos,
    output_format,
    plan_outputs,
    read_photo,
    software,
    stale_temps_removed,
    write_photo,
)
from . import RAY_MISSING
from .manifest import FAILED, MANIFEST_NAME, WRITTEN, Manifest
from .manifest import SKIPPED as SKIPPED_STATUS
from .storage import (
    FoundUri,
    Location,
    UriPath,
    as_location,
    download,
    existing_files,
    read_uri_photo,
    upload,
    write_uri_photo,
)

#: Most forward-pass groups in one input block: the driver creates a few thousand blocks for ten
#: million photos (each costs it a few ms and some memory), and small runs still get 64 blocks to
#: spread over the workers. Decoded blocks are split by size by Ray (between groups).
GROUPS_PER_BLOCK = 512

#: Test-only switch, ``N:MARKER``: the first actor to finish N batches creates the file MARKER and
#: kills itself with ``ray.kill`` in the middle of its next batch (Ray restarts it and retries).
KILL_SWITCH = "COLORZOO_TEST_KILL_ACTOR"


@dataclasses.dataclass
class Done:
    """One input's outcome, as ``on_done`` receives it (and the manifest records it)."""

    source: str
    target: str | None
    status: str
    """``written``, ``skipped`` or ``failed``."""
    reason: str | None = None


@dataclasses.dataclass
class RayReport(BatchReport):
    """``BatchReport`` (written, failures, skipped outputs, ...) and how the Ray run went."""

    seconds: float = 0.0
    """From the pipeline's start (Ray connected) to its last output."""
    startup_seconds: float = 0.0
    """Starting or joining Ray."""
    workers: int = 0
    manifest: str = ""

    @property
    def images_per_second(self) -> float:
        return len(self.written) / self.seconds if self.seconds > 0 else 0.0


def colorize_files_ray(
    model: Any,
    inputs: Sequence[Found | str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    weights: str | os.PathLike[str] | None = None,
    controls: Mapping[str, Any] | None = None,
    batch_size: int = 1,
    overwrite: bool = False,
    precision: str = "fp32",
    fmt: str = "same",
    quality: int = 92,
    max_pixels: int | None = None,
    device: str = "auto",
    address: str | None = None,
    workers: int = 1,
    gpus_per_worker: float = 0.0,
    cpus_per_worker: float = 1.0,
    listing_failures: Sequence[Failure] = (),
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Done], None] | None = None,
    progress: Any = None,
    notify: Callable[[str], None] | None = None,
    on_weights: Callable[[Any], None] | None = None,
) -> RayReport:
    """Colorize image files on Ray, as ``render.batch.colorize_files`` does on one process.

    ``model``: a name (``zhang-rebal``, ``MODEL.TAG``, a model directory; ``weights`` a directory to
    use instead of its weight sets) or a loaded ``Colorizer`` (``weights`` then names the directory
    it came from, else it is saved for the workers). ``inputs``: image files, local paths or URIs,
    or what ``storage.list_inputs`` found in folders, patterns and lists (outputs then mirror the
    tree below each folder; pass its failures as ``listing_failures`` to have them in the report
    and the manifest). ``out_dir``: a folder
    every worker sees (local, NFS) or a URI. ``address``: a Ray cluster (default: ``RAY_ADDRESS``,
    else a local Ray started for this call; a Ray already initialised in this process is used).
    Outputs already present are skipped unless ``overwrite``; ``on_done`` hears of every input.
    """
    from ..controls import parse_controls

    ray = import_ray()
    check_options(fmt, precision, device, batch_size, workers, gpus_per_worker, cpus_per_worker)
    spec = _spec_of(model, weights)
    checked = parse_controls(spec.controls, dict(controls or {}), model=spec.name)

    def weights_dir(scratch: contextlib.ExitStack) -> Path:  # only when there is work: a rerun loads nothing
        colorizer, _, folder = _resolve_model(model, weights, progress, notify, on_weights, scratch)
        del colorizer  # checked here; the workers load their own copies
        return folder

    return _colorize(ray, spec, weights_dir, inputs, out_dir, controls=checked, batch_size=batch_size,
                     overwrite=overwrite, precision=precision, fmt=fmt, quality=quality, max_pixels=max_pixels,
                     device=device, address=address, workers=workers, gpus_per_worker=gpus_per_worker,
                     cpus_per_worker=cpus_per_worker, listing_failures=listing_failures, on_start=on_start,
                     on_done=on_done, notify=notify)


def _colorize(
    ray: Any,
    spec: Any,
    weights_dir: Callable[[contextlib.ExitStack], Path],
    inputs: Sequence[Found | str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    controls: dict[str, Any],
    batch_size: int,
    overwrite: bool,
    precision: str,
    fmt: str,
    quality: int,
    max_pixels: int | None,
    device: str,
    address: str | None,
    workers: int,
    gpus_per_worker: float,
    cpus_per_worker: float,
    listing_failures: Sequence[Failure],
    on_start: Callable[[int], None] | None,
    on_done: Callable[[Done], None] | None,
    notify: Callable[[str], None] | None,
) -> RayReport:
    out = as_location(out_dir)
    fmt = output_format(fmt)
    found = [_found(item) for item in inputs]
    if isinstance(out, Path):
        if out.exists() and not out.is_dir():
            raise ColorzooError(f"-o {out}: is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        plan = plan_outputs(found, out, spec.name, fmt, overwrite, exists=_listed(), real=_real)
    else:
        existing = existing_files(out)
        plan = plan_outputs(found, out, spec.name, fmt, overwrite, exists=lambda target: str(target) in existing,
                            real=_real)
    report = RayReport(cleaned=stale_temps_removed(plan, out) if isinstance(out, Path) else [], workers=workers)
    kill_after = _kill_switch()
    with _manifest_for(out) as manifest:
        report.manifest = str(out / MANIFEST_NAME)
        if on_start is not None:
            on_start(len(plan.todo) + len(plan.skipped) + len(plan.failures) + len(listing_failures))

        def finish(source: str, target: str | None, status: str, reason: str | None = None) -> None:
            if status == WRITTEN:
                report.written.append(as_location(target))  # type: ignore[arg-type]
                manifest.record(source, target, status)
            elif status == FAILED:
                report.failures.append(Failure(source, reason or ""))
                manifest.record(source, target, status, reason)
            else:
                report.skipped.append(as_location(target))  # type: ignore[arg-type]
                manifest.skip(source, target)  # type: ignore[arg-type]
            if on_done is not None:
                on_done(Done(source, target, status, reason))

        for failure in [*listing_failures, *plan.failures]:
            finish(failure.path, None, FAILED, failure.reason)
        for source, target in plan.skipped:
            finish(str(source), str(target), "skipped")
        if plan.todo:
            with contextlib.ExitStack() as scratch:
                _run_pipeline(ray, plan.todo, report, finish, address=address, workers=workers,
                              gpus_per_worker=gpus_per_worker, cpus_per_worker=cpus_per_worker,
                              batch_size=batch_size, weights_dir=weights_dir(scratch), spec_name=spec.name,
                              controls=controls, device=device, precision=precision, max_pixels=max_pixels,
                              quality=quality, overwrite=overwrite, software=software(spec.name),
                              kill_after=kill_after, notify=notify)
    return report


# -- the pipeline ----------------------------------------------------------------------------------


def _run_pipeline(
    ray: Any,
    todo: list[tuple[Location, Location]],
    report: RayReport,
    finish: Callable[..., None],
    *,
    address: str | None,
    workers: int,
    gpus_per_worker: float,
    cpus_per_worker: float,
    batch_size: int,
    weights_dir: Path,
    spec_name: str,
    controls: dict[str, Any],
    device: str,
    precision: str,
    max_pixels: int | None,
    quality: int,
    overwrite: bool,
    software: str,
    kill_after: tuple[int, str] | None,
    notify: Callable[[str], None] | None,
) -> None:
    began = time.perf_counter()
    joined = ray.is_initialized()  # a Ray this process already uses (tests, notebooks) is left running
    done = bytearray(len(todo))  # one byte a photo: each is reported once, whatever Ray retried
    iterator: Iterator[dict[str, Any]] | None = None
    try:
        _connect(ray, address)
        report.startup_seconds = time.perf_counter() - began
        _check_resources(ray, workers, cpus_per_worker, gpus_per_worker, strict=not joined and not _remote(address),
                         notify=notify)
        payload = ray.put(_weight_files(weights_dir))  # kept referenced here until the run ends
        blocks = _plan_blocks(todo, batch_size)
        with _quiet_ray_data():
            ds = ray.data.from_arrow(blocks)
            ds.context.enable_progress_bars = False
            # max_calls=0 is Ray's default (a task worker is reused without limit); stating it keeps
            # Ray Data from fusing decoding into the actors, so that decoding runs in CPU tasks
            ds = ds.map_batches(_decode, batch_size=None, batch_format="numpy", fn_kwargs={"max_pixels": max_pixels},
                                num_cpus=1, max_calls=0)
            ds = ds.map_batches(
                _ColorizeActor,
                batch_size=None,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=workers),
                fn_constructor_kwargs={"payload": [payload], "spec_name": spec_name, "controls": controls,
                                       "device": device, "precision": precision,
                                       "threads": max(1, math.floor(cpus_per_worker)), "kill_after": kill_after},
                num_cpus=cpus_per_worker,
                num_gpus=gpus_per_worker or None,
            )
            ds = ds.map_batches(_write, batch_size=None, batch_format="numpy",
                                fn_kwargs={"quality": quality, "overwrite": overwrite, "software": software},
                                num_cpus=1)
            began = time.perf_counter()
            iterator = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
            for batch in iterator:
                for group in zip(batch["index"], batch["source"], batch["target"], batch["status"], batch["reason"],
                                 strict=True):
                    for index, source, target, status, reason in zip(*group, strict=True):
                        if not done[index]:
                            done[index] = 1
                            finish(str(source), str(target), str(status), str(reason) or None)
    except KeyboardInterrupt:
        report.interrupted = True
    except ray.exceptions.RayError as exc:
        raise ColorzooError(f"the Ray run stopped: {_root_cause(exc)}") from None
    finally:
        report.seconds = time.perf_counter() - began
        close = getattr(iterator, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
        if not joined and ray.is_initialized():
            ray.shutdown()


def _plan_blocks(todo: list[tuple[Location, Location]], batch_size: int) -> list[Any]:
    """The plan as Arrow tables, one row per forward pass (``batch_size`` consecutive photos, as the
    local engine chunks them): Ray splits blocks only between rows, so a group never straddles two
    actor calls. A few hundred groups a block keep the driver's block count (each costs it time and
    memory) in the thousands even for millions of photos; Ray splits decoded blocks by size."""
    import pyarrow as pa

    count = len(todo)
    offsets = np.minimum(np.arange(0, count + batch_size, batch_size), count)
    offsets = pa.array(np.unique(offsets).astype(np.int32))
    sources = pa.array([str(source) for source, _ in todo], type=pa.large_string())  # past 2 GB of paths
    targets = pa.array([str(target) for _, target in todo], type=pa.large_string())
    table = pa.table({
        "index": pa.ListArray.from_arrays(offsets, pa.array(np.arange(count, dtype=np.int64))),
        "source": pa.ListArray.from_arrays(offsets, sources),
        "target": pa.ListArray.from_arrays(offsets, targets),
    })
    groups = table.num_rows
    per_block = min(GROUPS_PER_BLOCK, max(1, math.ceil(groups / 64)))
    return [table.slice(start, per_block) for start in range(0, groups, per_block)]


def _pack(arrays: list[Any]) -> bytes:
    """One group's numpy arrays (None where a photo has none) as one binary cell.

    Pickled here rather than left to Ray: Ray infers an Arrow type from the values, so a group of
    photos without alpha (all None) would become a null column beside pickled ones, and a block
    that mixes both loses its rows. Our own pipeline writes and reads these cells, nothing else.
    """
    return pickle.dumps(arrays, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(cell: Any) -> list[Any]:
    return pickle.loads(cell)  # written by _pack in this very run


def _ints(column: Any) -> list[int]:
    return [int(value) for value in column]


def _decode(batch: dict[str, np.ndarray], max_pixels: int | None) -> Iterator[dict[str, Any]]:
    """CPU task: read the photos of each group (render.batch.read_photo); failures travel as text.

    One group is yielded at a time, so a task holds one group of decoded photos beyond the block
    Ray is filling (its target size), however many groups its input block has.
    """
    for index, sources, targets in zip(batch["index"], batch["source"], batch["target"], strict=True):
        errors, photos = [], []
        for source in sources:
            location = as_location(str(source))
            photo = (read_uri_photo(location, max_pixels) if isinstance(location, UriPath)
                     else read_photo(location, max_pixels))
            if isinstance(photo, Failure):
                errors.append(photo.reason)
                photos.append(None)
                continue
            exact = _as_uint8(photo.rgb)  # the Photo travels whole (bits, mode...), its pixels compact
            errors.append("")
            photos.append((dataclasses.replace(photo, path=None, rgb=photo.rgb if exact is None else exact),
                           exact is not None))
        yield {"index": [_ints(index)], "source": [[str(s) for s in sources]], "target": [[str(t) for t in targets]],
               "error": [errors], "photos": [_pack(photos)]}


def _as_uint8(rgb: np.ndarray) -> np.ndarray | None:
    """The photo as uint8 when that loses nothing (8-bit files: a quarter of the bytes to ship)."""
    quantized = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    return quantized if np.array_equal(_from_uint8(quantized), rgb) else None


def _from_uint8(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float32) / np.float32(255.0)


class _ColorizeActor:
    """Actor: one model per worker, loaded once; one forward pass per group (a Ray row)."""

    def __init__(
        self,
        payload: list[Any],
        spec_name: str,
        controls: dict[str, Any],
        device: str,
        precision: str,
        threads: int,
        kill_after: tuple[int, str] | None,
    ) -> None:
        import ray
        import torch

        from ..plugins.registry import get_model_spec, load_pretrained
        from ..render.devices import pick_device
        from ..render.precision import resolve_precision

        torch.set_num_threads(threads)
        self.device = pick_device(device)
        resolve_precision(precision, self.device)
        self.controls = controls
        self.precision = precision
        self.kill_after = kill_after
        self.calls = 0
        files = ray.get(payload[0])
        folder = Path(tempfile.mkdtemp(prefix="colorzoo-ray-weights-"))
        try:
            for name, data in files.items():
                (folder / name).write_bytes(data)
            entry = folder if "config.json" in files else folder / next(iter(files))
            self.model, _ = load_pretrained(get_model_spec(spec_name), None, entry, device=self.device)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def __call__(self, batch: dict[str, np.ndarray]) -> Iterator[dict[str, Any]]:
        self.calls += 1
        self._maybe_die()
        rows = zip(batch["index"], batch["source"], batch["target"], batch["error"], batch["photos"], strict=True)
        for index, sources, targets, errors, cell in rows:
            errors = [str(e) for e in errors]
            decoded = _unpack(cell)
            pixels: list[np.ndarray | None] = [None] * len(errors)
            good = [row for row, error in enumerate(errors) if not error]
            if good:  # the local engine's chunk: the group minus the photos that failed to decode
                photos = [self._photo(*decoded[row]) for row in good]  # type: ignore[misc]
                results = colorize_photos(self.model, photos, [str(sources[row]) for row in good], self.controls,
                                          self.device, self.precision)
                for row, result in zip(good, results, strict=True):
                    if isinstance(result, Failure):
                        errors[row] = result.reason
                    else:
                        pixels[row] = result
            yield {"index": [_ints(index)], "source": [[str(s) for s in sources]],
                   "target": [[str(t) for t in targets]], "error": [errors], "pixels": [_pack(pixels)]}

    @staticmethod
    def _photo(photo: Any, exact: bool) -> Any:
        return dataclasses.replace(photo, rgb=_from_uint8(photo.rgb)) if exact else photo

    def _maybe_die(self) -> None:
        if self.kill_after is None or self.calls <= self.kill_after[0]:
            return
        try:
            os.close(os.open(self.kill_after[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        import ray

        ray.kill(ray.get_runtime_context().current_actor, no_restart=False)
        time.sleep(120)  # the kill lands while this batch is still in flight


def _write(batch: dict[str, np.ndarray], quality: int, overwrite: bool, software: str) -> dict[str, Any]:
    """CPU task: encode and write each output (render.batch.write_photo: atomic, exclusive)."""
    statuses, reasons = [], []
    for sources, targets, errors, cell in zip(batch["source"], batch["target"], batch["error"], batch["pixels"],
                                              strict=True):
        row_status, row_reason = [], []
        for source, target, error, image in zip(sources, targets, errors, _unpack(cell), strict=True):
            if error:
                row_status.append(FAILED)
                row_reason.append(str(error))
                continue
            location = as_location(str(target))
            write = write_uri_photo if isinstance(location, UriPath) else write_photo
            written = write(image, str(source), location, quality, overwrite, software)  # type: ignore[arg-type]
            if isinstance(written, Failure):
                row_status.append(FAILED)
                row_reason.append(written.reason)
            else:  # SKIPPED: another run wrote it meanwhile; it is there, and it is kept
                row_status.append(SKIPPED_STATUS if written == SKIPPED else WRITTEN)
                row_reason.append("")
        statuses.append(row_status)
        reasons.append(row_reason)
    return {"index": [_ints(row) for row in batch["index"]],
            "source": [[str(v) for v in row] for row in batch["source"]],
            "target": [[str(v) for v in row] for row in batch["target"]], "status": statuses,
            "reason": reasons}


# -- the driver's side --------------------------------------------------------------------------------


def import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ColorzooError(RAY_MISSING) from None
    return ray


def check_options(
    fmt: str, precision: str, device: str, batch_size: int, workers: int, gpus: float, cpus: float
) -> None:
    from ..render.devices import DEVICE_CHOICES
    from ..render.precision import PRECISIONS

    output_format(fmt)
    if precision not in PRECISIONS:
        raise ColorzooError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    kind, sep, index = str(device).partition(":")
    if kind not in DEVICE_CHOICES or (sep and (kind == "auto" or not index.isdigit())):
        raise ColorzooError(f"unknown device {device!r}: use auto, cpu, cuda, cuda:N or mps")
    if kind == "cuda" and not gpus:
        raise ColorzooError(f"--device {device} with the ray engine needs --gpus-per-worker (1 for a GPU each)")
    for value, option, least in ((batch_size, "--batch-size", 1), (workers, "--workers", 1)):
        if not isinstance(value, int) or value < least:
            raise ColorzooError(f"{option} must be a whole number >= {least}, got {value!r}")
    for value, option in ((gpus, "--gpus-per-worker"), (cpus, "--cpus-per-worker")):
        if not math.isfinite(value) or value < 0:
            raise ColorzooError(f"{option} must be a finite number >= 0, got {value}")
    if cpus <= 0 and not gpus:
        raise ColorzooError("--cpus-per-worker must be above 0 for workers without a GPU")


def _spec_of(model: Any, weights: Any) -> Any:
    """The spec of the model a run names (a name, ``MODEL.TAG``, a model directory) or is given."""
    if isinstance(model, str):
        from ..plugins.registry import model_reference

        return model_reference(model, weights)[0]
    spec = getattr(model, "spec", None)
    if spec is None:
        raise ColorzooError("the ray engine needs a registered model (a name, or a model create_model built)")
    return spec


def _resolve_model(
    model: Any,
    weights: Any,
    progress: Any,
    notify: Callable[[str], None] | None,
    on_weights: Any,
    scratch: contextlib.ExitStack,
) -> tuple[Any, Any, Path]:
    """(model, spec, the weight files to ship): resolved once, here, by the weights machinery."""
    if isinstance(model, str):
        from ..plugins.registry import load_pretrained, model_reference

        spec, tag, path = model_reference(model, weights)
        colorizer, resolved = load_pretrained(spec, tag, path, device="cpu", progress=progress, notify=notify)
        if on_weights is not None:
            on_weights(resolved)
        return colorizer, spec, Path(resolved.path)
    spec = getattr(model, "spec", None)
    if spec is None:
        raise ColorzooError("the ray engine needs a registered model (a name, or a model create_model built)")
    if weights is not None:
        return model, spec, Path(weights)
    saved = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="colorzoo-ray-model-")))
    model.save_pretrained(saved)
    return model, spec, saved


def _weight_files(path: Path) -> dict[str, bytes]:
    """The files a model directory (config.json + model.safetensors) or a lone .safetensors is made of."""
    from ..models.format import CONFIG_NAME, WEIGHTS_NAME

    if path.is_file():
        return {path.name: path.read_bytes()}
    return {name: (path / name).read_bytes() for name in (CONFIG_NAME, WEIGHTS_NAME) if (path / name).is_file()}


def _found(item: Found | str | os.PathLike[str]) -> Found:
    """An input as the plan takes it: found under a folder, or a file on its own (a URI stays one)."""
    if isinstance(item, Found):
        return item
    location = as_location(item)
    return FoundUri(location, location.parent) if isinstance(location, UriPath) else Found(location, location.parent)


def _remote(address: str | None) -> bool:
    return bool(address or os.environ.get("RAY_ADDRESS"))


def _connect(ray: Any, address: str | None) -> None:
    """Join the cluster at ``address`` (or ``RAY_ADDRESS``), or start a local Ray for this run."""
    if ray.is_initialized():
        return
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if _remote(address):
            ray.init(address=address, **quiet)
        else:
            ray.init(include_dashboard=False, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or os.environ.get("RAY_ADDRESS") or "a local Ray"
        raise ColorzooError(f"--address {where}: cannot start or join Ray ({_first_line(exc)})") from None


def _check_resources(
    ray: Any, workers: int, cpus: float, gpus: float, *, strict: bool, notify: Callable[[str], None] | None
) -> None:
    """Workers must leave a CPU for decoding and writing; refused on a local Ray, a warning on a cluster
    (its autoscaler may add nodes)."""
    total = ray.cluster_resources()
    have_cpus, have_gpus = total.get("CPU", 0.0), total.get("GPU", 0.0)
    problem = None
    if workers * gpus > have_gpus:
        problem = f"{workers} workers x {gpus:g} GPUs need {workers * gpus:g} GPUs; Ray has {have_gpus:g}"
    elif workers * cpus + 1 > have_cpus:
        problem = (f"{workers} workers x {cpus:g} CPUs leave no CPU of Ray's {have_cpus:g} for decoding and writing; "
                   "lower --workers or --cpus-per-worker (fractions are fine, e.g. 0.5)")
    if problem and strict:
        raise ColorzooError(problem)
    if problem and notify is not None:
        notify(f"note: {problem}; waiting for the cluster to grow")


@contextlib.contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Ray Data's own progress and INFO lines stay out of the CLI's output (its logs keep them)."""
    logger = logging.getLogger("ray.data")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _manifest_for(out: Location) -> Iterator[Manifest]:
    """The manifest in the output folder; for a URI, a local journal uploaded at the end."""
    if isinstance(out, Path):
        with Manifest(out / MANIFEST_NAME) as manifest:
            yield manifest
        return
    from ..weights.cache import cache_root

    remote = out / MANIFEST_NAME
    journal = cache_root() / "ray-manifests" / f"{hashlib.sha256(str(remote).encode()).hexdigest()[:20]}.jsonl"
    if not journal.exists():
        download(remote, journal)  # type: ignore[arg-type]
    try:
        with Manifest(journal) as manifest:
            yield manifest
    finally:
        upload(journal, remote)  # type: ignore[arg-type]


def _kill_switch() -> tuple[int, str] | None:
    value = os.environ.get(KILL_SWITCH, "")
    count, sep, marker = value.partition(":")
    return (int(count), marker) if sep and count.isdigit() and marker else None


def _listed() -> Callable[[Path], bool]:
    """``exists`` for the plan: one listing a folder, not a file-system call an output (NFS at archive scale)."""
    folders: dict[str, set[str]] = {}

    def exists(target: Path) -> bool:
        folder = str(target.parent)
        if folder not in folders:
            try:
                folders[folder] = set(os.listdir(folder))
            except OSError:
                folders[folder] = set()
        return target.name in folders[folder]

    return exists


def _real(path: Location) -> Location:
    """Where a path really is, for the plan's collision checks: its folder resolved once per folder
    (a million photos in a thousand folders cost a thousand resolutions, not a million; a link to a
    file is taken as it stands: an output never replaces a file anyway, it is created exclusively)."""
    return path if isinstance(path, UriPath) else _real_folder(str(path.parent)) / path.name


@functools.lru_cache(maxsize=1 << 16)
def _real_folder(folder: str) -> Path:
    return Path(os.path.realpath(folder))


def _root_cause(exc: BaseException) -> str:
    """What went wrong in a worker: colorzoo's own one-line error if one is behind Ray's wrapping
    (a worker that cannot load the model or open its device), else Ray's first line."""
    seen: set[int] = set()
    current: Any = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ColorzooError):
            return f"a worker: {current}"
        seen.add(id(current))
        current = getattr(current, "cause", None) or current.__cause__
    found = re.findall(r"zoo_core\.errors\.\w+: (.+)", str(exc))
    return f"a worker: {found[-1].strip()}" if found else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
