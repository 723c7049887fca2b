"""What ``colorzoo list`` and ``info`` say about a model's weights, from specs and file headers alone.

No model is built and torch is not imported: parameter counts come from the safetensors header
of local weights, else from the spec's declaration.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..models.format import WEIGHTS_NAME, count_parameters
from ..spec import ModelSpec, WeightSet
from . import cache
from .resolve import BUNDLED, CACHED, DOWNLOADABLE, INSTALLED, availability

LOCAL = (BUNDLED, CACHED, INSTALLED)


@dataclasses.dataclass
class WeightsSummary:
    parameters: int | None
    """Of the weights that run by default (the best set available here), else of the spec's default config."""
    parameters_of: str
    text: str
    """e.g. ``paper: downloadable; compact: bundled``, the set that runs marked with ``*``."""


def _local_file(spec: ModelSpec, ws: WeightSet) -> Path | None:
    bundled = ws.bundled
    if bundled is not None and (Path(bundled.path) / WEIGHTS_NAME).is_file():
        return Path(bundled.path) / WEIGHTS_NAME
    converted = cache.weight_set_dir(spec.name, ws.tag) / WEIGHTS_NAME
    return converted if converted.is_file() else None


def set_parameters(spec: ModelSpec, ws: WeightSet) -> int | None:
    local = _local_file(spec, ws)
    if local is not None:
        try:
            return count_parameters(local)
        except Exception:  # noqa: BLE001 - a damaged file: say what is declared
            pass
    return ws.num_parameters or (spec.num_parameters if not ws.config else None)


def weights_summary(spec: ModelSpec) -> WeightsSummary:
    statuses = [(ws, availability(spec, ws)) for ws in spec.weights]
    runs = next((ws for ws, status in statuses if status in LOCAL), None)
    parts = [f"{ws.tag}: {status}{' *' if ws is runs else ''}" for ws, status in statuses]
    if runs is not None:
        return WeightsSummary(set_parameters(spec, runs), f"{spec.name}.{runs.tag}", "; ".join(parts))
    text = "; ".join(parts) if parts else f"none: {spec.no_weights}" if spec.no_weights else "none (pass --weights)"
    first = spec.weights[0] if spec.weights else None
    if first is not None and any(status == DOWNLOADABLE for _, status in statuses):
        return WeightsSummary(set_parameters(spec, first), f"{spec.name}.{first.tag}", text)
    return WeightsSummary(spec.num_parameters, "the default config, untrained", text)


def weight_set_rows(spec: ModelSpec) -> list[tuple[str, str, str, str, str, str]]:
    """(name, status, parameters, license, source, about) per weight set, for ``colorzoo info``."""
    rows = []
    for ws in spec.weights:
        params = set_parameters(spec, ws)
        record = cache.read_source(spec.name, ws.tag)
        sources = "; ".join(s.describe() for s in ws.sources)
        if record.get("sha256"):
            sources += f" (sha256 {record['sha256'][:12]}...)"
        rows.append((f"{spec.name}.{ws.tag}", availability(spec, ws), f"{params:,}" if params else "?", ws.license,
                     sources, ws.description))
    return rows
