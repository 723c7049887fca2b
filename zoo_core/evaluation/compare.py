"""``compare`` as a library function: run several models on the same images, return the numbers.

Writing the report (``report.write_report``) is separate, so a caller can compare without
touching the disk.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ..errors import ColorzooError
from .evaluate import Contender, evaluate, load_contender, load_images
from .report import summary_rows
from .scores import GRAYSCALE, EvalImage, Scores, Setting

ProgressHook = Callable[[str, int, int], None]
"""(phase, done, total)"""


@dataclasses.dataclass
class Comparison:
    scores: list[Scores]
    rows: list[dict[str, object]]
    """``summary_rows(scores)``: the table, with each model's AuC against grayscale."""
    sweep: dict[str, list[dict[str, float]]]
    images: list[EvalImage]
    meta: dict[str, object]
    files: dict[str, Path] = dataclasses.field(default_factory=dict)
    """What ``write`` wrote (empty until then)."""

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """report.md, metrics.json, metrics.csv, grid.png, tradeoff.png (and sweep.png) into ``out_dir``."""
        from .report import write_report

        self.files = write_report(out_dir, self.scores, self.rows, self.images, self.sweep, self.meta)
        return self.files


def compare(
    models: Sequence[str],
    data: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    settings: Sequence[Mapping[str, Any]] = (),
    controls: Mapping[str, Any] | None = None,
    size: int = 256,
    limit: int | None = None,
    device: torch.device | str = "cpu",
    batch_size: int = 8,
    sweep: bool = True,
    grid_rows: int = 8,
    precision: str = "fp32",
    fid: bool | None = None,
    progress: ProgressHook | None = None,
    notify: Callable[[str], None] | None = None,
) -> Comparison:
    """Run ``models`` (names, ``MODEL.TAG`` names or model directories) and the grayscale baseline on ``data``.

    ``controls`` apply to every model that declares them; ``settings`` are control values to measure
    each model at, one row each (``[{"temperature": 0.38}, {"temperature": 1.0}]``), for the models that
    declare them. With ``sweep``, every model is also measured at the values of the control its spec
    declares sweepable (``Control.sweep``). With ``out_dir`` the report is written too.
    ``fid``: True measures FID (fetching its Inception weights if needed), False skips it, None
    measures it when its weights can be had and otherwise says why not through ``notify``.
    """
    device = torch.device(device)
    images = load_images(data, size, limit)
    contenders = [load_contender(m, device, notify=notify) for m in models]
    labels = [c.label for c in contenders]
    if len(set(labels)) != len(labels) or GRAYSCALE in labels:
        raise ColorzooError(f"models must differ (and not be called {GRAYSCALE!r}): {', '.join(labels)}")
    extractor = None
    if fid is not False:
        from ..errors import NoWeightsError
        from . import fid as fid_metric

        try:
            extractor = fid_metric.load_extractor(device)
        except NoWeightsError as exc:
            if fid:
                raise
            if notify:
                notify(f"FID not measured (the rest of the comparison is): {exc}")
    for contender in contenders:
        spec = contender.model.spec if contender.model is not None else None
        declared = {c.name for c in spec.controls} if spec is not None else set()
        contender.controls = {k: v for k, v in (controls or {}).items() if k in declared}
        requested = _settings_for(settings, spec)
        contender.settings = requested
        swept = contender.sweep_control
        if sweep and swept is not None:  # the sweep rides on the same forward passes
            contender.settings += tuple(t for t in (((swept.name, v),) for v in swept.sweep) if t not in requested)
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("compare", done, len(images))

    scores = evaluate(contenders, images, device, batch_size, keep_outputs=grid_rows, on_batch=on_batch,
                      precision=precision, fid_features=extractor)
    sweep_points: dict[str, list[dict[str, Any]]] = {}
    shown: list[Scores] = []
    for contender in [*contenders, Contender(GRAYSCALE)]:
        mine = [s for s in scores if s.label == contender.label]
        spec = contender.model.spec if contender.model is not None else None
        requested = _settings_for(settings, spec)
        wanted = [s for s in mine if s.setting in requested]
        swept = contender.sweep_control
        if swept is not None and sweep:
            points = [s for s in mine if len(s.setting) == 1 and s.setting[0][0] == swept.name
                      and s.setting[0][1] in swept.sweep]
            sweep_points[contender.label] = [
                {"control": swept.name, "value": s.setting[0][1], **s.summary()}
                for s in sorted(points, key=lambda s: s.setting[0][1])
            ]
        shown += wanted or mine
    shown.sort(key=lambda s: s.label != GRAYSCALE)
    meta = {"data": str(data), "images": len(images), "size": size, "device": device.type, "precision": precision,
            "fid": "measured" if extractor is not None else "not measured"}
    result = Comparison(shown, summary_rows(shown), sweep_points, images, meta)
    if out_dir is not None:
        result.write(out_dir)
    return result


def _settings_for(settings: Sequence[Mapping[str, Any]], spec: Any) -> tuple[Setting, ...]:
    """The requested settings restricted to the controls a model declares (numbers and words as the
    control reads them, so ``"0.5"`` and ``0.5`` are one setting), without repeats; ``((),)`` when none
    applies."""
    controls = {c.name: c for c in spec.controls} if spec is not None else {}
    found: list[Setting] = []
    for setting in settings:
        mine = tuple(sorted((k, _plain(controls[k], v)) for k, v in setting.items() if k in controls))
        if mine not in found:
            found.append(mine)
    return tuple(found) or ((),)


def _plain(control: Any, value: Any) -> Any:
    converted = control.convert(value)
    return converted if isinstance(converted, (bool, int, float, str)) else value
