"""``colorzoo serve``: the local web page (``zoo_core/ui``), for people who would rather click than type.

gradio (the ``colorzoo[ui]`` extra) is imported only when the command runs, so ``colorzoo
--help`` stays fast and works without it.
"""

from __future__ import annotations

import importlib.util
from typing import Annotated

import typer

from .common import DeviceOption, PrecisionOption, err, friendly, out


def register(app: typer.Typer) -> None:
    app.command()(serve)


def _size(text: str) -> int:
    """``100mb``, ``2GB``, ``500k`` or plain bytes -> bytes."""
    from ..errors import ColorzooError

    units = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}
    raw = text.strip().lower().replace("_", "")
    number = raw.rstrip("kmgb")
    unit = raw[len(number) :]
    try:
        value = float(number) * units[unit]
    except (KeyError, ValueError):
        raise ColorzooError(f"--max-file-size {text!r}: expected a size like 100mb, 2gb or 500000") from None
    if value < 1:
        raise ColorzooError(f"--max-file-size {text!r}: must be at least 1 byte")
    return int(value)


@friendly
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on. Anything but loopback lets other machines use this one.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on; 0 takes any free port.")] = 7860,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "fp32",
    max_models: Annotated[int, typer.Option(min=1, help="Loaded models kept in memory (least recently used go).")] = 3,
    max_pixels: Annotated[
        int | None, typer.Option(min=1, help="Refuse photos above this many pixels (default 89,478,485).")
    ] = None,
    max_file_size: Annotated[str, typer.Option(help="Refuse uploads above this size (e.g. 100mb, 1gb).")] = "100mb",
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests served at once (jobs for one weight set still run one at a time).")
    ] = 4,
) -> None:
    """Open a local web page: drop photos, compare models side by side, set their controls, click hints."""
    from ..errors import ColorzooError
    from ..ui.server import UI_MISSING, GradioMissing
    from ..ui.server import serve as run_server

    if importlib.util.find_spec("gradio") is None:
        _fail(UI_MISSING)
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision
    from ..ui.settings import ServeSettings

    settings = ServeSettings(
        host=host.strip(), port=port, device=device, precision=precision, max_models=max_models,
        max_pixels=max_pixels, max_file_size=_size(max_file_size), concurrency=concurrency,
    )
    if not settings.host:
        raise ColorzooError("--host: give an address, e.g. 127.0.0.1")
    resolve_precision(precision, pick_device(device))  # a bad device or precision: one line, before gradio loads
    try:
        run_server(
            settings,
            say=lambda text: out.print(text, soft_wrap=True, markup=False, highlight=False),
            warn=lambda text: err.print(text, soft_wrap=True, markup=False, highlight=False, style="yellow"),
        )
    except GradioMissing as exc:  # gradio there but broken (a dependency of its own missing, say)
        _fail(str(exc))


def _fail(message: str) -> None:
    """One line and exit 1, printed as it is ("colorzoo[ui]" is no markup)."""
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)
