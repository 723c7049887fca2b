"""``colorzoo run``: colorize files, folders and glob patterns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    ControlOption,
    DeviceOption,
    PrecisionOption,
    check_output_dir,
    control_pairs,
    err,
    finite,
    friendly,
    load_model_for_cli,
    out,
    progress,
)

if TYPE_CHECKING:
    from ..render.batch import BatchReport


def register(app: typer.Typer) -> None:
    app.command()(run)


@friendly
def run(
    model: Annotated[str, typer.Argument(help="Model name, e.g. zhang-rebal, or MODEL.TAG for one weight set.")],
    inputs: Annotated[list[str], typer.Argument(help="Image files, directories or glob patterns.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = Path("."),
    control: ControlOption = None,
    temperature: Annotated[
        float | None, typer.Option(help="Shortcut for -c temperature=T (annealed mean: 0 mode .. 1 mean).")
    ] = None,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = 1,
    weights: Annotated[
        Path | None, typer.Option(help="Weights directory (config.json + model.safetensors) or .safetensors file.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="png, jpg, webp, or same (JPEG and WebP inputs keep theirs, others get PNG)."),
    ] = "same",
    quality: Annotated[int, typer.Option(min=1, max=100, help="JPEG/WebP quality.")] = 92,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs (never inputs).")] = False,
    max_pixels: Annotated[
        int | None, typer.Option(min=1, help="Refuse photos above this many pixels (default 89,478,485).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help='local (this process) or ray (a local Ray or a cluster; pip install "colorzoo[ray]").')
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="ray: the cluster to join (default $RAY_ADDRESS, else a local Ray).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="ray: colorizing workers, one model each (1).")] = None,
    gpus_per_worker: Annotated[float | None, typer.Option(min=0, help="ray: GPUs per worker (0).")] = None,
    cpus_per_worker: Annotated[float | None, typer.Option(min=0, help="ray: CPUs per worker (1).")] = None,
) -> None:
    """Colorize images; outputs are <stem>_<model>.<format> in the output directory."""
    ray_options = {"address": address, "workers": workers, "gpus_per_worker": gpus_per_worker,
                   "cpus_per_worker": cpus_per_worker}  # fmt: skip
    if engine == "ray":
        from .run_ray import run_on_ray

        run_on_ray(model, inputs, output, control, temperature, device, precision, batch_size, weights, fmt, quality,
                   overwrite, max_pixels, **ray_options)  # fmt: skip
        return
    check_engine(engine, ray_options)
    from ..controls import parse_controls
    from ..errors import ColorzooError
    from ..io.files import expand_inputs
    from ..plugins.registry import split_model_name
    from ..render.batch import OUTPUT_FORMATS, colorize_files
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    # everything a user can get wrong is checked before a model is loaded or a folder made
    finite(temperature, "--temperature")
    check_output_dir(output)
    if fmt not in OUTPUT_FORMATS:
        raise ColorzooError(f"--format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")
    spec, _ = split_model_name(model)
    controls = parse_controls(spec.controls, control_pairs(control, temperature), model=spec.name)
    torch_device = pick_device(device)
    resolve_precision(precision, torch_device)
    files, failures = expand_inputs(inputs, exclude=[output])
    if not files:
        for failure in failures:
            err.print(f"[red]failed:[/red] {failure.reason}", highlight=False, soft_wrap=True)
        raise ColorzooError("no image files to colorize; nothing was written")

    colorizer, _ = load_model_for_cli(model, weights, torch_device)
    with progress() as bar:
        task = bar.add_task(f"{spec.name} on {torch_device.type}", total=len(files))
        report = colorize_files(
            colorizer, files, output, controls=controls, batch_size=batch_size, overwrite=overwrite,
            device=torch_device, precision=precision, fmt=fmt, quality=quality, name=spec.name,
            max_pixels=max_pixels, on_done=lambda _: bar.advance(task),
        )  # fmt: skip
    report.failures[:0] = failures
    summarize(report, output)


def check_engine(engine: str, ray_options: dict[str, object]) -> None:
    from ..errors import ColorzooError

    if engine not in ("local", "ray"):
        raise ColorzooError(f"--engine {engine!r}: use local or ray")
    given = [f"--{name.replace('_', '-')}" for name, value in ray_options.items() if value is not None]
    if given:
        raise ColorzooError(f"{', '.join(given)}: only with --engine ray")


def summarize(report: BatchReport, output: Path, extra: str = "") -> None:
    """The end of every run, whatever the engine: failures one a line, then one summary line."""
    if report.cleaned:
        err.print(f"removed {len(report.cleaned)} temporary files left by an interrupted run in {output}")
    for failure in report.failures:
        err.print(f"[red]failed:[/red] {failure.reason}", highlight=False, soft_wrap=True)
    skipped = getattr(report, "skipped", None)
    done = f"{len(report.written)} written to {output}" + (f", {len(skipped)} skipped (already there)" if skipped
                                                           else "")  # fmt: skip
    summary = f"{done}, {len(report.failures)} failed{extra}"
    if report.interrupted:
        out.print(f"interrupted: {summary}; the rest were not started", soft_wrap=True)
        raise typer.Exit(130)
    out.print(summary, soft_wrap=True)
    if report.failures or not (report.written or skipped):
        raise typer.Exit(1)
