"""The ``colorzoo`` command line: a thin layer over the Python API."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .batch import colorize_files, expand_inputs
from .devices import DEVICE_CHOICES, pick_device
from .errors import ColorzooError
from .imageio import load_image
from .plugins import get_zoo
from .registry import create_model, get_model_spec, list_models
from .weights import weights_status

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="colorzoo: automatic image colorization, one model zoo, many methods.",
)
out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn a ColorzooError into one red line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ColorzooError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"colorzoo {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


@app.command("list")
@friendly
def list_command() -> None:
    """Installed plugins (with status), their models, parameter counts and weights."""
    zoo = get_zoo()
    plugins = Table(title="plugins", title_justify="left")
    for column in ("plugin", "distribution", "version", "status", "provides"):
        plugins.add_column(column, no_wrap=column in ("plugin", "version"))
    for info in sorted(zoo.plugins.values(), key=lambda i: i.name):
        status = "[green]ok[/green]" if info.error is None else f"[red]broken[/red]: {info.error}"
        provides = ", ".join(info.models + [f"loss:{n}" for n in info.losses])
        plugins.add_row(info.name, info.distribution or "-", info.version or "-", status, provides)
    out.print(plugins)

    models = Table(title="models", title_justify="left")
    for column in ("model", "plugin", "parameters", "weights", "description"):
        models.add_column(
            column, justify="right" if column == "parameters" else "left", no_wrap=column != "description"
        )
    for spec in list_models():
        models.add_row(spec.name, spec.plugin, f"{spec.num_parameters():,}", weights_status(spec), spec.description)
    out.print(models)


@app.command()
@friendly
def info(model: Annotated[str, typer.Argument(help="Model name, as `colorzoo list` shows it.")]) -> None:
    """Show a model's card."""
    spec = get_model_spec(model)
    out.print(
        f"[bold]{spec.name}[/bold] from plugin {spec.plugin}: {spec.num_parameters():,} parameters, "
        f"loss {spec.default_loss}, weights: {weights_status(spec)}"
    )
    if spec.card is not None and Path(spec.card).is_file():
        out.print(Markdown(_strip_front_matter(Path(spec.card).read_text(encoding="utf-8"))))
    else:
        out.print("no model card is shipped for this model")


