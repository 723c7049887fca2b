"""``colorzoo eval``, ``compare`` and ``bench``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import ColorzooError
from .common import (
    SHORTCUTS,
    ControlOption,
    DeviceOption,
    PrecisionOption,
    check_output_dir,
    check_output_file,
    control_pairs,
    friendly,
    is_terminal,
    note,
    out,
    progress,
    split_shortcuts,
)

SIZE_HELP = "Images are center-cropped to this square (videos: scaled to this short side)."
LIMIT_HELP = "Use at most this many images (videos: frames per clip)."
DATA_HELP = "Folder of color photos or videos (the ground truth), or a text file listing them."


def register(app: typer.Typer) -> None:
    app.command("eval", context_settings=SHORTCUTS)(eval_command)
    app.command(context_settings=SHORTCUTS)(compare)
    app.command()(bench)


@friendly
def eval_command(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name (or MODEL.TAG) or model directory.")],
    data: Annotated[Path, typer.Option(help=DATA_HELP)],
    control: ControlOption = None,
    size: Annotated[int, typer.Option(min=16, help=SIZE_HELP)] = 256,
    limit: Annotated[int | None, typer.Option(min=1, help=LIMIT_HELP)] = None,
    weights: Annotated[Path | None, typer.Option(help="Weights for MODEL.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Per-image CSV (default: eval_<model>.csv).")] = None,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
) -> None:
    """Metrics of one model against the ground truth, next to the grayscale baseline."""
    from ..controls import parse_controls
    from ..evaluation.evaluate import evaluate_model, load_contender
    from ..evaluation.report import per_image_csv
    from ..evaluation.video import video_files
    from ..io.atomic import write_text
    from ..plugins.registry import model_reference
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    rest, shortcuts = split_shortcuts(ctx.args)
    if rest:
        raise ColorzooError(f"unexpected arguments: {' '.join(rest)}")
    spec, _, _ = model_reference(model, weights)
    pairs = control_pairs(control, shortcuts, [spec])
    parse_controls(spec.controls, pairs, model=spec.name)
    if csv_path is not None:
        check_output_file(csv_path, "--csv")
    if not data.exists():
        raise ColorzooError(f"--data {data}: no such folder or list file")
    torch_device = pick_device(device)
    resolve_precision(precision, torch_device)
    contender = load_contender(model, torch_device, weights, notify=note)
    contender.controls = dict(pairs)
    if clips := video_files(data):  # color videos: per-frame metrics and flicker, both ways
        from .video import evaluate_clips, video_table

        result = evaluate_clips([contender], clips, size=size, limit=limit, device=torch_device,
                                batch_size=batch_size, precision=precision)
        video_table(result, f"{len(result.clips)} clips from {data}")
        target = csv_path or Path(f"eval_{contender.label.split()[0]}.csv")
        write_text(target, result.csv())
        out.print(f"per-clip values: {target}", soft_wrap=True)
        return
    with progress() as bar:
        task = bar.add_task(f"eval {contender.label}", total=None)
        result = evaluate_model(contender, data, size=size, limit=limit, device=torch_device, batch_size=batch_size,
                                precision=precision,
                                on_batch=lambda done, total: bar.update(task, completed=done, total=total))
    metrics_table(result.rows, f"{result.images} images from {data}")
    target = csv_path or Path(f"eval_{contender.label.split()[0]}.csv")
    write_text(target, per_image_csv(result.scores))
    out.print(f"per-image values: {target}", soft_wrap=True)


@friendly
def compare(
    ctx: typer.Context,
    models: Annotated[list[str], typer.Argument(help="Model names (or MODEL.TAG) or model directories.")],
    data: Annotated[Path, typer.Option(help=DATA_HELP)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Report directory.")],
    control: Annotated[
        list[str] | None,
        typer.Option("-c", "--control", help="A control, KEY=VALUE, for the models that have it; a key given with "
                     "several values measures each (one row per value)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help=LIMIT_HELP)] = None,
    size: Annotated[int, typer.Option(min=16, help=SIZE_HELP)] = 256,
    sweep: Annotated[
        bool, typer.Option(help="Measure each model along the control its spec declares sweepable (a decoding "
                           "temperature, say).")
    ] = True,
    fid: Annotated[
        bool | None, typer.Option("--fid/--no-fid", help="FID (default: when its Inception weights can be had).")
    ] = None,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
) -> None:
    """Run several models on the same images: table, report.md, metrics.json/csv, grid.png, tradeoff.png."""
    from ..evaluation.compare import compare as run_compare
    from ..evaluation.report import interval_text
    from ..evaluation.video import video_files
    from ..plugins.registry import model_reference
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    models, shortcuts = split_shortcuts([*models, *ctx.args])
    specs = [model_reference(m)[0] for m in models]
    controls, settings = _control_settings(control_pairs(control, shortcuts, specs), specs)
    check_output_dir(output)
    if not data.exists():
        raise ColorzooError(f"--data {data}: no such folder or list file")
    torch_device = pick_device(device)
    resolve_precision(precision, torch_device)
    if clips := video_files(data):  # color videos: every model frame by frame and stabilized
        _compare_videos(models, clips, output, controls, settings, size=size, limit=limit, device=torch_device,
                        batch_size=batch_size, precision=precision)
        return
    with progress() as bar:
        task = bar.add_task("compare", total=None)
        result = run_compare(
            models, data, settings=settings, controls=controls, size=size, limit=limit,
            device=torch_device, batch_size=batch_size, sweep=sweep, precision=precision, fid=fid, notify=note,
            progress=lambda phase, done, total: bar.update(task, completed=done, total=total),
        )
    files = result.write(output)
    metrics_table(result.rows, f"{data}")
    for row in result.rows:
        if "auc_vs_gray" in row:
            d: Any = row["auc_vs_gray"]
            text = f"AuC - grayscale {interval_text(d)} (95% interval), above it on {d['wins']}/{d['images']} images"
            out.print(f"{row['model']}: {text}", soft_wrap=True, markup=False)
    out.print(f"report: {', '.join(str(p) for p in files.values())}", soft_wrap=True, markup=False)


def _control_settings(pairs: list[tuple[str, Any]], specs: list[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(controls given once, the settings of keys given several times: one per value, every combination).

    Each pair must be a control of at least one model, with a value that model takes.
    """
    import itertools

    values: dict[str, list[Any]] = {}
    repeatable = set()
    for key, value in pairs:
        owners = [c for spec in specs if (c := spec.control(key)) is not None]
        if not owners:
            raise ColorzooError(f"no model here has a control {key!r} (`colorzoo info MODEL` lists them)")
        for control in owners:
            control.convert(value)
            if control.repeatable:
                repeatable.add(key)
        values.setdefault(key, []).append(value)
    once = {k: v if k in repeatable else v[0] for k, v in values.items() if len(v) == 1 or k in repeatable}
    several = {k: v for k, v in values.items() if k not in once}
    settings = [dict(zip(several, combo, strict=True)) for combo in itertools.product(*several.values())]
    return once, settings if several else []


