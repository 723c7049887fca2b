"""Contract checks for plugin authors: what every colorzoo model must do, on your own models.

    from zoo_core.testing import check_model

    def test_my_model(tmp_path):
        check_model(get_model_spec("my-colorizer"), tmp_path, small={"hidden": 8})

``check_model`` builds the model from its spec, checks the declared parameter count, runs it
through colorzoo's rendering path on photos of odd sizes, takes a backward step with its default
loss, saves and reloads it, validates its controls, and converts a synthetic checkpoint in its
release layout (``ModelSpec.release_layout``) through its adapter. colorzoo's own suite runs it over
every registered model. Each failure is an ``AssertionError`` that says what is wrong.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .controls import ControlError, parse_controls
from .errors import ColorzooError
from .io.images import Photo
from .models.build import build_model, count_parameters
from .spec import ModelSpec, resolve


def check_model(
    spec: ModelSpec,
    directory: str | os.PathLike[str],
    small: Mapping[str, Any] | None = None,
    sizes: tuple[tuple[int, int], ...] = ((37, 53), (64, 29)),
) -> None:
    """Run every contract check on ``spec``; ``small`` are config fields for a small, fast variant."""
    directory = Path(directory)
    check_declaration(spec)
    torch.manual_seed(0)
    model = build_model(spec, **dict(small or {}))
    check_rendering(spec, model, sizes)
    check_training_step(spec, model)
    check_round_trip(spec, model, directory / "round-trip")
    check_controls(spec)
    if spec.release_layout is not None:
        check_release_import(spec, model, directory / "release")


def check_declaration(spec: ModelSpec) -> None:
    """The declared parameter count is the built model's, and the declared losses and sizes make sense."""
    assert spec.num_parameters, f"{spec.name}: declare num_parameters in its ModelSpec"
    counted = count_parameters(spec)
    assert counted == spec.num_parameters, f"{spec.name}: declares {spec.num_parameters:,} parameters, has {counted:,}"
    assert spec.input_size % spec.size_multiple == 0, f"{spec.name}: input_size is not a multiple of size_multiple"
    tags = [ws.tag for ws in spec.weights]
    assert len(tags) == len(set(tags)), f"{spec.name}: weight set tags repeat: {tags}"
    for ws in spec.weights:
        assert ws.sources, f"{spec.name}.{ws.tag}: no source"
        assert ws.license and ws.license != "unknown", f"{spec.name}.{ws.tag}: say its license"


def _photo(height: int, width: int, seed: int) -> Photo:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.05, 0.95, width, dtype=np.float32)[None, :, None]
    noise = rng.random((height, width, 1), dtype=np.float32) * 0.1
    return Photo(None, np.clip(ramp + noise, 0, 1).astype(np.float32))


def check_rendering(spec: ModelSpec, model: Any, sizes: tuple[tuple[int, int], ...]) -> None:
    """Photos of odd sizes come out at their own size, uint8, finite, lightness kept."""
    from .color.lab import rgb_to_lightness
    from .color.yuv import rgb_to_yuv
    from .render.render import colorize

    model.eval()
    photos = [_photo(h, w, i) for i, (h, w) in enumerate(sizes)]
    outputs = colorize(model, photos)
    for photo, out in zip(photos, outputs, strict=True):
        assert out.shape == (*photo.rgb.shape[:2], 3), f"{spec.name}: output {out.shape} for a {photo.rgb.shape} photo"
        assert out.dtype == np.uint8, f"{spec.name}: output is {out.dtype}, not uint8"
        rgb = torch.from_numpy(out).permute(2, 0, 1).float() / 255
        gray = torch.from_numpy(photo.rgb).permute(2, 0, 1)
        if model.chroma == "uv":  # joined in YUV: the photo's luma is kept (up to gamut clipping)
            kept = (rgb_to_yuv(rgb)[0] - gray[0]).abs().mean() * 100 < 3.0
        else:
            kept = (rgb_to_lightness(rgb) - rgb_to_lightness(gray)).abs().mean() < 3.0
        assert kept, f"{spec.name}: the output does not keep the photo's lightness"


