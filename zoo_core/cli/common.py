"""What the command modules share: consoles, one-line errors, progress bars, option types.

Kept light (typer and rich only): ``colorzoo --help`` must not pay for torch. The consoles print
text as it is (no rich markup, no highlighting): file names, controls and pip commands with
brackets (``IMG_001 [copy].jpg``, ``colorzoo[onnx]``) are never taken for markup; styles are set
explicitly with ``Text``.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..errors import ColorzooError

out = Console(markup=False, highlight=False)
err = Console(stderr=True, markup=False, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

DEVICE_HELP = "auto, cpu, cuda, cuda:N or mps."
PRECISION_HELP = "auto (bf16 where the hardware has it natively), fp32, bf16 or fp16."

DeviceOption = Annotated[str, typer.Option(help=DEVICE_HELP)]
PrecisionOption = Annotated[str, typer.Option(help=PRECISION_HELP)]
ControlOption = Annotated[
    list[str] | None,
    typer.Option("-c", "--control", help="A model control, KEY=VALUE (repeatable); `colorzoo info MODEL` lists them."),
]


def labelled(label: str, text: object, style: str = "red") -> Text:
    """``label`` in ``style``, then ``text`` exactly as it is."""
    return Text.assemble((label, style), " ", str(text))


def error_line(text: object) -> None:
    err.print(labelled("error:", text), soft_wrap=True)


def failed_line(text: object) -> None:
    err.print(labelled("failed:", text), soft_wrap=True)


def friendly(func: F) -> F:
    """Turn a ColorzooError into one red line on stderr and exit code 1; an OSError the command did not
    expect (a full disk, a folder it may not write) becomes one line naming the file too."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_environment()
            return func(*args, **kwargs)
        except ColorzooError as exc:
            error_line(exc)
            raise typer.Exit(1) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            error_line(f"{where}{exc.strerror or exc}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def check_environment() -> None:
    """Refuse malformed COLORZOO_* settings in one line before any work."""
    from .. import settings

    settings.check()


def finite(value: float | None, option: str) -> float | None:
    """Refuse NaN and infinities (they only make black images)."""
    if value is not None and not math.isfinite(value):
        raise ColorzooError(f"{option} must be a finite number, got {value}")
    return value


#: For commands that take ``--NAME VALUE`` shortcuts of controls (``Control.shortcut``): typer hands the
#: options it does not know on, and ``split_shortcuts`` takes them out.
SHORTCUTS = {"allow_extra_args": True, "ignore_unknown_options": True}


def split_shortcuts(tokens: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """``--NAME VALUE`` and ``--NAME=VALUE`` out of a command's leftover arguments: (the rest, pairs)."""
    rest: list[str] = []
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token[2:].partition("=")
            if not eq:
                if i + 1 >= len(tokens):
                    raise ColorzooError(f"option --{name} needs a value")
                value = tokens[i + 1]
                i += 1
            pairs.append((name, value))
        else:
            rest.append(token)
        i += 1
    return rest, pairs


def control_pairs(items: list[str] | None, shortcuts: list[tuple[str, str]] = (), specs: Any = ()) -> list[
        tuple[str, Any]]:
    """``-c KEY=VALUE`` options, then ``--NAME VALUE`` shortcuts of the controls ``specs`` mark as such."""
    from ..controls import parse_assignments

    pairs: list[tuple[str, Any]] = list(parse_assignments(items or [], "-c"))
    for name, value in shortcuts:
        key = name.replace("-", "_")
        if not any((c := spec.control(key)) is not None and c.shortcut for spec in specs):
            raise ColorzooError(f"no such option: --{name} (`colorzoo info MODEL` lists a model's controls and "
                                f"their --NAME shortcuts; the general form is -c {key}=VALUE)")
        pairs.append((key, value))
    return pairs


def check_output_dir(path: Path, option: str = "-o") -> None:
    """A folder that exists or can be made: a one-line error for a file in the way or no permission."""
    if path.exists() and not path.is_dir():
        raise ColorzooError(f"{option} {path}: is a file, not a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent if parent.parent != parent else Path(".")
    if not parent.is_dir():
        raise ColorzooError(f"{option} {path}: cannot be made, {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        what = "cannot be written" if parent == path else f"cannot be made in {parent}"
        raise ColorzooError(f"{option} {path}: {what} (permission denied)")


def check_output_file(path: Path, option: str) -> None:
    if path.is_dir():
        raise ColorzooError(f"{option} {path}: is a folder; give a file name")
    if not path.parent.exists():
        raise ColorzooError(f"{option} {path}: the folder {path.parent} does not exist")


def progress(extra: str | None = None, download: bool = False) -> Progress:
    columns = [TextColumn("{task.description}", markup=False), BarColumn()]
    columns += [DownloadColumn()] if download else [MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    if extra:
        columns.append(TextColumn(extra, markup=False))
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
    err.print(text, soft_wrap=True)


def load_model_for_cli(name: str, weights: Path | None, device: Any) -> tuple[Any, Any]:
    """(model, resolved weights) with a download bar and one line saying which weights run; ``name`` may be
    a model directory."""
    from ..plugins.registry import load_pretrained, model_reference

    spec, tag, weights = model_reference(name, weights)
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
        where = {"bundled": "bundled", "cached": "cache", "downloaded": "downloaded now", "installed": "pip package",
                 "hub": "Hugging Face Hub"}
        license_text = f", {resolved.license}" if resolved.license else ""
        note(f"weights: {resolved.label} ({where.get(resolved.origin, resolved.origin)}{license_text})")
    if resolved.note:
        note(f"note: {resolved.note}")


def is_terminal() -> bool:
    return sys.stdout.isatty()
