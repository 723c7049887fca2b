"""What the command modules share: consoles, one-line errors, progress bars, option types.

Kept light (typer and rich only): ``colorzoo --help`` must not pay for torch.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import ColorzooError

out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DEVICE_HELP = "auto, cpu, cuda, cuda:N or mps."
PRECISION_HELP = "auto (bf16 where the hardware has it natively), fp32, bf16 or fp16."

DeviceOption = Annotated[str, typer.Option(help=DEVICE_HELP)]
PrecisionOption = Annotated[str, typer.Option(help=PRECISION_HELP)]
ControlOption = Annotated[
    list[str] | None,
    typer.Option("-c", "--control", help="A model control, KEY=VALUE (repeatable); `colorzoo info MODEL` lists them."),
]


def friendly(func: F) -> F:
    """Turn a ColorzooError into one red line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ColorzooError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True, markup=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def finite(value: float | None, option: str) -> float | None:
    """Refuse NaN and infinities (they only make black images)."""
    if value is not None and not math.isfinite(value):
        raise ColorzooError(f"{option} must be a finite number, got {value}")
    return value


def control_pairs(items: list[str] | None, temperature: float | None = None) -> list[tuple[str, Any]]:
    """``-c KEY=VALUE`` options (and ``--temperature``, a shortcut for ``-c temperature=T``)."""
    from ..controls import parse_assignments

    pairs: list[tuple[str, Any]] = list(parse_assignments(items or [], "-c"))
    if temperature is not None:
        pairs.append(("temperature", temperature))
    return pairs


def check_output_dir(path: Path, option: str = "-o") -> None:
    if path.exists() and not path.is_dir():
        raise ColorzooError(f"{option} {path}: is a file, not a folder")


def check_output_file(path: Path, option: str) -> None:
    if path.is_dir():
        raise ColorzooError(f"{option} {path}: is a folder; give a file name")
    if not path.parent.exists():
        raise ColorzooError(f"{option} {path}: the folder {path.parent} does not exist")


def progress(extra: str | None = None, download: bool = False) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn()]
    columns += [DownloadColumn()] if download else [MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    if extra:
        columns.append(TextColumn(extra))
    return Progress(*columns, console=err, transient=download)


class DownloadBar:
    """A download progress bar for ``weights.download`` (bytes done, bytes in all)."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            self.bar = progress(download=True)
            self.bar.start()
            self.task = self.bar.add_task("download", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def note(text: str) -> None:
    err.print(text, highlight=False, soft_wrap=True, markup=False)


def load_model_for_cli(name: str, weights: Path | None, device: Any) -> tuple[Any, Any]:
    """(model, resolved weights) with a download bar and one line saying which weights run."""
    from ..plugins.registry import load_pretrained, split_model_name

    spec, tag = split_model_name(name)
    bar = DownloadBar()
    try:
        model, resolved = load_pretrained(spec, tag, weights, device=device, progress=bar, notify=note)
    finally:
        bar.close()
    say_weights(resolved)
    return model, resolved


def say_weights(resolved: Any) -> None:
    """One line: which weights run, and when a better set was out of reach, how to get it."""
    if resolved.tag is None:
        note(f"weights: {resolved.path} (given)")
    else:
        where = {"bundled": "bundled", "cached": "cache", "downloaded": "downloaded now", "installed": "pip package"}
        license_text = f", {resolved.license}" if resolved.license else ""
        note(f"weights: {resolved.label} ({where.get(resolved.origin, resolved.origin)}{license_text})")
    if resolved.note:
        note(f"note: {resolved.note}")


def is_terminal() -> bool:
    return sys.stdout.isatty()
