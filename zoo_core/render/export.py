"""ONNX export: a model's network with its decoding, for runtimes without PyTorch (onnxruntime on
CPUs and edge devices).

The graph is the model's ``predict``: working-size lightness in, chroma out, decoding included
(the annealed mean of classification models, with the exported controls baked in). Resizing and
joining with the photo's full-resolution lightness stay outside, as in ``render``: they are a few
lines in any runtime, and keeping them out lets one graph serve every photo size. Batch, height and
width are dynamic for fully convolutional models (sizes a multiple of the model's
``size_multiple``); the metadata says which input the graph expects.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import ColorzooError
from ..io.atomic import atomic_write
from ..models.colorizer import Colorizer

INPUT_NAME = "lightness"
OUTPUT_NAME = "chroma"


class _Predict(nn.Module):
    """``model.predict`` with fixed controls, as one traceable forward."""

    def __init__(self, model: Colorizer, controls: Mapping[str, Any]) -> None:
        super().__init__()
        self.model = model
        self.controls = dict(controls)

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        return self.model.colors(lightness, self.controls).float()


def export_onnx(
    model: Colorizer,
    target: str | os.PathLike[str],
    controls: Mapping[str, Any] | None = None,
    size: int | None = None,
    dynamic: bool = True,
    opset: int = 17,
) -> Path:
    """Write ``model`` (network + decoding) to ``target`` as ONNX, atomically; returns the path.

    ``size`` is the side of the example input (the model's working size by default); with
    ``dynamic`` the batch, height and width axes are left free.
    """
    controls = dict(controls or {})
    size = size or model.working_size(controls)
    multiple = getattr(model.spec, "size_multiple", 1) or 1
    if size % multiple:
        raise ColorzooError(f"--size {size} is not a multiple of {multiple}, which this model needs")
    wrapper = _Predict(model, controls).eval()  # eval: export restores the mode it found, train included
    example = torch.full((1, 1, size, size), 50.0)
    axes = {INPUT_NAME: {0: "batch", 2: "height", 3: "width"}, OUTPUT_NAME: {0: "batch", 2: "out_height",
                                                                             3: "out_width"}}
    meta = {
        "model": getattr(model.spec, "name", model.config.model),
        "config": json.dumps(model.config.to_dict()),
        "controls": json.dumps(controls),
        "input": f"{INPUT_NAME}: float32 (batch, 1, height, width), CIE L in 0..100, working size {size}"
        + (f" (any multiple of {multiple})" if dynamic else ""),
        "output": f"{OUTPUT_NAME}: float32 (batch, 2, h, w), {model.chroma} chroma, to upsample and join with "
        "the photo's own lightness",
        "chroma": model.chroma,
    }

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about constants: the graph is checked below
            torch.onnx.export(wrapper, (example,), tmp, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                              dynamic_axes=axes if dynamic else None, opset_version=opset, dynamo=False)
        _add_metadata(tmp, meta)

    with torch.no_grad():
        return atomic_write(target, write)


def _add_metadata(path: str, meta: Mapping[str, str]) -> None:
    try:
        import onnx
    except ImportError:  # the graph is still valid; only the descriptive metadata is missing
        return
    graph = onnx.load(path)
    for key, value in meta.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(graph, path)


def check_with_onnxruntime(model: Colorizer, path: str | os.PathLike[str], controls: Mapping[str, Any] | None,
                           sizes: list[tuple[int, int, int]]) -> float:
    """Run the exported graph and the PyTorch model on the same random lightness for each
    (batch, height, width); returns the largest absolute chroma difference."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ColorzooError("checking an export needs onnxruntime: pip install 'colorzoo[onnx]'") from exc
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wrapper = _Predict(model, controls or {}).eval()
    generator = torch.Generator().manual_seed(0)
    worst = 0.0
    for batch, height, width in sizes:
        lightness = torch.rand((batch, 1, height, width), generator=generator) * 100.0
        with torch.no_grad():
            expected = wrapper(lightness).numpy()
        got = session.run([OUTPUT_NAME], {INPUT_NAME: lightness.numpy()})[0]
        if got.shape != expected.shape:
            raise ColorzooError(f"{path}: onnxruntime gives shape {got.shape}, PyTorch {expected.shape}")
        worst = max(worst, float(abs(got - expected).max()))
    return worst
