"""The ``colorzoo`` command line: a thin layer over the Python API.

One module per group of commands (``models``: list and info; ``run``; ``train``: train and
priors; ``evaluate``: eval, compare, bench; ``weights``: download, import, publish, cache; ``hub``: search),
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

    errors = _click_exceptions()
    try:
        result = app(standalone_mode=False)
    except errors.NoArgsIsHelpError as exc:  # `colorzoo` or a group alone: its help
        print(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except errors.ClickException as exc:  # a usage error: one line, and where the help is
        where = f" (`{exc.ctx.command_path} --help`)" if getattr(exc, "ctx", None) is not None else ""
        print(f"error: {exc.format_message()}{where}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except errors.Abort:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


def _click_exceptions() -> Any:
    """The click exceptions typer raises (recent typer vendors its own click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # typer on the click package
        from click import exceptions
    return exceptions


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from zoo_core.cli import app`` (tests, typer's CliRunner)
        from .commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