def _batch(size: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    lightness = torch.rand(2, 1, size, size, generator=gen) * 80 + 10
    ab = torch.zeros(2, 2, size, size)
    ab[:, 0, : size // 2] = 30.0
    ab[:, 1, size // 2 :] = -40.0
    return {"L": lightness, "ab": ab}


def check_training_step(spec: ModelSpec, model: Any) -> None:
    """One step with the default loss (a uniform prior where one is needed) moves the weights."""
    from .plugins.registry import get_loss_spec
    from .training.step import TrainContext, TrainingStep

    if spec.default_loss is None:
        return
    loss_spec = get_loss_spec(spec.default_loss)
    options = {"prior": torch.ones(313)} if "prior" in loss_spec.needs else {}
    loss = loss_spec.build(**options)
    step_class = resolve(spec.training_step) if spec.training_step else TrainingStep
    step = step_class(model.train(), loss, TrainContext(torch.device("cpu"), total_steps=10, lr=1e-3))
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    size = max(spec.size_multiple * math.ceil(48 / spec.size_multiple), spec.size_multiple)
    logs = step(model, _batch(size), 0)
    assert math.isfinite(logs["loss"]), f"{spec.name}: the loss is {logs['loss']}"
    after = [p for p in model.parameters() if p.requires_grad]
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True)), f"{spec.name}: no weight moved"
    model.eval()


def check_round_trip(spec: ModelSpec, model: Any, directory: Path) -> None:
    """save_pretrained, then load_model by the config's name: the same predictions."""
    from .plugins.registry import load_model

    model.eval()
    model.save_pretrained(directory)
    loaded = load_model(directory)
    assert type(loaded) is type(model), f"{spec.name}: reloaded as {type(loaded).__name__}"
    size = spec.input_size
    x = torch.rand(1, 1, size, size, generator=torch.Generator().manual_seed(1)) * 100
    with torch.no_grad():
        assert torch.allclose(model.predict(x), loaded.predict(x), atol=1e-4), f"{spec.name}: reloaded model differs"


def check_controls(spec: ModelSpec) -> None:
    """Every control takes its default, and an unknown key is refused with a one-line error."""
    for control in spec.controls:
        if control.default is not None:
            parse_controls(spec.controls, {control.name: control.default}, model=spec.name)
    try:
        parse_controls(spec.controls, {"no-such-control": "1"}, model=spec.name)
    except ControlError as exc:
        assert "\n" not in str(exc) and spec.name in str(exc)
    else:
        raise AssertionError(f"{spec.name}: an unknown control was accepted")


def check_release_import(spec: ModelSpec, model: Any, directory: Path) -> None:
    """A checkpoint in the release layout converts through the adapter back into the same weights."""
    from .models.format import read_config
    from .weights.convert import convert_checkpoint

    directory.mkdir(parents=True, exist_ok=True)
    released = resolve(spec.release_layout)(dict(model.state_dict()))
    path = directory / "release.pth"
    torch.save(released, path)
    _, config = read_config(model.save_pretrained(directory / "ours"))
    config = {k: v for k, v in config.items() if k != "model"}
    out = convert_checkpoint(spec, path, directory / "converted", config)
    from .plugins.registry import load_model

    converted = load_model(out)
    for key, value in model.state_dict().items():
        other = converted.state_dict()[key]
        if value.is_floating_point() and not torch.equal(value, other):  # counters may be absent from releases
            raise AssertionError(f"{spec.name}: {key} changed on the way through the release layout")


def expect_error(func: Any, *args: Any, match: str = "", **kwargs: Any) -> str:
    """Call ``func`` and return the one-line ``ColorzooError`` it must raise (for plugin tests)."""
    try:
        func(*args, **kwargs)
    except ColorzooError as exc:
        text = str(exc)
        assert "\n" not in text, f"a multi-line error: {text!r}"
        assert match in text, f"{match!r} not in {text!r}"
        return text
    raise AssertionError(f"{getattr(func, '__name__', func)} raised no ColorzooError")
