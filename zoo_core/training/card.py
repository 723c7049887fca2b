"""The model card of a model directory, written from what colorzoo knows, for ``colorzoo publish``.

A directory from ``colorzoo train`` says what the model is (``config.json``, and the model's spec
in the registry), how it was trained (``train_config.json``: data, options, the weights it started
from) and, given the directory of a ``colorzoo compare`` report that measured it, how good it is
(``metrics.json``). From that this module writes a Hugging Face card: YAML metadata made with
huggingface_hub's ``ModelCardData`` (``library_name: colorzoo`` so that ``colorzoo search`` and the
Hub find it, the family as a tag, license, ``base_model`` when it was fine-tuned from a Hub repo,
``datasets``, and a ``model-index`` with the metrics, so the Hub shows the numbers), then the exact
``colorzoo run hf-hub:...`` line and Python lines, the model, the training command and the
evaluation against the grayscale baseline. Nothing is invented: what is not recorded is said to be
unknown.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..catalog import family_of
from ..errors import ColorzooError, UnknownModelError
from ..models.format import CONFIG_NAME, read_config
from ..plugins.manager import get_zoo
from ..plugins.registry import split_model_name
from ..spec import HubRepo, ModelSpec
from ..weights.hub_models import is_hub_name, parse_hub_name

TRAIN_CONFIG = "train_config.json"
METRICS = "metrics.json"
TASK = ("image-to-image", "Image colorization")
_LICENSE_ID = re.compile(r"[a-z0-9][a-z0-9.+-]*")


@dataclasses.dataclass(frozen=True)
class Start:
    """Where training started: the recorded ``--init`` and what is known of it."""

    init: str | None
    about: str
    license: str | None = None
    base_model: str | None = None


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The published model's row of a compare report, and the report's other rows (the grayscale
    baseline, and the weights it started from where they were measured too)."""

    row: dict[str, Any]
    others: list[dict[str, Any]]
    meta: dict[str, Any]
    source: Path


def read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ColorzooError(f"{path}: no such file ({what})") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ColorzooError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ColorzooError(f"{path}: expected a JSON object ({what})")
    return value


def train_record(directory: Path) -> dict[str, Any] | None:
    """The directory's ``train_config.json`` (None when it was not made by ``colorzoo train``)."""
    path = directory / TRAIN_CONFIG
    return read_json(path, "the training record") if path.is_file() else None


def compare_label(directory: Path, model: str) -> str:
    """The label ``colorzoo compare`` gives a model directory (``evaluation.evaluate.load_contender``)."""
    return model if directory.name == model else f"{model} ({directory.name})"


def find_evaluation(report: Path, directory: Path, model: str, temperature: float | None = None) -> Evaluation:
    """The row of ``report/metrics.json`` that measured ``directory`` (found by compare's label for it)."""
    source = report / METRICS if report.is_dir() else report
    data = read_json(source, "--report takes the directory `colorzoo compare -o` wrote")
    rows = data.get("summary")
    if not isinstance(rows, list):
        raise ColorzooError(f"{source}: no summary table; is it a `colorzoo compare` report?")
    label = compare_label(directory, model)
    mine = [r for r in rows if isinstance(r, dict) and str(r.get("model", "")).split(" T=")[0] == label]
    if not mine:
        shown = ", ".join(str(r.get("model")) for r in rows if isinstance(r, dict))
        raise ColorzooError(f"{source}: no row for {label} (its rows: {shown}); compare {directory} first")
    if len(mine) > 1:
        wanted = [r for r in mine if r.get("temperature") in (None, temperature)]
        if len(wanted) != 1:
            temps = ", ".join(f"T={r.get('temperature')}" for r in mine)
            raise ColorzooError(f"{source}: {label} was measured at several temperatures ({temps}); compare it "
                                "at one (the one its config decodes with) for the card")
        mine = wanted
    row = mine[0]
    if not isinstance(row.get("auc_vs_gray"), dict):
        raise ColorzooError(f"{source}: the row of {label} has no AuC against the grayscale baseline")
    others = [r for r in rows if isinstance(r, dict) and r is not row and isinstance(r.get("auc"), int | float)]
    others.sort(key=lambda r: r.get("model") == "grayscale")  # the baseline last
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return Evaluation(row, others, meta, source)


