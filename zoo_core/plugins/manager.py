"""The plugin manager: pluggy over the ``colorzoo`` entry-point group.

Built-in plugins are registered through the same hooks as third-party ones. A plugin that
fails to import or to register is recorded as broken, with a one-line reason, and
everything else keeps working. ``COLORZOO_PLUGINS`` (comma-separated entry-point names) limits
which installed plugins load: ``COLORZOO_PLUGINS=zhang`` for the default family alone, an empty
value for none but colorzoo's own.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from typing import Any

import pluggy

from ..spec import BackboneSpec, LossSpec, ModelSpec
from . import hookspecs

ENTRY_POINT_GROUP = "colorzoo"
DEFAULT_PLUGINS = ("zoo_core.plugins.builtin",)
#: Plugins to load, by entry-point name (unset: every installed one).
PLUGINS_VARIABLE = "COLORZOO_PLUGINS"


def enabled_plugins() -> set[str] | None:
    """The names ``COLORZOO_PLUGINS`` allows, or None when it is not set (all of them)."""
    raw = os.environ.get(PLUGINS_VARIABLE)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


@dataclasses.dataclass
class PluginInfo:
    name: str
    distribution: str | None = None
    version: str | None = None
    error: str | None = None
    models: list[str] = dataclasses.field(default_factory=list)
    losses: list[str] = dataclasses.field(default_factory=list)
    backbones: list[str] = dataclasses.field(default_factory=list)
    disabled: bool = False
    """Installed, but left out by ``COLORZOO_PLUGINS``."""

    @property
    def status(self) -> str:
        return "disabled" if self.disabled else "broken" if self.error else "ok"


class Zoo:
    """Every installed plugin, model and loss. ``get_zoo()`` gives the shared instance."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("colorzoo")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.models: dict[str, ModelSpec] = {}
        self.losses: dict[str, LossSpec] = {}
        self.backbones: dict[str, BackboneSpec] = {}

    def load_defaults(self) -> Zoo:
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            self.add_plugin(module, "colorzoo", "colorzoo-core", _version("colorzoo-core"))
        return self

    def load_entry_points(self, entry_points: Iterable[Any] | None = None) -> Zoo:
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        enabled = enabled_plugins()
        for ep in sorted(entry_points, key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            info = PluginInfo(ep.name, dist.name if dist else None, dist.version if dist else None)
            if enabled is not None and ep.name not in enabled:
                info.disabled = True
                self.plugins.setdefault(ep.name, info)
                continue
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
        backbones: dict[str, BackboneSpec] = {}
        try:
            for impl in self._impls("register_colorizers", plugin):
                impl.function(register=lambda spec: _collect(spec, ModelSpec, name, models, self.models))
            for impl in self._impls("register_losses", plugin):
                impl.function(register=lambda spec: _collect(spec, LossSpec, name, losses, self.losses))
            for impl in self._impls("register_backbones", plugin):
                impl.function(register=lambda spec: _collect(spec, BackboneSpec, name, backbones, self.backbones))
        except Exception as exc:  # noqa: BLE001 - a failing hook breaks its plugin only
            info.error = _one_line(f"registration failed: {type(exc).__name__}: {exc}")
            self.pm.unregister(plugin)
            return info
        self.models.update(models)
        self.losses.update(losses)
        self.backbones.update(backbones)
        info.models, info.losses, info.backbones = sorted(models), sorted(losses), sorted(backbones)
        return info

    def register_commands(self, cli: Any) -> list[str]:
        """Let every healthy plugin add subcommands to ``cli``; a failing plugin is marked broken, and a
        command that would replace one already there (``list``, ``run``...) is refused and said so."""
        failed = []
        for impl in self.pm.hook.register_commands.get_hookimpls():
            name = self.pm.get_name(impl.plugin) or "?"
            taken = _command_names(cli)
            commands, groups = len(cli.registered_commands), len(cli.registered_groups)
            try:
                impl.function(cli=cli)
            except Exception as exc:  # noqa: BLE001 - one plugin's bug must not take the CLI down
                self._mark(name, f"register_commands failed: {type(exc).__name__}: {exc}")
                failed.append(name)
                continue
            clashes = _refuse_clashes(cli, commands, groups, taken)
            if clashes:
                self._mark(name, f"its commands {', '.join(clashes)} would replace colorzoo's own; not added")
                failed.append(name)
        return failed

    def _mark(self, name: str, error: str) -> None:
        if name in self.plugins:
            self.plugins[name].error = _one_line(error)

    def _impls(self, hook_name: str, plugin: object) -> list[Any]:
        caller = getattr(self.pm.hook, hook_name)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]


def _command_names(cli: Any) -> set[str]:
    names = {c.name or c.callback.__name__.replace("_", "-") for c in cli.registered_commands if c.callback or c.name}
    return names | {g.name for g in cli.registered_groups if g.name}


def _refuse_clashes(cli: Any, commands: int, groups: int, taken: set[str]) -> list[str]:
    """Remove the commands and groups a plugin just added under names already taken; return their names."""
    clashes = []
    for entries, first in ((cli.registered_commands, commands), (cli.registered_groups, groups)):
        for entry in list(entries[first:]):
            name = getattr(entry, "name", None) or getattr(getattr(entry, "callback", None), "__name__", "")
            name = name.replace("_", "-")
            if name in taken:
                entries.remove(entry)
                clashes.append(name)
    return clashes


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

