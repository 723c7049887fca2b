"""Registers one small Zhang model per entry of hub.json, each with its HubWeights."""

from __future__ import annotations

import json
from pathlib import Path

from colorzoo_zhang import ZhangColorizer, ZhangConfig
from zoo_core import ModelSpec, hookimpl
from zoo_core.hub import HubWeights


@hookimpl
def register_colorizers(register):  # type: ignore[no-untyped-def]
    declared = Path(__file__).with_name("hub.json")
    if not declared.exists():
        return
    for name, source in json.loads(declared.read_text()).items():
        register(ModelSpec(name, ZhangColorizer, ZhangConfig(width_mult=0.125), hub=HubWeights(**source)))
