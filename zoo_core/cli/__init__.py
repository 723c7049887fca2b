"""The ``colorzoo`` command line: a thin layer over the Python API.

One module per group of commands (``models``: list and info; ``run``; ``train``: train and
priors; ``evaluate``: eval, compare, bench; ``weights``: download, import, publish, cache),
assembled in ``commands.py``; plugins add their own through the ``register_commands`` hook. Heavy
imports (torch, the models) happen inside the commands, so ``--version`` and ``--help`` answer
at once.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # no plugins, no typer machinery
        from .. import __version__

        print(f"colorzoo {__version__}")
        return
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    from .commands import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from zoo_core.cli import app`` (tests, typer's CliRunner)
        from .commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
