"""The weight sets a user can pick in the page, with what ``colorzoo list`` says about them.

A choice is one ``MODEL.TAG``: bundled, cached and installed sets run at once; downloadable
ones are fetched (checked, converted) the first time they run. Sets that cannot be had at all,
and models without weights, are not offered (the models table says why).
"""

from __future__ import annotations

import dataclasses

from ..spec import HubRepo, ModelSpec, ReleaseFile, WeightSet
from ..weights.resolve import BUNDLED, CACHED, DOWNLOADABLE, INSTALLED, availability
from ..weights.summary import set_parameters

#: Availabilities a user can run (the rest are listed, not offered).
RUNNABLE = (BUNDLED, CACHED, INSTALLED, DOWNLOADABLE)


@dataclasses.dataclass(frozen=True)
class WeightChoice:
    """One weight set of one model, as the page offers it."""

    spec: ModelSpec
    weight_set: WeightSet
    status: str
    """bundled, cached, installed, downloadable or unavailable."""
    parameters: int | None

    @property
    def value(self) -> str:
        """``MODEL.TAG``, the name every colorzoo command takes."""
        return f"{self.spec.name}.{self.weight_set.tag}"

    @property
    def label(self) -> str:
        status = self.status
        if status == DOWNLOADABLE:
            size = download_size(self.weight_set)
            status = f"download {size / 1e6:,.0f} MB on first use" if size else "downloaded on first use"
        return f"{self.value} ({status})"

    @property
    def runnable(self) -> bool:
        return self.status in RUNNABLE


def download_size(ws: WeightSet) -> int | None:
    """Bytes of the first remote source that declares its size."""
    for source in ws.sources:
        if isinstance(source, (ReleaseFile, HubRepo)) and source.size:
            return source.size
    return None


def weight_choices(specs: list[ModelSpec]) -> list[WeightChoice]:
    """Every declared weight set of ``specs``, best set of each model first (as the spec lists them)."""
    return [
        WeightChoice(spec, ws, availability(spec, ws), set_parameters(spec, ws))
        for spec in specs
        for ws in spec.weights
    ]


def model_rows(specs: list[ModelSpec]) -> list[list[str]]:
    """model, weight set, status, parameters, license, description: one row per set (or per model without)."""
    rows = []
    for spec in specs:
        if not spec.weights:
            why = spec.no_weights or "no weights declared"
            params = f"{spec.num_parameters:,}" if spec.num_parameters else "?"
            rows.append([spec.name, "-", f"none: {why}", params, "-", spec.description])
        for choice in weight_choices([spec]):
            params = f"{choice.parameters:,}" if choice.parameters else "?"
            about = choice.weight_set.description or spec.description
            rows.append([spec.name, choice.weight_set.tag, choice.status, params, choice.weight_set.license, about])
    return rows