def hub_license(text: str | None) -> tuple[str | None, str | None]:
    """(license id for the Hub's metadata, license_name when it is not one of the Hub's ids)."""
    if not text:
        return None, None
    lowered = text.strip().lower()
    return (lowered, None) if _LICENSE_ID.fullmatch(lowered) else ("other", text.strip())


def describe_start(init: str | None) -> Start:
    """What the recorded ``--init`` was: random initialization, a Hub repo, a declared set or a directory."""
    if not init:
        return Start(None, "random initialization (trained from scratch)")
    if is_hub_name(init):
        from ..weights.hub_models import fetch

        ref = parse_hub_name(init)
        license_text = None
        try:
            license_text = fetch(init, weights=False).license or None
        except ColorzooError:
            pass  # the card still names the repo and the commit; the license stays unknown
        return Start(init, f"the Hub model `{init}`", license_text, ref.repo_id)
    try:
        spec, tag = split_model_name(init)
    except UnknownModelError:
        return Start(init, f"the weights in `{init}`")
    if tag is None:
        return Start(init, f"`{init}`")
    ws = spec.weight_set(tag)
    hub = next((s.repo_id for s in ws.sources if isinstance(s, HubRepo)), None)
    origin = ws.sources[0].describe() if ws.sources else "declared by its plugin"
    about = f"`{init}` ({ws.description or 'a weight set of ' + spec.name}; {ws.license}; {origin})"
    return Start(init, about, ws.license or None, hub)


def distribution_of(spec: ModelSpec) -> str | None:
    info = get_zoo().plugins.get(spec.plugin)
    return info.distribution if info is not None else None


def install_line(spec: ModelSpec) -> str:
    family = family_of(spec.name)
    distribution = distribution_of(spec)
    if family is not None and family.distribution == distribution:
        return family.pip_command
    return f"pip install {distribution}" if distribution else "pip install colorzoo"


def code_license(spec: ModelSpec) -> str | None:
    """The license of the plugin distribution that provides ``spec`` (for weights trained from scratch)."""
    distribution = distribution_of(spec)
    if not distribution:
        return None
    try:
        meta = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    return meta.get("License-Expression") or meta.get("License") or None


def train_command(record: dict[str, Any]) -> str:
    """The ``colorzoo train`` command a training record was made with (options left at their defaults omitted)."""
    from .config import TrainConfig

    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}
    parts = ["colorzoo", "train", str(record.get("model")), "--data", str(record.get("data")),
             "--out", str(record.get("out"))]
    flags = ("val", "val_fraction", "steps", "epochs", "batch_size", "crop", "lr", "loss", "prior", "init", "device",
             "seed", "split_seed")
    for name in flags:
        value = record.get(name)
        if value is not None and value != defaults.get(name):
            parts += [f"--{name.replace('_', '-')}", str(value)]
    for flag, key in (("--loss-set", "loss_options"), ("--set", "overrides")):
        for field, value in (record.get(key) or {}).items():
            parts += [flag, f"{field}={value if isinstance(value, str) else json.dumps(value)}"]
    if record.get("amp"):
        parts.append("--amp")
    return shlex.join(parts)


