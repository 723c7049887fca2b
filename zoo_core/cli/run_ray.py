"""``colorzoo run --engine ray``: the same command on a local Ray or a cluster (``colorzoo[ray]``).

Everything a user can get wrong is checked here, on the driver, before Ray starts: options,
controls against the model's spec, the output folder, the inputs (listed as ``run`` lists them,
earlier colorzoo outputs left out). The run itself is ``zoo_core.distributed.engine``; its end is
the local engine's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import DownloadBar, check_output_dir, control_pairs, note, progress, say_weights
from .run import summarize


def run_on_ray(
    model: str,
    inputs: list[str],
    shortcuts: list[tuple[str, str]],
    output: Path,
    control: list[str] | None,
    device: str,
    precision: str,
    batch_size: int,
    weights: Path | None,
    fmt: str,
    quality: int,
    overwrite: bool,
    max_pixels: int | None,
    *,
    address: str | None,
    workers: int | None,
    gpus_per_worker: float | None,
    cpus_per_worker: float | None,
) -> None:
    from ..controls import parse_controls
    from ..distributed.engine import check_options, colorize_files_ray, import_ray
    from ..distributed.storage import list_inputs, output_location
    from ..io.files import IMAGE_SUFFIXES, VIDEO_SUFFIXES
    from ..plugins.registry import list_models, model_reference
    from ..render.batch import is_output_name
    from .run import _marked, report_inputs

    workers, gpus, cpus = workers or 1, gpus_per_worker or 0.0, 1.0 if cpus_per_worker is None else cpus_per_worker
    import_ray()
    check_options(fmt, precision, device, batch_size, workers, gpus, cpus)
    where = output_location(output)
    if isinstance(where, Path):
        check_output_dir(where)
    spec, _, _ = model_reference(model, weights)
    controls = parse_controls(spec.controls, control_pairs(control, shortcuts, [spec]), model=spec.name)
    names = {s.name for s in list_models()}
    found = list_inputs(inputs, exclude=[where], suffixes=IMAGE_SUFFIXES | VIDEO_SUFFIXES,
                        is_output=lambda p: is_output_name(p, names) and _marked(p))
    clips = [f for f in found.files if f.path.suffix.lower() in VIDEO_SUFFIXES]
    if clips:
        note(f"left out {len(clips)} video clips: the ray engine colorizes photos; `colorzoo run` without "
             "--engine ray colorizes clips")
        found.files = [f for f in found.files if f.path.suffix.lower() not in VIDEO_SUFFIXES]
    if not report_inputs(found):
        return

    bar = DownloadBar()
    with progress(extra="{task.fields[rate]}") as shown:
        task: Any = None

        def start(total: int) -> None:
            nonlocal task
            bar.close()
            task = shown.add_task(f"{spec.name} on Ray ({workers} workers)", total=total, rate="")

        def done(_: Any) -> None:
            shown.advance(task)
            elapsed = shown.tasks[task].elapsed or 0.0
            finished = shown.tasks[task].completed
            shown.update(task, rate=f"{finished / elapsed:.1f} images/s" if elapsed > 0 else "")

        try:
            report = colorize_files_ray(
                model, found.files, where, weights=weights, controls=controls, batch_size=batch_size,
                overwrite=overwrite, precision=precision, fmt=fmt, quality=quality, max_pixels=max_pixels,
                device=device, address=address, workers=workers, gpus_per_worker=gpus, cpus_per_worker=cpus,
                listing_failures=found.failures, on_start=start, on_done=done, progress=bar, notify=note,
                on_weights=say_weights,
            )
        finally:
            bar.close()
    note(f"manifest: {report.manifest}")
    speed = (f" in {report.seconds:.1f} s ({report.images_per_second:.2f} images/s; Ray started in "
             f"{report.startup_seconds:.1f} s)") if report.written else ""
    summarize(report, where, speed)
