"""Contract checks for plugin authors: what every colorzoo model must do, run on your own models.

    from zoo_core import get_model_spec
    from zoo_core.testing import check_model

    def test_contract(tmp_path):
        check_model(get_model_spec("my-colorizer"), tmp_path, small={"hidden": 8})

``check_model`` checks the declaration (the parameter counts against ``zoo_core.count_parameters``,
sizes, weight-set tags and licenses); renders photos of odd sizes through colorzoo's rendering path,
with the controls' defaults and then with a non-default value of every control; builds the model
from the spec's ``train_config`` as ``colorzoo train`` does and takes a training step with its
default loss; saves it and loads it back through every path (``load_model``,
``create_model(weights=)``, the class's ``from_pretrained``, ``colorzoo train --init``); and
converts a synthetic checkpoint in its release layout (``ModelSpec.release_layout``) through its
adapter. colorzoo's own suite runs it over every registered model. Each failure is an
``AssertionError`` that says what is wrong.

The model must be registered (installed, or added to the zoo in a test): loading goes by its name.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .color.quantize import NUM_BINS
from .controls import Control, ControlError, parse_controls
from .io.images import Photo
from .models.build import build_model, count_parameters, make_config
from .spec import ModelSpec, resolve


def check_model(
    spec: ModelSpec,
    directory: str | os.PathLike[str],
    small: Mapping[str, Any] | None = None,
    sizes: tuple[tuple[int, int], ...] = ((37, 53), (64, 29)),
    controls: Mapping[str, Any] | None = None,
) -> None:
    """Run every contract check on ``spec``.

    ``small``: config fields for a small, fast variant (the declared parameter count is checked on
    the default config all the same). ``controls``: a non-default value, as a user would type it, for
    each control whose value the checks cannot make up themselves (text without choices, a file).
    """
    directory = Path(directory)
    small = dict(small or {})
    check_declaration(spec)
    torch.manual_seed(0)
    model = build_model(spec, **small)
    check_rendering(spec, model, sizes)
    check_controls(spec, model, directory / "controls", sizes, controls or {})
    trained = build_for_training(spec, small, directory / "train")
    check_training_step(spec, trained)
    check_loading(spec, trained, directory / "saved")
    if spec.release_layout is not None:
        check_release_import(spec, trained, directory / "release")


def check_declaration(spec: ModelSpec) -> None:
    """The declared parameter counts are ``count_parameters``' (the spec's, each weight set's), and the
    declared sizes, weight-set tags and licenses make sense."""
    assert spec.num_parameters, f"{spec.name}: declare num_parameters in its ModelSpec (zoo_core.count_parameters)"
    counted = count_parameters(spec)
    assert counted == spec.num_parameters, f"{spec.name}: declares {spec.num_parameters:,} parameters, has {counted:,}"
    assert spec.input_size % spec.size_multiple == 0, f"{spec.name}: input_size is not a multiple of size_multiple"
    tags = [ws.tag for ws in spec.weights]
    assert len(tags) == len(set(tags)), f"{spec.name}: weight set tags repeat: {tags}"
    for ws in spec.weights:
        assert ws.sources, f"{spec.name}.{ws.tag}: no source"
        assert ws.license and ws.license != "unknown", f"{spec.name}.{ws.tag}: say its license"
        if ws.num_parameters is not None:
            counted = count_parameters(spec, **ws.config)
            assert counted == ws.num_parameters, (
                f"{spec.name}.{ws.tag}: declares {ws.num_parameters:,} parameters, has {counted:,}"
            )


def _photo(height: int, width: int, seed: int) -> Photo:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.05, 0.95, width, dtype=np.float32)[None, :, None]
    noise = rng.random((height, width, 1), dtype=np.float32) * 0.1
    return Photo(None, np.clip(ramp + noise, 0, 1).astype(np.float32))


def _check_outputs(spec: ModelSpec, model: Any, photos: list[Photo], outputs: list[np.ndarray], what: str) -> None:
    from .color.lab import rgb_to_lightness
    from .color.yuv import rgb_to_yuv

    for photo, out in zip(photos, outputs, strict=True):
        shape = (*photo.rgb.shape[:2], 3)
        assert out.shape == shape, f"{spec.name}{what}: output {out.shape} for a {photo.rgb.shape} photo"
        assert out.dtype == np.uint8, f"{spec.name}{what}: output is {out.dtype}, not uint8"
        rgb = torch.from_numpy(out).permute(2, 0, 1).float() / 255
        gray = torch.from_numpy(photo.rgb).permute(2, 0, 1)
        if model.chroma == "uv":  # joined in YUV: the photo's luma is kept (up to gamut clipping)
            kept = (rgb_to_yuv(rgb)[0] - gray[0]).abs().mean() * 100 < 3.0
        else:
            kept = (rgb_to_lightness(rgb) - rgb_to_lightness(gray)).abs().mean() < 3.0
        assert kept, f"{spec.name}{what}: the output does not keep the photo's lightness"


def check_rendering(spec: ModelSpec, model: Any, sizes: tuple[tuple[int, int], ...]) -> None:
    """Photos of odd sizes come out at their own size, uint8, finite, lightness kept."""
    from .render.render import colorize

    model.eval()
    photos = [_photo(h, w, i) for i, (h, w) in enumerate(sizes)]
    _check_outputs(spec, model, photos, colorize(model, photos), "")


# -- controls ------------------------------------------------------------------------------------


def _on_grid(value: float, control: Control) -> float:
    if control.step is None:
        return value
    base = control.minimum or 0.0
    return base + round((value - base) / control.step) * control.step


def _other_number(control: Control) -> str | None:
    """A number inside the control's range, on its step and not its default, as text."""
    default, low, high = control.default, control.minimum, control.maximum
    candidates: list[float] = []
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        step = control.step or (1 if control.widget == "integer" else abs(default) / 2 or 1)
        candidates += [default / 2, default - step, default + step]
    if low is not None and high is not None:
        candidates.append((low + high) / 2)
    candidates += [1, 2, 0.5, *(v for v in (low, high) if v is not None)]
    for candidate in candidates:
        value = _on_grid(candidate, control)
        if control.widget == "integer":
            value = round(value)
        if (low is None or value >= low) and (high is None or value <= high) and value != default:
            return f"{value:g}" if control.widget == "number" else str(int(value))
    return None


