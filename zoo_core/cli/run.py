"""``colorzoo run``: colorize files, folders and glob patterns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
) -> None:
    """Colorize images; outputs are <stem>_<model>.<format> in the output directory."""
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
    if report.cleaned:
        err.print(f"removed {len(report.cleaned)} temporary files left by an interrupted run in {output}")
    for failure in report.failures:
        err.print(f"[red]failed:[/red] {failure.reason}", highlight=False, soft_wrap=True)
    summary = f"{len(report.written)} written to {output}, {len(report.failures)} failed"
    if report.interrupted:
        out.print(f"interrupted: {summary}; the rest were not started", soft_wrap=True)
        raise typer.Exit(130)
    out.print(summary, soft_wrap=True)
    if report.failures or not report.written:
        raise typer.Exit(1)
