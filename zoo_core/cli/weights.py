"""``colorzoo download``, ``import``, ``publish`` and ``cache list|rm``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import ColorzooError
from .common import DownloadBar, failed_line, friendly, note, out


def register(app: typer.Typer) -> None:
    app.command()(download)
    app.command("import")(import_command)
    app.command()(publish)
    cache_app = typer.Typer(help="colorzoo's cache of weights (converted sets, Hub files).", no_args_is_help=True)
    cache_app.command("list")(cache_list)
    cache_app.command("rm")(cache_rm)
    app.add_typer(cache_app, name="cache")


@friendly
def download(
    models: Annotated[
        list[str], typer.Argument(help="MODEL (its best downloadable weight set), MODEL.TAG or hf-hub:ORG/NAME[@REV].")
    ],
    revision: Annotated[
        str | None, typer.Option(help="For Hub weights: another revision than the pinned one (unverified).")
    ] = None,
) -> None:
    """Fetch weights once (checked by sha256, converted to safetensors) into the cache; idempotent.

    ``fid-inception`` fetches the Inception weights ``compare`` measures FID with.
    """
    from ..plugins.registry import split_model_name
    from ..spec import HubRepo
    from ..weights.hub_models import fetch, is_hub_name
    from ..weights.resolve import materialize

    wanted = []
    failed = 0
    for name in models:
        if is_hub_name(name):  # a model shared on the Hub: its commit's config and safetensors, checked
            try:
                found = fetch(name, notify=note)
            except ColorzooError as exc:
                failed_line(f"{name}: {exc}")
                failed += 1
                continue
            out.print(f"{name}: commit {found.commit}, in {found.path} (sha256 recorded at first use, checked since)",
                      soft_wrap=True, markup=False)
            continue
        if name == "fid-inception":
            from ..evaluation.fid import INCEPTION_LICENSE, inception_weights

            bar = DownloadBar()
            try:
                path = inception_weights(on_progress=bar)
            finally:
                bar.close()
            out.print(f"fid-inception: in {path} ({INCEPTION_LICENSE}; sha256 verified)", markup=False, soft_wrap=True)
            continue
        spec, tag = split_model_name(name)
        if tag is None:
            remote = [ws for ws in spec.weights if ws.remote]
            if not remote and spec.weights:  # bundled or installed: there, as `download MODEL.TAG` says too
                wanted.append((spec, spec.weights[0]))
                continue
            if not remote:
                why = f": {spec.no_weights}" if spec.no_weights else ""
                raise ColorzooError(f"{spec.name} declares no weights to download{why}")
            wanted.append((spec, remote[0]))
        else:
            wanted.append((spec, spec.weight_set(tag)))
    for spec, ws in wanted:
        bar = DownloadBar()
        try:
            hub = next((s for s in ws.sources if isinstance(s, HubRepo) and s.native), None)
            if revision is not None and hub is not None:
                from ..weights.hub import download as hub_download

                path = hub_download(hub, revision=revision)
                out.print(f"{spec.name}.{ws.tag}: {hub.repo_id}@{revision} in {path} (revision not pinned: unverified)",
                          soft_wrap=True, markup=False)
                continue
            resolved = materialize(spec, ws, progress=bar, notify=note)
        except ColorzooError as exc:
            failed_line(f"{spec.name}.{ws.tag}: {exc}")
            failed += 1
            continue
        finally:
            bar.close()
        how = "nothing to download" if resolved.origin == "bundled" else "sha256 verified"
        out.print(f"{spec.name}.{ws.tag}: {resolved.origin}, in {resolved.path} ({ws.license}; {how})", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@friendly
def import_command(
    model: Annotated[str, typer.Argument(help="The model the weights are for, e.g. zhang-rebal.")],
    file: Annotated[Path, typer.Argument(help="A PyTorch checkpoint (.pth), e.g. the paper's release.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Model directory to write.")] = None,
) -> None:
    """Convert a released PyTorch checkpoint into config.json + model.safetensors (keys and shapes checked)."""
    from ..plugins.registry import split_model_name
    from ..weights.convert import convert_checkpoint
    from ..weights.download import sha256_of
    from ..weights.resolve import declared_sha256

    spec, tag = split_model_name(model)
    target = output or Path(f"{spec.name}-imported")
    if target.exists() and not target.is_dir():
        raise ColorzooError(f"-o {target}: is a file, not a folder")
    if (target / "model.safetensors").exists():
        raise ColorzooError(f"{target} already holds weights; choose another -o")
    if file.is_dir():
        raise ColorzooError(f"{file}: is a directory; give the checkpoint file (.pth)")
    if not file.is_file():
        raise ColorzooError(f"{file}: no such file")
    known = declared_sha256(spec).get(sha256_of(file))
    config = dict(spec.weight_set(known or tag).config) if (known or tag) else {}
    directory = convert_checkpoint(spec, file, target, config)
    if spec.card is not None and Path(spec.card).is_file():
        import shutil

        shutil.copyfile(spec.card, directory / "README.md")
    origin = f"the released {spec.name}.{known}" if known else "not a declared release (its sha256 is unknown here)"
    out.print(f"imported {file} ({origin}) into {directory}; use: colorzoo run {spec.name} --weights {directory} ...",
              soft_wrap=True, markup=False)


@friendly
def publish(
    directory: Annotated[Path, typer.Argument(help="A model directory (from train, import or save_pretrained).")],
    repo_id: Annotated[str, typer.Option(help="Hub repository, ORG/NAME.")],
    private: Annotated[bool, typer.Option(help="Create the repository as private.")] = False,
    revision: Annotated[str | None, typer.Option(help="Branch to upload to (created if needed).")] = None,
    report: Annotated[
        Path | None, typer.Option(help="A `colorzoo compare -o` report that measured DIRECTORY: numbers for the card.")
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option(help="A Hub dataset id the model was trained on, for the card (repeatable).")
    ] = None,
    license_id: Annotated[
        str | None, typer.Option("--license", help="The weights' license (default: the weights it started from).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check everything and print the card; upload nothing.")] = False,
) -> None:
    """Upload a model directory to the Hugging Face Hub, where anyone can run it as hf-hub:ORG/NAME.

    A directory without a README.md gets a card written from what colorzoo knows (the model, its
    training record, --report's metrics). Only config.json, model.safetensors, the card and the
    training record are uploaded, never a checkpoint; a directory whose weights do not load is refused.
    """
    from ..plugins.registry import load_model
    from ..training.card import model_card
    from ..weights.hub import CARD_NAME, check_repo_id, require_hub
    from ..weights.hub import publish as hub_publish
    from ..weights.hub_models import parse_hub_name

    check_repo_id(repo_id, "--repo-id")
    hub_id = parse_hub_name(f"hf-hub:{repo_id}" + (f"@{revision}" if revision else "")).name  # checks --revision
    if not dry_run:
        require_hub("publishing")  # offline: one line at once
    own_card = directory / CARD_NAME
    if report is not None and own_card.is_file():
        raise ColorzooError(f"--report: {directory} has its own {CARD_NAME}; --report fills a card colorzoo writes "
                            f"(move {CARD_NAME} away to have one written, or put the numbers in yours)")
    load_model(directory)  # a directory whose weights do not load is refused before anything is uploaded
    with tempfile.TemporaryDirectory(prefix="colorzoo-card-") as scratch:
        card = None
        if own_card.is_file():
            if "library_name: colorzoo" not in own_card.read_text(encoding="utf-8", errors="replace"):
                note(f"note: {own_card} has no `library_name: colorzoo` in its metadata: `colorzoo search` will "
                     "not list the model")
        else:
            text, license_from = model_card(directory, repo_id, revision=revision, report=report,
                                            datasets=dataset or (), license=license_id)
            card = Path(scratch) / CARD_NAME
            card.write_text(text, encoding="utf-8")
            note(f"model card written from {directory}'s config and training record"
                 f"{' and ' + str(report) if report else ''}; license from {license_from}")
        if dry_run:
            out.print((card or own_card).read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
            note(f"dry run: nothing was uploaded to {repo_id}")
            return
        url, hashes = hub_publish(directory, repo_id, card=card, private=private, revision=revision)
    out.print(f"published {directory} to {repo_id}: {url}", soft_wrap=True, markup=False)
    out.print(f"run it: colorzoo run {hub_id} photo.jpg -o colorized/  (Python: create_model({hub_id!r}))",
              soft_wrap=True, markup=False)
    out.print("declare it with HubRepo(repo_id=..., revision=<tag or commit>, files={", markup=False)
    for name, digest in hashes.items():
        if name in ("config.json", "model.safetensors"):
            out.print(f'    "{name}": "{digest}",', markup=False)
    out.print("})", markup=False)


@friendly
def cache_list(
    all_repos: Annotated[bool, typer.Option("--all", help="Every cached Hub model repo too.")] = False,
) -> None:
    """Cached weights: converted weight sets (size, sha256, license, source) and Hub repos."""
    from ..plugins.registry import list_models
    from ..spec import HubRepo
    from ..weights.cache import cached_sets
    from ..weights.hub import cached_repos
    from ..weights.hub_models import repos_run

    sets = cached_sets()
    if not sets:
        out.print("no converted weight sets")
    for entry in sets:  # lines, not a table: names and checksums are never cut
        src = entry.source
        trust = " (trusted on first use)" if src.get("trusted_on_first_use") else ""
        out.print(f"{entry.model}.{entry.tag}: {entry.size_bytes / 2**20:.1f} MB, {src.get('license', '?')}",
                  markup=False, soft_wrap=True)
        out.print(f"    sha256 {src.get('sha256', '?')}{trust}", markup=False, soft_wrap=True)
        out.print(f"    from {src.get('source', '?')}", markup=False, soft_wrap=True)
    owners = {s.repo_id: f"{spec.name}.{ws.tag}" for spec in list_models() for ws in spec.weights for s in ws.sources
              if isinstance(s, HubRepo)}
    for repo_id in repos_run():  # models run by their Hub id
        owners.setdefault(repo_id, f"hf-hub:{repo_id}")
    repos = cached_repos(None if all_repos else owners)
    if repos:
        hub = Table(title="Hugging Face cache", title_justify="left")
        for column in ("repo", "weights", "revisions", "size"):
            hub.add_column(column, justify="right" if column == "size" else "left", overflow="fold")
        for repo in repos:
            hub.add_row(repo.repo_id, owners.get(repo.repo_id, "-"), str(len(repo.revisions)),
                        f"{repo.size_bytes / 2**20:.1f} MB")
        out.print(hub)


@friendly
def cache_rm(
    names: Annotated[list[str], typer.Argument(help="MODEL (every set), MODEL.TAG, hf-hub:ORG/NAME or a repo id.")],
) -> None:
    """Remove cached weights, and forget the checksums recorded at their first download."""
    from ..errors import UnknownModelError
    from ..plugins.registry import split_model_name
    from ..spec import HubRepo, ReleaseFile
    from ..weights import cache, hub_models
    from ..weights.hub import remove_cached, trust_key
    from ..weights.hub_models import is_hub_name, parse_hub_name

    for name in names:
        if is_hub_name(name) or "/" in name:  # a Hub model id or a repo id: every revision cached, and its records
            repo_id = parse_hub_name(name).repo_id if is_hub_name(name) else name
            freed = remove_cached(repo_id)
            hub_models.forget(repo_id)
            out.print(f"{name}: {'removed, ' + f'{freed / 2**20:.1f} MB freed' if freed else 'not cached'}",
                      markup=False)
            continue
        try:
            spec, tag = split_model_name(name)
        except UnknownModelError:
            freed = remove_cached(name)
            out.print(f"{name}: {'removed, ' + f'{freed / 2**20:.1f} MB freed' if freed else 'not cached'}")
            continue
        for ws in spec.weights if tag is None else [spec.weight_set(tag)]:
            freed = cache.remove_set(spec.name, ws.tag)
            for source in ws.sources:
                if isinstance(source, HubRepo):
                    freed += remove_cached(source.repo_id)
                    for file in source.files:
                        cache.forget_trust(trust_key(source, file))
                if isinstance(source, ReleaseFile):
                    cache.forget_trust(source.url)
            text = f"removed, {freed / 2**20:.1f} MB freed" if freed else "not cached"
            out.print(f"{spec.name}.{ws.tag}: {text}", markup=False)
