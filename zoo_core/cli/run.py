"""``colorzoo run``: colorize files, folders and glob patterns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    SHORTCUTS,
    ControlOption,
    DeviceOption,
    PrecisionOption,
    check_output_dir,
    control_pairs,
    failed_line,
    friendly,
    load_model_for_cli,
    note,
    out,
    progress,
    split_shortcuts,
)
from .video import StabilizeOption, VideoCodecOption, VideoQualityOption, check_video_options, run_videos

if TYPE_CHECKING:
    from ..io.files import Found
    from ..render.batch import BatchReport


def register(app: typer.Typer) -> None:
    app.command(context_settings=SHORTCUTS)(run)


@friendly
def run(
    ctx: typer.Context,
    model: Annotated[
        str, typer.Argument(help="Model name, e.g. zhang-rebal, MODEL.TAG for one weight set, or a model directory.")
    ],
    inputs: Annotated[
        list[str], typer.Argument(help="Image and video files, directories (searched recursively) or glob patterns.")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output directory; the input folders' tree is mirrored below it.")
    ] = Path("."),
    control: ControlOption = None,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = 1,
    weights: Annotated[
        Path | None, typer.Option(help="Weights directory (config.json + model.safetensors) or .safetensors file.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="png, jpg (or jpeg), webp, or same (JPEG and WebP inputs keep theirs, others "
                     "get PNG; 16-bit inputs give 16-bit PNG)."),
    ] = "same",
    quality: Annotated[int, typer.Option(min=1, max=100, help="JPEG/WebP quality.")] = 92,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs (never inputs).")] = False,
    max_pixels: Annotated[
        int | None, typer.Option(min=1, help="Refuse photos above this many pixels (default 89,478,485).")
    ] = None,
    stabilize: StabilizeOption = True,
    video_quality: VideoQualityOption = 18,
    video_codec: VideoCodecOption = "auto",
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
    """Colorize images and videos into <folder>/<stem>_<model>.<format> under the output directory.

    Folders are searched recursively and their tree is mirrored under -o (DCIM/100CANON/IMG_0001.JPG
    goes to OUT/100CANON/IMG_0001_MODEL.JPG). Outputs already there are skipped (--overwrite redoes
    them), and earlier colorzoo outputs found in the input folders are not colorized again.
    """
    from ..controls import parse_controls
    from ..io.files import IMAGE_SUFFIXES, VIDEO_SUFFIXES, collect_inputs
    from ..plugins.registry import list_models, model_reference
    from ..render.batch import BatchReport, colorize_files, is_output_name, output_format, plan_outputs
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    # everything a user can get wrong is checked before a model is loaded or a folder made
    inputs, shortcuts = split_shortcuts([*inputs, *ctx.args])
    ray_options = {"address": address, "workers": workers, "gpus_per_worker": gpus_per_worker,
                   "cpus_per_worker": cpus_per_worker}
    if engine == "ray":
        from .run_ray import run_on_ray

        run_on_ray(model, inputs, shortcuts, output, control, device, precision, batch_size, weights, fmt, quality,
                   overwrite, max_pixels, **ray_options)
        return
    check_engine(engine, ray_options)
    check_output_dir(output)
    fmt = output_format(fmt)
    spec, _, _ = model_reference(model, weights)
    controls = parse_controls(spec.controls, control_pairs(control, shortcuts, [spec]), model=spec.name)
    torch_device = pick_device(device)
    resolve_precision(precision, torch_device)
    names = {s.name for s in list_models()}
    found = collect_inputs(inputs, exclude=[output], suffixes=IMAGE_SUFFIXES | VIDEO_SUFFIXES,
                           is_output=lambda p: is_output_name(p, names) and _marked(p))
    videos = [f for f in found.files if f.path.suffix.lower() in VIDEO_SUFFIXES]
    photos = [f for f in found.files if f.path.suffix.lower() not in VIDEO_SUFFIXES]
    video_options = check_video_options(stabilize, video_quality, video_codec) if videos else None
    if not report_inputs(found):
        return

    plan = plan_outputs(photos, output, spec.name, fmt, overwrite)
    if not plan.todo and not plan.failures and not videos:  # a rerun with nothing left: no model to load
        out.print(f"0 written to {output}, {len(plan.skipped)} skipped (already there; --overwrite to redo), "
                  f"{len(found.failures)} failed", soft_wrap=True)
        for failure in found.failures:
            failed_line(failure.reason)
        raise typer.Exit(1 if found.failures else 0)
    colorizer, _ = load_model_for_cli(model, weights, torch_device)
    report = BatchReport()
    if photos:
        with progress() as bar:
            task = bar.add_task(f"{spec.name} on {torch_device.type}", total=len(photos))
            report = colorize_files(
                colorizer, photos, output, controls=controls, batch_size=batch_size, overwrite=overwrite,
                device=torch_device, precision=precision, fmt=fmt, quality=quality, name=spec.name,
                max_pixels=max_pixels, on_done=lambda _: bar.advance(task),
            )
    if videos and not report.interrupted:
        clips = run_videos(colorizer, videos, output, video_options, controls=controls, batch_size=batch_size,
                           overwrite=overwrite, device=torch_device, precision=precision, name=spec.name)
        for field in ("written", "failures", "skipped", "cleaned"):
            getattr(report, field).extend(getattr(clips, field))
        report.interrupted = clips.interrupted
    report.failures[:0] = found.failures
    summarize(report, output)


def check_engine(engine: str, ray_options: dict[str, object]) -> None:
    """``--engine`` is local or ray, and the ray options come only with ray."""
    from ..errors import ColorzooError

    if engine not in ("local", "ray"):
        raise ColorzooError(f"--engine {engine!r}: use local or ray")
    given = [f"--{name.replace('_', '-')}" for name, value in ray_options.items() if value is not None]
    if given:
        raise ColorzooError(f"{', '.join(given)}: only with --engine ray")


def summarize(report: BatchReport, output: object, extra: str = "") -> None:
    """The end of a run, whatever the engine: failures one a line, then the summary line."""
    if report.cleaned:
        note(f"removed {len(report.cleaned)} temporary files left by an interrupted run in {output}")
    for failure in report.failures:
        failed_line(failure.reason)
    parts = [f"{len(report.written)} written to {output}"]
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped (already there; --overwrite to redo)")
    parts.append(f"{len(report.failures)} failed")
    summary = ", ".join(parts) + extra
    if report.interrupted:
        out.print(f"interrupted: {summary}; the rest were not started", soft_wrap=True)
        raise typer.Exit(130)
    out.print(summary, soft_wrap=True)
    if report.failures:
        raise typer.Exit(1)


def report_inputs(found: Found) -> bool:
    """Say what the search of the inputs left out; False (after saying so) when only earlier outputs are
    there, a one-line error when nothing at all is."""
    if found.ignored:
        note(f"left out {len(found.ignored)} earlier colorzoo outputs found among the inputs (name a file "
             "itself to colorize it again)")
    if found.files:
        return True
    for failure in found.failures:
        failed_line(failure.reason)
    if found.ignored:
        out.print("nothing to do: the inputs hold only earlier colorzoo outputs")
        return False
    from ..errors import ColorzooError

    raise ColorzooError("no image files to colorize; nothing was written")


def _marked(path: Path) -> bool:
    """Whether a file carries colorzoo's output marker (image tags, or a clip's container comment)."""
    from ..io.files import VIDEO_SUFFIXES
    from ..io.images import SOFTWARE_PREFIX, is_colorzoo_output

    if path.suffix.lower() not in VIDEO_SUFFIXES:
        return is_colorzoo_output(path)
    from ..video.streams import software_of

    return (software_of(path) or "").startswith(SOFTWARE_PREFIX)