@app.command()
@friendly
def run(
    model: Annotated[str, typer.Argument(help="Model name, e.g. zhang-rebal.")],
    inputs: Annotated[list[str], typer.Argument(help="Image files, directories or glob patterns.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output directory.")] = Path("."),
    temperature: Annotated[
        float | None, typer.Option(help="Annealed-mean temperature (classification models): 0 mode .. 1 mean.")
    ] = None,
    device: Annotated[str, typer.Option(help=f"One of {', '.join(DEVICE_CHOICES)}.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = 1,
    weights: Annotated[
        Path | None, typer.Option(help="Weights directory (config.json + model.safetensors) or .safetensors file.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs (never inputs).")] = False,
    palette_shift: Annotated[
        str | None, typer.Option(help="Palette models: push the colors towards red, blue, green...")
    ] = None,
    palette_from: Annotated[
        Path | None, typer.Option(help="Palette models: take the palette of this reference photo.")
    ] = None,
) -> None:
    """Colorize images; outputs are <stem>_<model>.png in the output directory."""
    if temperature is not None and temperature < 0:
        raise ColorzooError(f"--temperature must be >= 0, got {temperature}")
    torch_device = pick_device(device)
    colorizer = create_model(model, weights=weights, pretrained=True, device=torch_device)
    if temperature is not None and not colorizer.uses_temperature:
        err.print(f"[yellow]note:[/yellow] --temperature has no effect on {model} (a regression model)")
    if palette_shift is not None or palette_from is not None:
        reference = load_image(palette_from) if palette_from is not None else None
        colorizer.steer(palette_shift=palette_shift, palette_from=reference)
    files, failures = expand_inputs(inputs)
    with _progress() as progress:
        task = progress.add_task(f"{model} on {torch_device.type}", total=len(files))
        report = colorize_files(
            colorizer,
            files,
            output,
            temperature=temperature,
            batch_size=batch_size,
            overwrite=overwrite,
            device=torch_device,
            on_done=lambda _: progress.advance(task),
        )
    report.failures[:0] = failures
    for failure in report.failures:
        err.print(f"[red]failed:[/red] {failure.reason}", highlight=False, soft_wrap=True)
    out.print(f"{len(report.written)} written to {output}, {len(report.failures)} failed", soft_wrap=True)
    if report.failures or not report.written:
        raise typer.Exit(1)


@app.command()
@friendly
def train(
    model: Annotated[str, typer.Argument(help="Model to train, e.g. zhang-rebal.")],
    data: Annotated[Path, typer.Option(help="Folder tree of color photos.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output model directory (default runs/MODEL).")] = None,
    val: Annotated[Path | None, typer.Option(help="Validation folder (default: --val-fraction of --data).")] = None,
    val_fraction: Annotated[float, typer.Option(help="Share of --data held out for validation.")] = 0.05,
    steps: Annotated[int | None, typer.Option(min=1, help="Optimization steps (default: one epoch).")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs, instead of --steps.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step and process.")] = 16,
    crop: Annotated[int, typer.Option(min=16, help="Training crop size.")] = 176,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate (default: the model's own recipe).")] = None,
    loss: Annotated[str | None, typer.Option(help="Loss name (default: the model's own).")] = None,
    loss_set: Annotated[
        list[str] | None, typer.Option("--loss-set", help="Loss option, KEY=VALUE, e.g. lam=0.5 (repeatable).")
    ] = None,
    prior: Annotated[
        Path | None, typer.Option(help="Color prior for rebalancing (`colorzoo priors`); default: the training data's.")
    ] = None,
    init: Annotated[str | None, typer.Option(help="Fine-tune from these weights: a directory or a model name.")] = None,
    width_mult: Annotated[float | None, typer.Option(help="Channel width multiplier for a new model.")] = None,
    set_config: Annotated[
        list[str] | None, typer.Option("--set", help="Config field of a new model, KEY=VALUE (repeatable).")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last checkpoint.")] = False,
    device: Annotated[str, typer.Option(help=f"One of {', '.join(DEVICE_CHOICES)}.")] = "auto",
    amp: Annotated[bool, typer.Option(help="Mixed precision (bfloat16).")] = False,
    seed: Annotated[int, typer.Option(help="Seed for initialization, data order and augmentation.")] = 0,
    split_seed: Annotated[int, typer.Option(help="Seed of the train/val split (kept apart from --seed).")] = 0,
    workers: Annotated[int, typer.Option(min=0, help="Data-loading processes.")] = 2,
    eval_every: Annotated[int, typer.Option(min=1, help="Validate (and write a picture grid) every N steps.")] = 500,
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Checkpoint every N steps.")] = 500,
    log_every: Annotated[int, typer.Option(min=1, help="Log every N steps.")] = 10,
) -> None:
    """Train or fine-tune a model; the output directory works with run/eval/publish."""
    from .trainer import TrainConfig
    from .trainer import train as run_training

    cfg = TrainConfig(
        model=model, data=data, out=out_dir or Path("runs") / model, val=val, val_fraction=val_fraction, steps=steps,
        epochs=epochs, batch_size=batch_size, crop=crop, lr=lr, loss=loss,
        loss_options=_parse_overrides(loss_set or [], "--loss-set"), prior=prior, init=init,
        width_mult=width_mult, overrides=_parse_overrides(set_config or [], "--set"), resume=resume, device=device,
        amp=amp, seed=seed, split_seed=split_seed, workers=workers, eval_every=eval_every,
        checkpoint_every=checkpoint_every, log_every=log_every,
    )  # fmt: skip
    with _progress(extra="{task.fields[status]}") as progress:
        task = progress.add_task(f"train {model}", total=None, status="")

        def on_step(step: int, total: int, metrics: dict[str, float]) -> None:
            status = f"loss {metrics.get('loss', float('nan')):.4f}  {metrics.get('images_per_s', 0):.1f} img/s"
            progress.update(task, completed=step, total=total, status=status)

        result = run_training(cfg, progress=on_step)
    if result.skipped["unreadable"] or result.skipped["gray"]:
        err.print(f"skipped {result.skipped['unreadable']} unreadable and {result.skipped['gray']} grayscale images")
    val_text = f", val loss {result.val_loss:.4f}" if result.val_loss is not None else ""
    out.print(
        f"trained {model} for {result.steps} steps: loss {result.final_loss:.4f}{val_text}, "
        f"{result.images_per_s:.1f} images/s; model in {result.out}",
        soft_wrap=True,
    )


@app.command()
@friendly
def priors(
    data: Annotated[Path, typer.Option(help="Folder tree of color photos.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSON file to write.")],
    size: Annotated[int, typer.Option(help="Images are downscaled to at most this size first.")] = 128,
) -> None:
    """The empirical distribution of the data's colors over the 313 ab bins (for rebalancing)."""
    from .data import find_images
    from .priors import compute_prior, save_prior

    try:
        files = find_images(data)
    except FileNotFoundError as exc:
        raise ColorzooError(str(exc)) from None
    if not files:
        raise ColorzooError(f"{data}: no image files")
    with _progress() as progress:
        task = progress.add_task("priors", total=len(files))
        counts, tally = compute_prior(files, size=size, on_file=lambda _: progress.advance(task))
    if tally["images"] == 0:
        raise ColorzooError(f"{data}: no readable color images among {len(files)} files")
    save_prior(output, counts, tally)
    used = int((counts > 0).sum())
    out.print(
        f"{tally['images']} color images ({tally['gray']} gray and {tally['unreadable']} unreadable skipped), "
        f"{int(counts.sum()):,} pixels, {used} of 313 bins used: {output}",
        soft_wrap=True,
    )


@app.command("eval")
@friendly
def eval_command(
    model: Annotated[str, typer.Argument(help="Model name or model directory.")],
    data: Annotated[Path, typer.Option(help="Folder of color photos (the ground truth).")],
    temperature: Annotated[float | None, typer.Option(help="Annealed-mean temperature.")] = None,
    size: Annotated[int, typer.Option(min=16, help="Images are center-cropped to this square.")] = 256,
    limit: Annotated[int | None, typer.Option(min=1, help="Use at most this many images.")] = None,
    weights: Annotated[Path | None, typer.Option(help="Weights for MODEL.")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Per-image CSV (default: eval_<model>.csv).")] = None,
    device: Annotated[str, typer.Option(help=f"One of {', '.join(DEVICE_CHOICES)}.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
) -> None:
    """Metrics of one model against the ground truth, next to the grayscale baseline."""
    from .atomic import write_text
    from .compare import load_images
    from .evaluate import evaluate, load_contender
    from .report import per_image_csv, summary_rows

    torch_device = pick_device(device)
    contender = load_contender(model, torch_device, weights)
    contender.temperatures = (temperature,)
    images = load_images(data, size, limit)
    with _progress() as progress:
        task = progress.add_task(f"eval {contender.label}", total=len(images))
        scores = evaluate([contender], images, torch_device, batch_size, on_batch=lambda n: progress.advance(task, n))
    _metrics_table(summary_rows(scores), f"{len(images)} images from {data}")
    target = csv_path or Path(f"eval_{contender.label.split()[0]}.csv")
    write_text(target, per_image_csv(scores))
    out.print(f"per-image values: {target}", soft_wrap=True)


@app.command()
@friendly
def compare(
    models: Annotated[list[str], typer.Argument(help="Model names or model directories.")],
    data: Annotated[Path, typer.Option(help="Folder of color photos (the ground truth).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Report directory.")],
    temperature: Annotated[
        list[float] | None, typer.Option(help="Temperatures for classification models (repeatable).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use at most this many images.")] = None,
    size: Annotated[int, typer.Option(min=16, help="Images are center-cropped to this square.")] = 256,
    sweep: Annotated[bool, typer.Option(help="Temperature sweep (0.01..1) for classification models.")] = True,
    device: Annotated[str, typer.Option(help=f"One of {', '.join(DEVICE_CHOICES)}.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1)] = 8,
) -> None:
    """Run several models on the same images: table, report.md, metrics.json/csv, grid.png."""
    from .compare import compare as run_compare
    from .report import interval_text

    with _progress() as progress:
        task = progress.add_task("compare", total=None)
        result = run_compare(
            models, data, output, temperatures=temperature or (), size=size, limit=limit,
            device=pick_device(device), batch_size=batch_size, sweep=sweep,
            progress=lambda phase, done, total: progress.update(task, completed=done, total=total),
        )  # fmt: skip
    _metrics_table(result.rows, f"{data}")
    for row in result.rows:
        if "auc_vs_gray" in row:
            d = row["auc_vs_gray"]
            text = f"AuC - grayscale {interval_text(d)} (95% interval), above it on {d['wins']}/{d['images']} images"
            out.print(f"{row['model']}: {text}", soft_wrap=True)
    out.print(f"report: {', '.join(str(p) for p in result.files.values())}", soft_wrap=True)


@app.command()
@friendly
def bench(
    models: Annotated[list[str], typer.Argument(help="Model names.")],
    size: Annotated[list[int] | None, typer.Option(help="Square image sizes (repeatable).")] = None,
    device: Annotated[str, typer.Option(help=f"One of {', '.join(DEVICE_CHOICES)}.")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1)] = 1,
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON.")] = None,
) -> None:
    """Latency per image, images/s and peak memory per model, device and size."""
    from .atomic import write_text
    from .speed import measure_in_subprocess

    device_type = pick_device(device).type
    sizes = size or [256, 512, 1024]
    for name in models:
        get_model_spec(name)
    results = []
    with _progress() as progress:
        task = progress.add_task("bench", total=len(models) * len(sizes))
        for name in models:
            for s in sizes:
                results.append(measure_in_subprocess(name, s, device_type, batch_size, repeats))
                progress.advance(task)
    table = Table(title=f"colorize end to end, batch {batch_size}", title_justify="left")
    for column in ("model", "size", "device", "latency ms/img", "images/s", "peak MB", "weights"):
        table.add_column(column, justify="left" if column in ("model", "device", "weights") else "right")
    for r in results:
        table.add_row(r["model"], str(r["size"]), r["device"], f"{r['latency_ms']:.1f}", f"{r['images_per_s']:.2f}",
                      f"{r['peak_memory_mb']:.0f} ({r['memory_kind']})", r["weights"])  # fmt: skip
    out.print(table)
    if json_path:
        write_text(json_path, json.dumps(results, indent=2))


def _parse_overrides(items: list[str], flag: str) -> dict[str, Any]:
    """KEY=VALUE pairs; values are JSON when they parse (numbers, true, lists), else strings."""
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ColorzooError(f"{flag} {item!r}: expected KEY=VALUE")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def _metrics_table(rows: list[dict[str, Any]], title: str) -> None:
    from .evaluate import METRICS
    from .report import HEADERS

    table = Table(title=title, title_justify="left")
    table.add_column("model", min_width=max(len(str(row["model"])) for row in rows))
    for m in METRICS:
        table.add_column(HEADERS[m], justify="right")
    for row in rows:
        table.add_row(str(row["model"]), *(f"{row[m]:.3f}" for m in METRICS))
    out.print(table)


@app.command()
@friendly
def download(
    models: Annotated[list[str], typer.Argument(help="Model names.")],
    revision: Annotated[str | None, typer.Option(help="Another revision than the pinned one (unverified).")] = None,
) -> None:
    """Fetch models' weights from the Hugging Face Hub into its cache (idempotent)."""
    from .hub import download as hub_download

    specs = [get_model_spec(m) for m in models]
    missing = [s.name for s in specs if s.hub is None]
    if missing:
        raise ColorzooError(f"no Hub weights are declared for {', '.join(missing)}")
    failed = 0
    for spec in specs:
        try:
            path = hub_download(spec.hub, revision=revision)  # huggingface_hub shows the download progress
        except ColorzooError as exc:
            err.print(f"[red]failed:[/red] {spec.name}: {exc}", highlight=False, soft_wrap=True)
            failed += 1
            continue
        rev = revision or spec.hub.revision
        verified = "sha256 verified" if rev == spec.hub.revision else "revision not pinned: unverified"
        out.print(f"{spec.name}: {spec.hub.repo_id}@{rev} in {path} ({verified})", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command("import")
@friendly
def import_command(
    model: Annotated[str, typer.Argument(help="The model the weights are for, e.g. zhang-rebal.")],
    file: Annotated[Path, typer.Argument(help="A PyTorch state dict (.pth), e.g. the paper's release.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Model directory to write.")] = None,
) -> None:
    """Convert published PyTorch weights into config.json + model.safetensors."""
    from .convert import OFFICIAL_WEIGHTS, import_state_dict

    target = output or Path(f"{model}-imported")
    if (target / "model.safetensors").exists():
        raise ColorzooError(f"{target} already holds weights; choose another -o")
    directory, official = import_state_dict(model, file, target)
    origin = f"the official {OFFICIAL_WEIGHTS[model][0]}" if official else "not the official release (sha256 differs)"
    out.print(f"imported {file} ({origin}) into {directory}; use: colorzoo run {model} --weights {directory} ...",
              soft_wrap=True)  # fmt: skip


@app.command()
@friendly
def publish(
    directory: Annotated[Path, typer.Argument(help="A model directory (from train, import or save_pretrained).")],
    repo_id: Annotated[str, typer.Option(help="Hub repository, ORG/NAME.")],
    private: Annotated[bool, typer.Option(help="Create the repository as private.")] = False,
    revision: Annotated[str | None, typer.Option(help="Branch to upload to (created if needed).")] = None,
) -> None:
    """Upload a model directory and its model card to the Hugging Face Hub."""
    from .colorizer import read_pretrained_config
    from .hub import publish as hub_publish

    _, config = read_pretrained_config(directory)
    card = None
    try:
        card = get_model_spec(config.get("model", "")).card
    except KeyError:
        pass
    url, hashes = hub_publish(directory, repo_id, card=card, private=private, revision=revision)
    out.print(f"published {directory} to {repo_id}: {url}", soft_wrap=True)
    out.print("declare it with HubWeights(repo_id=..., revision=<tag or commit>, files={")
    for name, digest in hashes.items():
        if name in ("config.json", "model.safetensors"):
            out.print(f'    "{name}": "{digest}",')
    out.print("})")


cache_app = typer.Typer(help="The Hugging Face cache of model weights.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("list")
@friendly
def cache_list(all_repos: Annotated[bool, typer.Option("--all", help="Every cached model repo.")] = False) -> None:
    """Cached weights: for colorzoo's models (or every model repo with --all)."""
    from .hub import cached_repos

    owners = {s.hub.repo_id: s.name for s in list_models() if s.hub is not None}
    repos = cached_repos(None if all_repos else owners)
    table = Table(title="Hugging Face cache", title_justify="left")
    for column in ("repo", "model", "revisions", "size"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for repo in repos:
        table.add_row(repo.repo_id, owners.get(repo.repo_id, "-"), str(len(repo.revisions)),
                      f"{repo.size_bytes / 2**20:.1f} MB")  # fmt: skip
    out.print(table if repos else "nothing cached")


@cache_app.command("rm")
@friendly
def cache_rm(names: Annotated[list[str], typer.Argument(help="Model names or repo ids.")]) -> None:
    """Remove cached weights."""
    from .hub import remove_cached

    models = {s.name: s for s in list_models()}
    for name in names:
        spec = models.get(name)
        repo_id = spec.hub.repo_id if spec is not None and spec.hub is not None else name
        freed = remove_cached(repo_id)
        out.print(f"{repo_id}: {'removed, ' + f'{freed / 2**20:.1f} MB freed' if freed else 'not cached'}")


def _strip_front_matter(card: str) -> str:
    """Hugging Face cards open with YAML metadata between --- lines: not for reading."""
    if card.startswith("---\n"):
        end = card.find("\n---\n", 4)
        if end != -1:
            return card[end + 5 :]
    return card


def _progress(extra: str | None = None) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if extra:
        columns.append(TextColumn(extra))
    return Progress(*columns, console=err)


def main() -> None:
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    app()
