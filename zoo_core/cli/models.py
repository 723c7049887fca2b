"""``colorzoo list`` and ``colorzoo info``: what is installed, from specs alone (no model is built).

In a terminal they print tables; in a pipe, markdown tables whose cells are never wrapped or cut
(a model name stays whole); ``--json`` gives the same facts as data for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from .common import friendly, is_terminal, out

JsonOption = Annotated[bool, typer.Option("--json", help="Print the facts as JSON (for scripts).")]


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("info")(info)


def _model_facts(spec: Any) -> dict[str, Any]:
    from ..weights.resolve import availability
    from ..weights.summary import set_parameters, weights_summary

    summary = weights_summary(spec)
    return {
        "name": spec.name, "plugin": spec.plugin, "description": spec.description,
        "parameters": summary.parameters, "parameters_of": summary.parameters_of,
        "weights": [{"tag": ws.tag, "status": availability(spec, ws), "license": ws.license,
                     "parameters": set_parameters(spec, ws), "description": ws.description,
                     "sources": [s.describe() for s in ws.sources]} for ws in spec.weights],
        "runs": summary.text, "no_weights": spec.no_weights,
        "controls": [c.to_dict() for c in spec.controls],
        "input_size": spec.input_size, "size_multiple": spec.size_multiple, "output": spec.output,
        "default_loss": spec.default_loss, "card": str(spec.card) if spec.card else None,
    }


def _table(title: str, columns: list[str], rows: list[list[str]], no_wrap: tuple[str, ...] = ()) -> None:
    """A rich table in a terminal; a markdown table in a pipe (every cell whole)."""
    if not is_terminal():
        out.print(f"{title}\n\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns), soft_wrap=True)
        for row in rows:
            out.print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |", soft_wrap=True)
        out.print("")
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in no_wrap,
                         justify="right" if column == "parameters" else "left")
    for row in rows:
        table.add_row(*[Text(cell) for cell in row])
    out.print(table)


@friendly
def list_command(as_json: JsonOption = False) -> None:
    """Installed plugins (with status), their models, parameter counts and weight sets."""
    from ..catalog import missing_families
    from ..plugins.manager import get_zoo
    from ..plugins.registry import list_models

    zoo = get_zoo()
    plugins = sorted(zoo.plugins.values(), key=lambda i: i.name)
    models = [_model_facts(spec) for spec in list_models()]
    missing = missing_families({info.distribution for info in zoo.plugins.values() if info.distribution})
    if as_json:
        out.print_json(json.dumps({
            "plugins": [{"name": i.name, "distribution": i.distribution, "version": i.version, "status": i.status,
                         "error": i.error, "models": i.models, "losses": i.losses} for i in plugins],
            "models": models,
            "not_installed": [{"family": f.name, "models": f.models, "install": f.pip_command} for f in missing],
        }))
        return
    _table("plugins", ["plugin", "distribution", "version", "status", "provides"],
           [[i.name, i.distribution or "-", i.version or "-", f"broken: {i.error}" if i.error else i.status,
             ", ".join(i.models + [f"loss:{n}" for n in i.losses])] for i in plugins], no_wrap=("plugin",))
    rows = []
    for m in models:
        which = m["parameters_of"].removeprefix(f"{m['name']}.")
        params = f"{m['parameters']:,} ({which})" if m["parameters"] else "?"
        rows.append([m["name"], m["plugin"], params, m["runs"], m["description"]])
    _table("models (parameters of the weight set that runs, or of the default config)",
           ["model", "plugin", "parameters", "weights", "description"], rows, no_wrap=("model",))
    if missing:
        _table("model families not installed", ["family", "models", "install with"],
               [[f.name, f.models, f.pip_command] for f in missing])


@friendly
def info(
    model: Annotated[
        str, typer.Argument(help="Model name (or MODEL.TAG), as `colorzoo list` shows it, or hf-hub:ORG/NAME[@REV].")
    ],
    as_json: JsonOption = False,
) -> None:
    """A model's facts (weight sets, controls, losses) and its card; for hf-hub:, the commit, config and card."""
    from ..plugins.registry import get_model_spec, losses_for
    from ..weights.hub_models import is_hub_name
    from ..weights.summary import weight_set_rows

    if is_hub_name(model):
        from .hub import hub_info

        return hub_info(model, as_json)
    spec = get_model_spec(model)
    facts = _model_facts(spec)
    facts["losses"] = [s.name for s in losses_for(spec)]
    if as_json:
        out.print_json(json.dumps(facts))
        return
    params = f"{facts['parameters']:,} parameters ({facts['parameters_of']})" if facts["parameters"] else "parameters ?"
    out.print(Text.assemble((spec.name, "bold"), f" from plugin {spec.plugin}: {params}"), soft_wrap=True)
    out.print(spec.description, soft_wrap=True)
    multiple = f" (multiples of {spec.size_multiple})" if spec.size_multiple > 1 else ""
    out.print(f"working size {spec.input_size}x{spec.input_size}{multiple}; trains with {spec.default_loss or '-'} "
              f"(accepts: {', '.join(facts['losses']) or 'none registered'})", soft_wrap=True)
    if spec.weights:
        out.print(Text.assemble(("weight sets", "bold"), f" (best first; `{spec.name}` runs the first one available):"))
        for name, status, params, license_name, source, about in weight_set_rows(spec):
            out.print(f"  {name}: {status}, {params} parameters, {license_name}: {about}", soft_wrap=True)
            out.print(f"      from {source}", soft_wrap=True)
    else:
        why = f"{spec.no_weights}; " if spec.no_weights else ""
        out.print(f"weight sets: none declared ({why}pass --weights DIR)", soft_wrap=True)
    if spec.controls:
        out.print(Text.assemble(("controls", "bold"), " (colorzoo run/eval/compare/export -c KEY=VALUE):"))
        for control in spec.controls:
            out.print(f"  {control.describe()}", soft_wrap=True)
    else:
        out.print("controls: none")
    _print_card(spec.card)


def _print_card(card: Path | None) -> None:
    from rich.markdown import Markdown

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
