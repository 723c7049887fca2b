"""``colorzoo export``: a model (network + decoding) as an ONNX file, checked with onnxruntime."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import SHORTCUTS, ControlOption, control_pairs, friendly, load_model_for_cli, note, out, split_shortcuts

#: Largest chroma difference (ab or uv units) between onnxruntime and PyTorch an export may show.
TOLERANCE = 0.05


def register(app: typer.Typer) -> None:
    app.command(context_settings=SHORTCUTS)(export)


@friendly
def export(
    ctx: typer.Context,
    model: Annotated[
        str, typer.Argument(help="Model name, e.g. zhang-rebal, MODEL.TAG for one weight set, or a model directory.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .onnx file to write.")],
    weights: Annotated[
        Path | None, typer.Option(help="Weights directory (config.json + model.safetensors) or .safetensors file.")
    ] = None,
    control: ControlOption = None,
    size: Annotated[int | None, typer.Option(min=16, help="Example input side (default: the working size).")] = None,
    static: Annotated[bool, typer.Option(help="Fix batch 1 and the example size instead of dynamic axes.")] = False,
    opset: Annotated[int, typer.Option(min=13, help="ONNX opset.")] = 17,
    check: Annotated[bool, typer.Option(help="Compare onnxruntime's output with PyTorch's (needs onnxruntime).")] = (
        True
    ),
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
) -> None:
    """Export a model with its decoding to ONNX: working-size L in, chroma out (see the file's metadata)."""
    from ..controls import parse_controls
    from ..errors import ColorzooError
    from ..plugins.registry import model_reference
    from ..render.export import check_with_onnxruntime, export_onnx

    rest, shortcuts = split_shortcuts(ctx.args)
    if rest:
        raise ColorzooError(f"unexpected arguments: {' '.join(rest)}")
    if output.suffix.lower() != ".onnx":
        raise ColorzooError(f"-o {output}: the file name must end in .onnx")
    if output.is_dir():
        raise ColorzooError(f"-o {output}: is a directory; give the .onnx file to write")
    if output.exists() and not overwrite:
        raise ColorzooError(f"-o {output}: exists; pass --overwrite to replace it")
    if not output.parent.is_dir():
        raise ColorzooError(f"-o {output}: the folder {output.parent} does not exist")
    spec, _, _ = model_reference(model, weights)
    controls = parse_controls(spec.controls, control_pairs(control, shortcuts, [spec]), model=spec.name)
    multiple = spec.size_multiple or 1
    if size is not None and size % multiple:
        raise ColorzooError(f"--size {size} is not a multiple of {multiple}, which {spec.name} needs")
    if check:
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise ColorzooError('--check needs onnxruntime: pip install "colorzoo[onnx]" (or pass --no-check)') from exc
    colorizer, _ = load_model_for_cli(model, weights, "cpu")
    path = export_onnx(colorizer, output, controls, size=size, dynamic=not static, opset=opset)
    out.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", soft_wrap=True)
    if check:
        side = size or colorizer.working_size(controls)
        sizes = [(1, side, side)]
        if not static:
            sizes.append((2, max(multiple, side // 2 // multiple * multiple), side))
        worst = check_with_onnxruntime(colorizer, path, controls, sizes)
        if worst > TOLERANCE:
            raise ColorzooError(
                f"{path}: onnxruntime differs from PyTorch by up to {worst:.3g} (tolerance {TOLERANCE})"
            )
        note(f"onnxruntime matches PyTorch on {', '.join(f'{b}x{h}x{w}' for b, h, w in sizes)}: "
             f"largest chroma difference {worst:.2g}")
