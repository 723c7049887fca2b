"""``colorzoo run --engine ray``: the same command on a local Ray or a cluster (``colorzoo[ray]``).

Everything a user can get wrong is checked here, on the driver, before Ray starts: options,
controls against the model's spec, the output folder, the inputs. The run itself is
``zoo_core.distributed.engine``; its end is the local engine's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import DownloadBar, control_pairs, err, finite, note, progress, say_weights
from .run import summarize


def run_on_ray(
    model: str,
    inputs: list[str],
    output: Path,
    control: list[str] | None,
    temperature: float | None,
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
    from ..distributed.engine import _check_options, _import_ray, colorize_files_ray
    from ..distributed.storage import as_location, list_inputs
    from ..errors import ColorzooError
    from ..plugins.registry import split_model_name

    workers, gpus, cpus = workers or 1, gpus_per_worker or 0.0, 1.0 if cpus_per_worker is None else cpus_per_worker
    finite(temperature, "--temperature")
    _import_ray()
    _check_options(fmt, precision, device, batch_size, workers, gpus, cpus)
    out = as_location(str(output))
    if isinstance(out, Path) and out.exists() and not out.is_dir():
        raise ColorzooError(f"-o {output}: is a file, not a folder")
    spec, _ = split_model_name(model)
    controls = parse_controls(spec.controls, control_pairs(control, temperature), model=spec.name)
    files, failures = list_inputs(inputs, exclude=[out])
    if not files:
        for failure in failures:
            err.print(f"[red]failed:[/red] {failure.reason}", highlight=False, soft_wrap=True)
        raise ColorzooError("no image files to colorize; nothing was written")

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
                model, files, out, weights=weights, controls=controls, batch_size=batch_size, overwrite=overwrite,
                precision=precision, fmt=fmt, quality=quality, max_pixels=max_pixels, device=device, address=address,
                workers=workers, gpus_per_worker=gpus, cpus_per_worker=cpus, listing_failures=failures,
                on_start=start, on_done=done, progress=bar, notify=note, on_weights=say_weights,
            )  # fmt: skip
        finally:
            bar.close()
    note(f"manifest: {report.manifest}")
    speed = (f" in {report.seconds:.1f} s ({report.images_per_second:.2f} images/s; Ray started in "
             f"{report.startup_seconds:.1f} s)") if report.written else ""  # fmt: skip
    summarize(report, output, speed)
