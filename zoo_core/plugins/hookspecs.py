"""The hooks a colorzoo plugin implements. Built-in plugins use exactly these too.

A plugin is a module (or object) with functions decorated by ``@hookimpl``, advertised by an
entry point in the ``colorzoo`` group. See CONTRIBUTING.md. Everything else a plugin tells
colorzoo (weights, controls, training step, checkpoint adapter) is a field of its ``ModelSpec``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

hookspec = pluggy.HookspecMarker("colorzoo")
hookimpl = pluggy.HookimplMarker("colorzoo")


@hookspec
def register_colorizers(register: Callable[[Any], None]) -> None:
    """Call ``register(ModelSpec(...))`` once for each model name the plugin provides."""


@hookspec
def register_losses(register: Callable[[Any], None]) -> None:
    """Call ``register(LossSpec(...))`` once for each loss the plugin provides."""


@hookspec
def register_backbones(register: Callable[[Any], None]) -> None:
    """Call ``register(BackboneSpec(...))`` for each ImageNet backbone whose weights the plugin declares."""


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add subcommands to the ``colorzoo`` command line: ``cli`` is its ``typer.Typer`` app.

    Called only when the command line starts; keep imports of heavy modules inside the commands. A
    command named like one of colorzoo's own (``list``, ``run``...) is refused, and the plugin marked.
    """
