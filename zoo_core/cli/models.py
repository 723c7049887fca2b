"""``colorzoo list`` and ``colorzoo info``: what is installed, from specs alone (no model is built)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import friendly, out


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("info")(info)


@friendly
def list_command() -> None:
    """Installed plugins (with status), their models, parameter counts and weight sets."""
    from ..catalog import missing_families
    from ..plugins.manager import get_zoo
    from ..plugins.registry import list_models
    from ..weights.summary import weights_summary

    zoo = get_zoo()
    plugins = Table(title="plugins", title_justify="left")
    for column in ("plugin", "distribution", "version", "status", "provides"):
        plugins.add_column(column, overflow="fold")
    for info in sorted(zoo.plugins.values(), key=lambda i: i.name):
        status = "[green]ok[/green]" if info.error is None else f"[red]broken[/red]: {info.error}"
        provides = ", ".join(info.models + [f"loss:{n}" for n in info.losses])
        plugins.add_row(info.name, info.distribution or "-", info.version or "-", status, provides)
    out.print(plugins)

    models = Table(title="models", title_justify="left")
    for column in ("model", "plugin", "parameters", "weights", "description"):
        width = 18 if column == "weights" else None  # "compact: bundled *" on one line, even on 80 columns
        models.add_column(column, justify="right" if column == "parameters" else "left", overflow="fold",
                          min_width=width)  # fmt: skip
    for spec in list_models():
        summary = weights_summary(spec)
        params = f"{summary.parameters:,}" if summary.parameters else "?"
        models.add_row(spec.name, spec.plugin, params, summary.text, spec.description)
    out.print(models)

    missing = missing_families({info.distribution for info in zoo.plugins.values() if info.distribution})
    if missing:
        table = Table(title="model families not installed", title_justify="left")
        for column in ("family", "models", "install with"):
            table.add_column(column, overflow="fold")
        for family in missing:
            table.add_row(family.name, family.models, escape(family.pip_command))
        out.print(table)


@friendly
def info(model: Annotated[str, typer.Argument(help="Model name (or MODEL.TAG), as `colorzoo list` shows it.")]) -> None:
    """A model's facts (weight sets, controls, losses) and its card."""
    from ..plugins.registry import get_model_spec, losses_for
    from ..weights.summary import weight_set_rows, weights_summary

    spec = get_model_spec(model)
    summary = weights_summary(spec)
    params = f"{summary.parameters:,} parameters ({summary.parameters_of})" if summary.parameters else "parameters ?"
    out.print(f"[bold]{spec.name}[/bold] from plugin {spec.plugin}: {params}", soft_wrap=True)
    out.print(f"{spec.description}", soft_wrap=True, markup=False)
    losses = ", ".join(s.name for s in losses_for(spec)) or "none registered"
    out.print(f"working size {spec.input_size}x{spec.input_size}"
              f"{f' (multiples of {spec.size_multiple})' if spec.size_multiple > 1 else ''}; "
              f"trains with {spec.default_loss or '-'} (accepts: {losses})", soft_wrap=True, markup=False)  # fmt: skip
    if spec.weights:
        out.print(f"[bold]weight sets[/bold] (best first; `{escape(spec.name)}` runs the first one available):")
        for name, status, params, license_name, source, about in weight_set_rows(spec):
            out.print(f"  {name}: {status}, {params} parameters, {license_name}: {about}", markup=False,
                      soft_wrap=True)  # fmt: skip
            out.print(f"      from {source}", markup=False, soft_wrap=True)
    else:
        why = f"{spec.no_weights}; " if spec.no_weights else ""
        out.print(f"weight sets: none declared ({why}pass --weights DIR)", markup=False, soft_wrap=True)
    if spec.controls:
        out.print("[bold]controls[/bold] (colorzoo run/eval/compare -c KEY=VALUE):")
        for control in spec.controls:
            out.print(f"  {control.describe()}", markup=False, soft_wrap=True)
    else:
        out.print("controls: none")
    from rich.markdown import Markdown

    card = spec.card
    if card is not None and Path(card).is_file():
        out.print(Markdown(_strip_front_matter(Path(card).read_text(encoding="utf-8"))))
    else:
        out.print("no model card is shipped for this model")


def _strip_front_matter(card: str) -> str:
    """Hugging Face cards open with YAML metadata between --- lines: not for reading."""
    if card.startswith("---\n"):
        end = card.find("\n---\n", 4)
        if end != -1:
            return card[end + 5 :]
    return card
