"""The plugin manager: pluggy over the ``colorzoo`` entry-point group.

Built-in plugins are registered through the same hooks as third-party ones. A plugin that
fails to import or to register is recorded as broken, with a one-line reason, and
everything else keeps working.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
from collections.abc import Iterable
from typing import Any

import pluggy

from ..spec import LossSpec, ModelSpec
from . import hookspecs

ENTRY_POINT_GROUP = "colorzoo"
DEFAULT_PLUGINS = ("zoo_core.plugins.builtin",)


@dataclasses.dataclass
class PluginInfo:
    name: str
    distribution: str | None = None
    version: str | None = None
    error: str | None = None
    models: list[str] = dataclasses.field(default_factory=list)
    losses: list[str] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        return "broken" if self.error else "ok"


class Zoo:
    """Every installed plugin, model and loss. ``get_zoo()`` gives the shared instance."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("colorzoo")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.models: dict[str, ModelSpec] = {}
        self.losses: dict[str, LossSpec] = {}

    def load_defaults(self) -> Zoo:
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            self.add_plugin(module, "colorzoo", "colorzoo-core", _version("colorzoo-core"))
        return self

    def load_entry_points(self, entry_points: Iterable[Any] | None = None) -> Zoo:
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        for ep in sorted(entry_points, key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            info = PluginInfo(ep.name, dist.name if dist else None, dist.version if dist else None)
            if ep.name in self.plugins:
                info.error = f"plugin name {ep.name!r} is already taken by {self.plugins[ep.name].distribution}"
                self.plugins[f"{ep.name} ({info.distribution})"] = info
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # noqa: BLE001 - any import failure makes it broken, not fatal
                info.error = _one_line(f"cannot import {ep.value}: {type(exc).__name__}: {exc}")
                self.plugins[ep.name] = info
                continue
            self.add_plugin(plugin, ep.name, info.distribution, info.version)
        return self

    def add_plugin(
        self, plugin: object, name: str, distribution: str | None = None, version: str | None = None
    ) -> PluginInfo:
        """Register a plugin object (a module, usually) and collect what it provides."""
        info = PluginInfo(name, distribution, version)
        self.plugins[name] = info
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - e.g. pluggy's validation of hook signatures
            info.error = _one_line(f"cannot register: {type(exc).__name__}: {exc}")
            return info
        models: dict[str, ModelSpec] = {}
        losses: dict[str, LossSpec] = {}
        try:
            for impl in self._impls("register_colorizers", plugin):
                impl.function(register=lambda spec: _collect(spec, ModelSpec, name, models, self.models))
            for impl in self._impls("register_losses", plugin):
                impl.function(register=lambda spec: _collect(spec, LossSpec, name, losses, self.losses))
        except Exception as exc:  # noqa: BLE001 - a failing hook breaks its plugin only
            info.error = _one_line(f"registration failed: {type(exc).__name__}: {exc}")
            self.pm.unregister(plugin)
            return info
        self.models.update(models)
        self.losses.update(losses)
        info.models, info.losses = sorted(models), sorted(losses)
        return info

    def register_commands(self, cli: Any) -> list[str]:
        """Let every healthy plugin add subcommands to ``cli``; a failing plugin is marked broken."""
        failed = []
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as exc:  # noqa: BLE001 - one plugin's bug must not take the CLI down
                name = self.pm.get_name(impl.plugin) or "?"
                if name in self.plugins:
                    self.plugins[name].error = _one_line(f"register_commands failed: {type(exc).__name__}: {exc}")
                failed.append(name)
        return failed

    def _impls(self, hook_name: str, plugin: object) -> list[Any]:
        caller = getattr(self.pm.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]


def _collect(spec: Any, kind: type, plugin: str, mine: dict[str, Any], taken: dict[str, Any]) -> None:
    if not isinstance(spec, kind):
        raise TypeError(f"register() expects a {kind.__name__}, got {type(spec).__name__}")
    if spec.name in taken or spec.name in mine:
        owner = taken[spec.name].plugin if spec.name in taken else plugin
        raise ValueError(f"{kind.__name__} {spec.name!r} is already registered by plugin {owner!r}")
    mine[spec.name] = dataclasses.replace(spec, plugin=plugin)


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


_ZOO: Zoo | None = None


def get_zoo() -> Zoo:
    """The zoo of everything installed, loaded once per process."""
    global _ZOO
    if _ZOO is None:
        _ZOO = Zoo().load_defaults().load_entry_points()
    return _ZOO


def reset_zoo() -> None:
    """Forget the loaded plugins (tests, or after installing a plugin in a live session)."""
    global _ZOO
    _ZOO = None