def _fmt(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "-"


def _eval_results(evaluation: Evaluation) -> list[Any]:
    from huggingface_hub import EvalResult

    row, meta = evaluation.row, evaluation.meta
    versus = row["auc_vs_gray"]
    dataset = f"{Path(str(meta.get('data', 'photos'))).name} ({meta.get('images', '?')} photos)"
    metrics = [
        ("auc", "AuC %", row.get("auc")),
        ("auc_vs_gray", "AuC - grayscale (mean over images)", versus.get("mean")),
        ("auc_vs_gray_low", "AuC - grayscale, 95% interval low", versus.get("low")),
        ("auc_vs_gray_high", "AuC - grayscale, 95% interval high", versus.get("high")),
        ("auc_rebal", "AuC rebalanced %", row.get("auc_rebal")),
        ("colorfulness", "Colorfulness (Hasler-Suesstrunk)", row.get("colorfulness")),
        ("psnr", "PSNR dB", row.get("psnr")),
    ]
    return [
        EvalResult(task_type=TASK[0], task_name=TASK[1], dataset_type="imagefolder", dataset_name=dataset,
                   metric_type=kind, metric_name=name, metric_value=round(float(value), 4))
        for kind, name, value in metrics
        if isinstance(value, int | float)
    ]


def _table_row(name: str, row: dict[str, Any]) -> str:
    d = row.get("auc_vs_gray")
    versus, wins = "", ""
    if isinstance(d, dict):
        versus = f"{d.get('mean', 0):+.2f} [{d.get('low', 0):+.2f}, {d.get('high', 0):+.2f}]"
        wins = f"{d.get('wins', '?')}/{d.get('images', '?')}"
    return (f"| {name} | {_fmt(row.get('auc'))} | {versus} | {wins} | {_fmt(row.get('auc_rebal'))} | "
            f"{_fmt(row.get('colorfulness'), 1)} | {_fmt(row.get('psnr'))} |")


def _evaluation_section(evaluation: Evaluation | None, directory: Path, repo_id: str) -> list[str]:
    if evaluation is None:
        return ["## Evaluation", "",
                f"Not measured for this card. `colorzoo compare {directory.name} --data VAL/ -o report/` measures "
                "it next to the grayscale baseline, and `colorzoo publish --report report/` puts the numbers here.",
                ""]
    row, meta = evaluation.row, evaluation.meta
    truth = row.get("colorfulness", 0) - row.get("colorfulness_diff", 0) if "colorfulness_diff" in row else None
    lines = ["## Evaluation", "",
             f"`colorzoo compare` on `{meta.get('data', '?')}`: {meta.get('images', '?')} photos, center crops of "
             f"{meta.get('size', '?')} px, each model's color joined with the photo's own lightness. AuC is the share "
             "of pixels within an ab distance threshold, integrated over 0-150 (Zhang et al.); rebalanced AuC "
             "weights pixels by the rarity of their true color; the interval is a 95% bootstrap over the images "
             "of a model's AuC minus the grayscale baseline's (ab = 0), which every colorizer must beat. The "
             "other rows were measured in the same run.", "",
             "| model | AuC % | AuC - gray [95% interval] | above gray | AuC rebal % | colorfulness | PSNR dB |",
             "|---|---:|---:|---:|---:|---:|---:|",
             _table_row(f"**`{repo_id}`**", row),
             *(_table_row("grayscale (ab = 0)" if r.get("model") == "grayscale" else str(r.get("model")), r)
               for r in evaluation.others)]
    if truth is not None:
        lines += ["", f"The photos' own colorfulness: {truth:.1f}."]
    return [*lines, ""]


def model_card(
    directory: str | Path,
    repo_id: str,
    *,
    revision: str | None = None,
    report: str | Path | None = None,
    datasets: Sequence[str] = (),
    license: str | None = None,
) -> tuple[str, str | None]:
    """(the card's Markdown, where its license came from) for a model directory to be published as ``repo_id``."""
    from huggingface_hub import ModelCard, ModelCardData

    from ..plugins.registry import get_model_spec

    directory = Path(directory)
    _, config = read_config(directory)
    spec = get_model_spec(str(config.get("model", "")))
    record = train_record(directory)
    start = describe_start(record.get("init") if record else None)
    license, license_from = _card_license(license, start, spec, directory)
    license_id, license_name = hub_license(license)
    temperature = config.get("temperature") if isinstance(config.get("temperature"), int | float) else None
    evaluation = find_evaluation(Path(report), directory, spec.name, temperature) if report is not None else None
    name = repo_id.split("/")[-1]
    hub_id = f"hf-hub:{repo_id}" + (f"@{revision}" if revision else "")
    distribution = distribution_of(spec)
    data = ModelCardData(
        library_name="colorzoo", pipeline_tag="image-to-image", license=license_id, license_name=license_name,
        tags=["colorization", "image-colorization", "colorzoo", spec.plugin],
        base_model=start.base_model, datasets=list(datasets) or None,
        model_name=name if evaluation is not None else None,
        eval_results=_eval_results(evaluation) if evaluation is not None else None,
        colorzoo={"model": spec.name, "family": spec.plugin,
                  **({"distribution": distribution} if distribution else {})},
    )
    lines = _intro_lines(spec, config, record, start, name, hub_id, distribution)
    lines += _training_section(record, start, datasets, spec)
    lines += _evaluation_section(evaluation, directory, repo_id)
    lines += ["## Limitations", "",
              "Color cannot be read from lightness alone: the model paints the colors typical of what it learned, "
              "and may be wrong where an object could have many (clothes, cars, walls)"
              + (f"; it learned from {record.get('train_images')} photos" if record else "") + ".", ""]
    text = str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines)))
    return text, license_from