def _hint_image(path: Path, size: tuple[int, int]) -> Path:
    """A small color image with transparency: opaque colored blocks in its middle, clear elsewhere."""
    from PIL import Image

    height, width = size
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., :3] = (40, 90, 200)
    rgba[: height // 2, :, :3] = (210, 60, 40)
    rgba[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4, 3] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, "RGBA").save(path)
    return path


def non_default_value(control: Control, directory: Path, sizes: tuple[tuple[int, int], ...]) -> Any:
    """A value of ``control`` other than its default, as a user would give it on the command line; None
    where none can be made up (text without choices, a plain file)."""
    if control.choices:
        return next((str(c) for c in control.choices if c != control.default), None)
    widget = control.widget
    if widget == "checkbox":
        return "false" if control.default else "true"
    if widget in ("number", "integer"):
        return _other_number(control)
    if widget == "color":
        return "#2a7fd4"
    if widget == "point-color":  # a point inside every photo
        return f"{min(w for _, w in sizes) // 2},{min(h for h, _ in sizes) // 2},#d4402a"
    if widget == "image":
        return str(_hint_image(directory / f"{control.name}.png", (24, 32)))
    return None


def check_controls(
    spec: ModelSpec,
    model: Any,
    directory: Path,
    sizes: tuple[tuple[int, int], ...] = ((37, 53), (64, 29)),
    values: Mapping[str, Any] | None = None,
) -> None:
    """Every control takes its default; an unknown key is refused with a one-line error naming the model;
    and the model renders with a non-default value of each control (``values`` gives those the checks
    cannot make up)."""
    from .render.render import colorize

    for control in spec.controls:
        if control.default is not None:
            parse_controls(spec.controls, {control.name: control.default}, model=spec.name)
    try:
        parse_controls(spec.controls, {"no-such-control": "1"}, model=spec.name)
    except ControlError as exc:
        assert "\n" not in str(exc) and spec.name in str(exc), f"{spec.name}: an unclear error: {exc}"
    else:
        raise AssertionError(f"{spec.name}: an unknown control was accepted")
    values = dict(values or {})
    unknown = set(values) - {c.name for c in spec.controls}
    assert not unknown, f"{spec.name} has no control {', '.join(sorted(unknown))} (check_model controls=)"
    model.eval()
    photos = [_photo(*sizes[0], 0)]  # one photo each: the odd sizes are check_rendering's
    for control in spec.controls:
        value = values[control.name] if control.name in values else non_default_value(control, directory, sizes)
        if value is None:
            raise AssertionError(
                f"{spec.name}: give check_model a non-default value for control {control.name} "
                f"(controls={{{control.name!r}: ...}})"
            )
        try:
            converted = control.convert(value)
        except ControlError as exc:
            raise AssertionError(f"{spec.name}: {exc} (give check_model a value with controls=)") from None
        assert converted != control.default, f"{spec.name}: {value!r} is the default of control {control.name}"
        outputs = colorize(model, photos, {control.name: value})
        _check_outputs(spec, model, photos, outputs, f" with {control.name}={value}")