def _compare_videos(models: list[str], clips: list[Path], output: Path, controls: dict[str, Any],
                    settings: list[dict[str, Any]], **kwargs: Any) -> None:
    from ..evaluation.evaluate import load_contender
    from .video import evaluate_clips, video_table

    if settings:
        raise ColorzooError("videos are compared at one setting: give each control once")
    contenders = [load_contender(m, kwargs["device"], notify=note) for m in models]
    if len({c.label for c in contenders}) != len(contenders):
        raise ColorzooError(f"models must differ: {', '.join(c.label for c in contenders)}")
    for contender in contenders:
        spec = getattr(contender.model, "spec", None)
        contender.controls = {k: v for k, v in controls.items() if spec is not None and spec.control(k) is not None}
    result = evaluate_clips(contenders, clips, **kwargs)
    files = result.write(output)
    video_table(result, f"{len(result.clips)} clips")
    out.print(f"report: {', '.join(str(p) for p in files.values())}", soft_wrap=True, markup=False)


@friendly
def bench(
    models: Annotated[list[str], typer.Argument(help="Model names.")],
    size: Annotated[list[int] | None, typer.Option(min=16, help="Square image sizes (repeatable).")] = None,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    batch_size: Annotated[int, typer.Option(min=1)] = 1,
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON.")] = None,
) -> None:
    """Latency per image, images/s and peak memory per model, device and size."""
    import json

    from ..evaluation.speed import measure_in_subprocess
    from ..io.atomic import write_text
    from ..plugins.registry import get_model_spec
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    torch_device = pick_device(device)
    resolve_precision(precision, torch_device)
    if json_path is not None:
        check_output_file(json_path, "--json")
    sizes = size or [256, 512, 1024]
    for name in models:
        get_model_spec(name)
    results = []
    with progress() as bar:
        task = bar.add_task("bench", total=len(models) * len(sizes))
        for name in models:
            for s in sizes:
                results.append(measure_in_subprocess(name, s, str(torch_device), batch_size, repeats, precision))
                bar.advance(task)
    table = Table(title=f"colorize end to end, batch {batch_size}", title_justify="left")
    for column in ("model", "size", "device", "precision", "latency ms/img", "images/s", "peak MB", "weights"):
        justify = "left" if column in ("model", "device", "weights") else "right"
        table.add_column(column, justify=justify, overflow="fold")
    for r in results:
        table.add_row(r["model"], str(r["size"]), r["device"], r["precision"], f"{r['latency_ms']:.1f}",
                      f"{r['images_per_s']:.2f}", f"{r['peak_memory_mb']:.0f} ({r['memory_kind']})",
                      r["weights"])
    out.print(table)
    if json_path:
        write_text(json_path, json.dumps(results, indent=2))


def metrics_table(rows: list[dict[str, Any]], title: str) -> None:
    """The metrics of each row: a table on a terminal, markdown elsewhere (pipes and CI logs never clip)."""
    from ..evaluation.report import HEADERS, markdown_table
    from ..evaluation.scores import columns

    if not is_terminal():
        out.print(f"{title}\n\n{markdown_table(rows)}\n", markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=title, title_justify="left")
    table.add_column("model", overflow="fold")
    shown = columns(rows)
    for m in shown:
        table.add_column(HEADERS[m], justify="right", overflow="fold")
    for row in rows:
        table.add_row(str(row["model"]), *(f"{row[m]:.3f}" if m in row else "" for m in shown))
    out.print(table)
