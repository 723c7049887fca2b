"""``colorzoo search`` and ``colorzoo info hf-hub:...``: the Hub as a registry of everyone's colorizers.

``search`` lists colorzoo models on the Hub (``weights/hub_search.py``), with the model each is an
instance of and whether its family is installed here; any of them runs by its id,
``colorzoo run hf-hub:ORG/NAME`` (``weights/hub_models.py``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from .common import friendly, is_terminal, note, out


def register(app: typer.Typer) -> None:
    app.command()(search)


@friendly
def search(
    query: Annotated[str | None, typer.Argument(help="Words the repo id contains (e.g. cars, or an ORG/).")] = None,
    family: Annotated[str | None, typer.Option(help="Only this family (a plugin name: zhang, ddcolor, ...).")] = None,
    sort: Annotated[str, typer.Option(help="downloads, likes, updated, created or trending (best first).")] = (
        "downloads"
    ),
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many models.")] = 20,
) -> None:
    """colorzoo models on the Hugging Face Hub; run any of them with `colorzoo run hf-hub:ORG/NAME`."""
    from ..plugins.manager import get_zoo
    from ..weights.hub import endpoint
    from ..weights.hub_search import search as hub_search

    found = hub_search(query, family=family, sort=sort, limit=limit)
    if not found:
        what = " ".join(filter(None, [f"matching {query!r}" if query else "", f"of family {family}" if family else ""]))
        out.print(f"no colorzoo models on {endpoint()}{' ' + what if what else ''}", markup=False, soft_wrap=True)
        return
    models = get_zoo().models
    rows = []
    for item in found:
        if item.model in models:
            installed = f"yes ({models[item.model].plugin})"
        else:
            installed = f"no: {_install_hint(item.model, item.distribution)}"
        updated = item.last_modified.strftime("%Y-%m-%d") if item.last_modified else "-"
        rows.append([item.hub_id, item.model or "?", installed, f"{item.downloads:,}", f"{item.likes:,}", updated])
    columns = ("model id", "built on", "family installed", "downloads", "likes", "updated")
    if is_terminal():
        table = Table(title=f"colorzoo models on {endpoint()}", title_justify="left")
        for column in columns:
            table.add_column(column, justify="right" if column in ("downloads", "likes") else "left", overflow="fold")
        for row in rows:
            table.add_row(*map(Text, row))  # text as it is: never taken for markup
        out.print(table)
    else:  # pipes and logs: markdown, never clipped
        lines = ["| " + " | ".join(columns) + " |", "|---|---|---|---:|---:|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    note(f"run one: colorzoo run {found[0].hub_id} photo.jpg -o colorized/ (@REVISION pins a branch, tag or commit)")


def _install_hint(model: str | None, distribution: str | None) -> str:
    from ..catalog import family_of

    family = family_of(model or "")
    if family is not None:
        return family.pip_command
    return f"pip install {distribution}" if distribution else "unknown family"


def hub_info(name: str, as_json: bool = False) -> None:
    """``colorzoo info hf-hub:ORG/NAME[@REVISION]``: the commit, the model it holds, its config and card."""
    from rich.markdown import Markdown

    from ..plugins.manager import get_zoo
    from ..weights.hub import endpoint
    from ..weights.hub_models import fetch
    from .models import _strip_front_matter

    found = fetch(name, weights=False)
    spec = get_zoo().models.get(found.model)
    if as_json:
        out.print_json(json.dumps({
            "id": found.ref.name, "pinned": found.pinned, "commit": found.commit, "model": found.model,
            "installed": spec is not None, "install": None if spec is not None else found.install_hint(),
            "config": found.config, "metadata": found.metadata, "from_cache": found.from_cache,
        }, default=str))
        return
    where = "the Hugging Face cache (offline)" if found.from_cache else endpoint()
    out.print(Text.assemble((found.ref.name, "bold"), f": commit {found.commit}, from {where}"), soft_wrap=True)
    if spec is not None:
        out.print(f"a {found.model} model (plugin {spec.plugin}, installed): {spec.description}", markup=False,
                  soft_wrap=True)
        if spec.controls:
            out.print(f"controls: {', '.join(c.name for c in spec.controls)} (`colorzoo info {found.model}`)",
                      markup=False, soft_wrap=True)
    else:
        out.print(f"a {found.model} model, {found.install_hint()}", markup=False, soft_wrap=True)
    meta = found.metadata
    facts = [f"{key}: {meta[key]}" for key in ("license", "base_model", "datasets") if meta.get(key)]
    if facts:
        out.print("; ".join(facts), markup=False, soft_wrap=True)
    out.print(f"run it: colorzoo run {found.pinned} photo.jpg (exactly this commit) or {found.ref.name}", markup=False,
              soft_wrap=True)
    out.print(Text("config.json", style="bold"))
    out.print(json.dumps(found.config, indent=2, sort_keys=True), markup=False, highlight=False)
    if found.card:
        out.print(Markdown(_strip_front_matter(found.card)))
    else:
        out.print("the repo has no model card (README.md)")
