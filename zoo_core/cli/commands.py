"""The typer application: every command module, plus the commands plugins add."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from . import evaluate, export, hub, models, run, serve, train, weights
from .common import out

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="colorzoo: automatic image colorization, one model zoo, many methods.",
)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"colorzoo {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


for _module in (models, run, train, evaluate, weights, export, serve, hub):
    _module.register(app)


def _add_plugin_commands() -> None:
    from ..plugins.manager import get_zoo

    get_zoo().register_commands(app)


_add_plugin_commands()