def _training_section(
    record: dict[str, Any] | None, start: Start, datasets: Sequence[str], spec: ModelSpec
) -> list[str]:
    if record is None:
        return ["## Training", "", f"Not recorded: the directory has no {TRAIN_CONFIG} (it was not written by "
                "`colorzoo train`).", ""]
    loss = record.get("loss") or f"{spec.default_loss} (the model's default)"
    options = record.get("loss_options") or {}
    if options:
        loss += f" ({', '.join(f'{k}={v}' for k, v in options.items())})"
    named = f" ({', '.join(datasets)})" if datasets else ""
    return ["## Training", "",
            f"- data: `{record.get('data')}`{named}: {record.get('train_images', '?')} training photos, "
            f"{record.get('val_images', '?')} held out for validation",
            f"- started from {start.about}",
            f"- {record.get('total_steps', record.get('steps', '?'))} steps of {record.get('batch_size', '?')} "
            f"crops of {record.get('crop', '?')} px, learning rate {record.get('lr') or 'the model default'}, "
            f"loss {loss}, seed {record.get('seed', '?')}",
            "", "The command (from its train_config.json):", "", "```bash", train_command(record), "```",
            ""]


def _card_license(license: str | None, start: Any, spec: Any, directory: Path) -> tuple[str, str]:
    """(the license, where it came from): --license, else the weights it started from, else the family's code."""
    if license is not None:
        return license, "--license"
    if start.license:
        return start.license, f"the weights it started from ({start.init})"
    code = code_license(spec)
    if code is None:
        raise ColorzooError(f"{directory}: no license is known for these weights; pass --license (e.g. mit)")
    return code, f"the code of {distribution_of(spec)} (trained from scratch)"


def _intro_lines(spec: Any, config: dict[str, Any], record: dict[str, Any] | None, start: Any, name: str,
                hub_id: str, distribution: str | None) -> list[str]:
    """The card's title, what the model is and how it came to be, how to use it, and its config."""
    if record is None:
        origin = "How it was trained is not recorded here."
    elif start.init:
        origin = f"It was fine-tuned from {start.about} on `{record.get('data')}`."
    else:
        origin = f"It was trained from scratch on `{record.get('data')}`."
    return [f"# {name}", "",
            f"A `{spec.name}` colorizer for [colorzoo](https://pypi.org/project/colorzoo/): "
            f"{spec.description.rstrip('.')}. {origin}", "",
            "## Use", "", "```bash", install_line(spec), f"colorzoo run {hub_id} photo.jpg -o colorized/", "```", "",
            "```python", "from zoo_core import colorize, create_model, load_image, save_png", "",
            f'model = create_model("{hub_id}")', 'rgb = colorize(model, [load_image("photo.jpg")])[0]',
            'save_png(rgb, "photo_color.png")', "```", "",
            f"colorzoo fetches `{CONFIG_NAME}` and `model.safetensors` (never a pickle), shows the commit it ran "
            f"and records each file's sha256 at first use. `colorzoo info {hub_id}` shows the config and this card.",
            "", "## Model", "",
            f"`{spec.name}` from the `{spec.plugin}` plugin" + (f" ({distribution})" if distribution else "")
            + f", working size {config.get('input_size', spec.input_size)} px. Its config:", "",
            "```json", json.dumps(config, indent=2, sort_keys=True), "```", ""]
