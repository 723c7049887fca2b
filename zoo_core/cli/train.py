"""``colorzoo train`` and ``colorzoo priors``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ColorzooError
from .common import DeviceOption, check_output_file, err, finite, friendly, out, progress


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command()(priors)


def parse_values(items: list[str], flag: str) -> dict[str, Any]:
    """KEY=VALUE pairs; values are JSON when they parse (numbers, true, lists), else strings."""
    import json

    from ..controls import parse_assignments

    values = {}
    for key, value in parse_assignments(items, flag):
        try:
            values[key] = json.loads(value)
        except json.JSONDecodeError:
            values[key] = value
    return values


@friendly
def train(
    model: Annotated[str, typer.Argument(help="Model to train, e.g. zhang-rebal.")],
    data: Annotated[Path, typer.Option(help="Folder tree of color photos, or a text file listing them.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output model directory (default runs/MODEL).")] = None,
    val: Annotated[
        Path | None, typer.Option(help="Validation folder or list (default: --val-fraction of --data).")
    ] = None,
    val_fraction: Annotated[float, typer.Option(help="Share of --data held out for validation.")] = 0.05,
    steps: Annotated[int | None, typer.Option(min=1, help="Optimization steps (default: one epoch).")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs, instead of --steps.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step and process.")] = 16,
    crop: Annotated[
        int | None, typer.Option(min=16, help="Training crop size (default 176, rounded down to the multiple the "
                                 "model needs: 160 for a 32-multiple model).")
    ] = None,
    lr: Annotated[float | None, typer.Option(help="Peak learning rate (default: the model's own recipe).")] = None,
    loss: Annotated[str | None, typer.Option(help="Loss name (default: the model's own).")] = None,
    loss_set: Annotated[
        list[str] | None, typer.Option("--loss-set", help="Loss option, KEY=VALUE, e.g. lam=0.5 (repeatable).")
    ] = None,
    prior: Annotated[
        Path | None, typer.Option(help="Color prior for rebalancing (`colorzoo priors`); default: the training data's.")
    ] = None,
    init: Annotated[
        str | None, typer.Option(help="Fine-tune from these weights: a directory, a model name or MODEL.TAG.")
    ] = None,
    set_config: Annotated[
        list[str] | None,
        typer.Option("--set", help="Config field of the model, KEY=VALUE, e.g. width_mult=0.5 (repeatable)."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last checkpoint.")] = False,
    device: DeviceOption = "auto",
    amp: Annotated[bool, typer.Option(help="Mixed precision (bfloat16).")] = False,
    seed: Annotated[int, typer.Option(help="Seed for initialization, data order and augmentation.")] = 0,
    split_seed: Annotated[int, typer.Option(help="Seed of the train/val split (kept apart from --seed).")] = 0,
    workers: Annotated[int, typer.Option(min=0, help="Data-loading processes.")] = 2,
    eval_every: Annotated[int, typer.Option(min=1, help="Validate (and write a picture grid) every N steps.")] = 500,
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Checkpoint every N steps.")] = 500,
    log_every: Annotated[int, typer.Option(min=1, help="Log every N steps.")] = 10,
) -> None:
    """Train or fine-tune a model; the output directory works with run/eval/compare/publish."""
    from ..render.devices import pick_device
    from ..training.distributed import rank
    from ..training.trainer import TrainConfig, TrainingInterrupted, check_config
    from ..training.trainer import train as run_training

    finite(lr, "--lr")
    finite(val_fraction, "--val-fraction")
    pick_device(device)
    if crop is None:
        from ..plugins.registry import get_model_spec

        multiple = get_model_spec(model).size_multiple
        crop = max(multiple, 176 // multiple * multiple)
    cfg = TrainConfig(
        model=model, data=data, out=out_dir or Path("runs") / model, val=val, val_fraction=val_fraction, steps=steps,
        epochs=epochs, batch_size=batch_size, crop=crop, lr=lr, loss=loss,
        loss_options=parse_values(loss_set or [], "--loss-set"), prior=prior, init=init,
        overrides=parse_values(set_config or [], "--set"), resume=resume, device=device,
        amp=amp, seed=seed, split_seed=split_seed, workers=workers, eval_every=eval_every,
        checkpoint_every=checkpoint_every, log_every=log_every,
    )
    check_config(cfg)
    main = rank() == 0  # under torchrun, rank 0 alone reports
    with progress(extra="{task.fields[status]}") as bar:
        task = bar.add_task(f"train {model}", total=None, status="", visible=main)

        def on_step(step: int, total: int, metrics: dict[str, float]) -> None:
            status = f"loss {metrics.get('loss', float('nan')):.4f}  {metrics.get('images_per_s', 0):.1f} img/s"
            bar.update(task, completed=step, total=total, status=status)

        try:
            result = run_training(cfg, progress=on_step)
        except TrainingInterrupted as exc:
            bar.stop()
            if main:
                err.print(str(exc), soft_wrap=True)
            raise typer.Exit(130) from None
    if not main:
        return
    s = result.skipped
    if any(s.values()):
        err.print(f"skipped {s['unreadable']} unreadable and {s['gray']} grayscale training images, "
                  f"{s['val_unreadable']} unreadable and {s['val_gray']} grayscale validation images",
                  soft_wrap=True)
    val_text = f", val loss {result.val_loss:.4f}" if result.val_loss is not None else ""
    loss_text = f"{result.final_loss:.4f}" if result.final_loss is not None else "-"
    out.print(
        f"trained {model} for {result.steps} steps: loss {loss_text}{val_text}, "
        f"{result.images_per_s:.1f} images/s; model in {result.out}",
        soft_wrap=True,
    )


@friendly
def priors(
    data: Annotated[Path, typer.Option(help="Folder tree of color photos, or a text file listing them.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSON file to write.")],
    size: Annotated[int, typer.Option(min=8, help="Images are downscaled to at most this size first.")] = 128,
) -> None:
    """The empirical distribution of the data's colors over the 313 ab bins (for rebalancing)."""
    from ..color.priors import compute_prior, save_prior
    from ..io.files import list_images

    check_output_file(output, "-o")
    try:
        if not data.exists():
            raise FileNotFoundError(f"--data {data}: no such folder or list file")
        files = list_images(data)
    except (FileNotFoundError, OSError) as exc:
        raise ColorzooError(str(exc)) from None
    if not files:
        raise ColorzooError(f"{data}: no image files")
    with progress() as bar:
        task = bar.add_task("priors", total=len(files))
        counts, tally = compute_prior(files, size=size, on_file=lambda _: bar.advance(task))
    if tally["images"] == 0:
        raise ColorzooError(f"{data}: no readable color images among {len(files)} files")
    save_prior(output, counts, tally)
    used = int((counts > 0).sum())
    out.print(
        f"{tally['images']} color images ({tally['gray']} gray and {tally['unreadable']} unreadable skipped), "
        f"{int(counts.sum()):,} pixels, {used} of 313 bins used: {output}",
        soft_wrap=True,
    )