# -- training ------------------------------------------------------------------------------------


def build_for_training(spec: ModelSpec, small: Mapping[str, Any], directory: Path) -> Any:
    """The model as ``colorzoo train`` builds it: the spec's ``train_config`` (checked as config fields),
    ``small`` over it as ``--set`` would be. Where the preferred start cannot be had (a backbone's
    ImageNet weights, offline), it falls back as the trainer does."""
    from .training.config import TrainConfig
    from .training.objective import starting_model

    make_config(spec, where=f"{spec.name} train_config", **{**spec.train_config, **small})
    config = TrainConfig(model=spec.name, data=directory, out=directory, overrides=dict(small))
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*training .* without .*")  # the fallback, said by train
        return starting_model(spec, config, None)


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
    options = {"prior": torch.full((NUM_BINS,), 1.0 / NUM_BINS)} if "prior" in loss_spec.needs else {}
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


# -- loading -------------------------------------------------------------------------------------


def load_paths(spec: ModelSpec, cls: type, directory: Path) -> dict[str, Callable[[], Any]]:
    """Every way colorzoo loads a model directory, by what a user calls."""
    from .plugins.registry import create_model, load_model
    from .training.config import TrainConfig
    from .training.objective import starting_model

    init = TrainConfig(model=spec.name, data=directory, out=directory.parent / "init-run", init=str(directory))
    return {
        "load_model": lambda: load_model(directory),
        "create_model(weights=)": lambda: create_model(spec.name, weights=directory),
        f"{cls.__name__}.from_pretrained": lambda: cls.from_pretrained(directory),
        "train --init": lambda: starting_model(spec, init, None),
    }


def check_loading(spec: ModelSpec, model: Any, directory: Path) -> None:
    """save_pretrained, then every load path: the same class, the registered spec (so its controls are
    checked), the same predictions."""
    model.eval()
    model.save_pretrained(directory)
    multiple = spec.size_multiple
    size = multiple * math.ceil(min(model.working_size(), 64) / multiple)  # small: the weights are compared
    x = torch.rand(1, 1, size, size, generator=torch.Generator().manual_seed(1)) * 100
    with torch.no_grad():
        expected = model.predict(x)
    for path, load in load_paths(spec, type(model), directory).items():
        loaded = load()
        assert type(loaded) is type(model), f"{spec.name}: {path} gave a {type(loaded).__name__}"
        assert getattr(loaded, "spec", None) == spec, f"{spec.name}: {path} did not attach the model's spec"
        assert not loaded.training, f"{spec.name}: {path} gave a model in training mode"
        with torch.no_grad():
            same = torch.allclose(expected, loaded.predict(x), atol=1e-4)
        assert same, f"{spec.name}: the model loaded by {path} predicts otherwise"


def check_release_import(spec: ModelSpec, model: Any, directory: Path) -> None:
    """A checkpoint in the release layout converts through the adapter back into the same weights."""
    from .models.format import read_config
    from .plugins.registry import load_model
    from .weights.convert import convert_checkpoint

    directory.mkdir(parents=True, exist_ok=True)
    released = resolve(spec.release_layout)(dict(model.state_dict()))
    path = directory / "release.pth"
    torch.save(released, path)
    _, config = read_config(model.save_pretrained(directory / "ours"))
    config = {k: v for k, v in config.items() if k != "model"}
    converted = load_model(convert_checkpoint(spec, path, directory / "converted", config))
    for key, value in model.state_dict().items():
        other = converted.state_dict()[key]
        if value.is_floating_point() and not torch.equal(value, other):  # counters may be absent from releases
            raise AssertionError(f"{spec.name}: {key} changed on the way through the release layout")
