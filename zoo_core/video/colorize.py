"""Colorize video files: frames stream through the one rendering path in batches, are stabilized,
and are encoded into a new file beside the input's own audio and subtitles.

Each batch of frames goes through ``render.predict_chroma`` (the model at its working size, with
the device, precision and controls photos get), the ``Stabilizer`` (unless switched off), and
``render.join`` with each frame's own full-resolution lightness, exactly as a photo is rendered.
Memory is bounded by the batch (and the encoder's fixed look-ahead), whatever the clip's length.
The output is written to a temporary file beside its final name and moved there only when
complete (``io.atomic``): a killed or interrupted run leaves nothing under the final name.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..color.lab import rgb_to_lightness
from ..errors import ColorzooError
from ..io.atomic import atomic_write, clean_stale_temps
from ..io.files import Failure, Found
from ..models.colorizer import Colorizer
from ..render.batch import BatchReport, software
from ..render.render import check_controls, join, predict_chroma
from .stabilize import Stabilizer, StabilizerSettings
from .streams import (
    CODEC_CHOICES,
    CONTAINERS,
    DEFAULT_CONTAINER,
    DEFAULT_QUALITY,
    QUALITY_RANGE,
    Encoder,
    Frame,
    VideoError,
    VideoInput,
    VideoOutput,
    choose_encoder,
)


@dataclasses.dataclass
class VideoOptions:
    """How clips are written: stabilized or frame by frame, the codec and its quality."""

    stabilize: bool = True
    quality: int = DEFAULT_QUALITY
    """CRF-like, 0 (best) to 51 (smallest): x264's scale; mapped onto the other encoders' own."""
    codec: str = "auto"
    settings: StabilizerSettings | None = None

    def check(self) -> None:
        """One-line errors for bad values, before any work."""
        low, high = QUALITY_RANGE
        if not isinstance(self.quality, int) or not low <= self.quality <= high:
            raise ColorzooError(f"--video-quality must be an integer from {low} to {high}, got {self.quality}")
        if self.codec not in CODEC_CHOICES:
            raise ColorzooError(f"--video-codec {self.codec!r}: use one of {', '.join(CODEC_CHOICES)}")


@dataclasses.dataclass
class VideoResult:
    path: Path
    frames: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0
    """Time spent in the model (predict_chroma) alone."""
    stabilize_seconds: float = 0.0
    cuts: list[int] = dataclasses.field(default_factory=list)


def output_path(source: Path | Found, out_dir: Path, model_name: str, encoder: Encoder | None = None) -> Path:
    """``OUT/<folder below the input's root>/<stem>_<model>`` with the output container's suffix (the
    input's where it can hold the codec), as photos are placed."""
    found = source if isinstance(source, Found) else Found(Path(source), Path(source).parent)
    suffix = encoder.container[1] if encoder else CONTAINERS.get(found.path.suffix.lower(), DEFAULT_CONTAINER)[1]
    return Path(out_dir) / found.relative_folder / f"{found.path.stem}_{model_name}{suffix}"


def frame_lightness(rgb: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 RGB (H, W, 3) -> full-resolution L (1, H, W) on ``device``, as ``render.photo_lightness``."""
    pixels = torch.from_numpy(np.ascontiguousarray(rgb)).to(device).permute(2, 0, 1).float().div_(255.0)
    return rgb_to_lightness(pixels)


class FramePipeline:
    """Upright frames in, colorized upright frames out, batch by batch (the stabilizer keeps its state)."""

    def __init__(
        self,
        model: Colorizer,
        controls: Mapping[str, Any],
        device: torch.device,
        precision: str = "fp32",
        stabilizer: Stabilizer | None = None,
    ) -> None:
        self.model, self.controls, self.device, self.precision = model, controls, device, precision
        self.stabilizer = stabilizer
        self.model_seconds = 0.0
        self.stabilize_seconds = 0.0

    def __call__(self, frames: Sequence[np.ndarray], keep_chroma: list | None = None) -> list[np.ndarray]:
        """Colorize uint8 RGB frames (H, W, 3), in order; with ``keep_chroma``, the model's own chroma
        (before stabilizing) is appended to it for each frame."""
        lightness = [frame_lightness(rgb, self.device) for rgb in frames]
        start = time.perf_counter()
        chroma = predict_chroma(self.model, lightness, self.controls, self.precision)
        self.model_seconds += time.perf_counter() - start
        out = []
        for lum, own in zip(lightness, chroma, strict=True):
            if keep_chroma is not None:
                keep_chroma.append(own)
            used = own
            if self.stabilizer is not None:
                start = time.perf_counter()
                used = self.stabilizer(lum, own)
                self.stabilize_seconds += time.perf_counter() - start
            out.append(join(lum, used, self.model.chroma).permute(1, 2, 0).cpu().numpy())
        return out


def colorize_video(
    model: Colorizer,
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    controls: Mapping[str, Any] | None = None,
    options: VideoOptions | None = None,
    batch_size: int = 4,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    overwrite: bool = False,
    encoder: Encoder | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_frames: Callable[[int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> VideoResult:
    """Colorize one clip into ``target`` (written atomically; with ``overwrite`` False an existing
    ``target`` is never replaced: ``FileExistsError``). Raises ``VideoError`` for a bad clip."""
    options = options or VideoOptions()
    options.check()
    checked = check_controls(model, controls)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    source, target = Path(source), Path(target)
    encoder = encoder or choose_encoder(options.codec, source.suffix)
    stabilizer = Stabilizer(options.settings) if options.stabilize else None
    pipeline = FramePipeline(model, checked, device, precision, stabilizer)
    result = VideoResult(target)
    start = time.perf_counter()
    with VideoInput(source) as video:
        if on_start:
            on_start(video.frames_estimate)

        def write(tmp: str) -> None:
            output: VideoOutput | None = None
            waiting: list[Any] = []  # packets of copied streams before the first frame opened the output
            batch: list[Frame] = []

            def flush() -> None:
                nonlocal output
                if output is None:
                    sized = encoder.sized(video.width, video.height)
                    if sized is None:
                        raise VideoError(f"{source}: {encoder.name} cannot encode {video.width}x{video.height}")
                    output = VideoOutput(tmp, video, sized, options.quality, notify, software(model.config.model))
                    for packet in waiting:
                        output.copy(packet)
                    waiting.clear()
                colored = pipeline([f.upright() for f in batch])
                for frame, rgb in zip(batch, colored, strict=True):
                    output.write(frame.from_upright(rgb), frame.pts, frame.duration)
                result.frames += len(batch)
                if on_frames:
                    on_frames(len(batch))
                batch.clear()

            try:
                for item in video.items():
                    if isinstance(item, Frame):
                        batch.append(item)
                        if len(batch) >= batch_size:
                            flush()
                    elif output is None:
                        waiting.append(item)
                    else:
                        output.copy(item)
                if batch:
                    flush()
                if output is not None:
                    output.close()
                    output = None
            except BaseException:
                if output is not None:
                    output.abort()
                raise

        try:
            atomic_write(target, write, exclusive=not overwrite)
        except (RuntimeError, ValueError) as exc:  # out of memory on a big batch, a bad frame size
            raise VideoError(f"{source}: colorization failed ({exc})") from None
    result.seconds = time.perf_counter() - start
    result.model_seconds, result.stabilize_seconds = pipeline.model_seconds, pipeline.stabilize_seconds
    result.cuts = stabilizer.cuts if stabilizer else []
    return result


def colorize_videos(
    model: Colorizer,
    inputs: Sequence[Path | Found],
    out_dir: str | os.PathLike[str],
    *,
    controls: Mapping[str, Any] | None = None,
    options: VideoOptions | None = None,
    batch_size: int = 4,
    overwrite: bool = False,
    device: torch.device | str | None = None,
    precision: str = "fp32",
    name: str | None = None,
    on_start: Callable[[Path, int | None], None] | None = None,
    on_frames: Callable[[int], None] | None = None,
    on_done: Callable[[Path], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> BatchReport:
    """Colorize clips into ``out_dir`` as ``<folder>/<stem>_<name>.<container>``; an output already there is
    skipped (unless ``overwrite``), a bad clip is a failure, the rest go on."""
    options = options or VideoOptions()
    options.check()
    checked = check_controls(model, controls)
    name = name or model.config.model
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = [i if isinstance(i, Found) else Found(Path(i), Path(i).parent) for i in inputs]
    report = BatchReport(cleaned=clean_stale_temps(out_dir))
    sources = {_real(f.path) for f in found}
    planned: dict[Path, Path] = {}
    encoders: dict[str, Encoder] = {}
    said: set[str] = set()

    def say_once(text: str) -> None:
        if notify and text not in said:
            said.add(text)
            notify(text)

    for item in found:
        source = item.path
        try:
            suffix = source.suffix.lower()
            if suffix not in encoders:
                encoders[suffix] = choose_encoder(options.codec, suffix)
                if options.codec == "auto" and encoders[suffix].family != "h264":
                    say_once(f"note: this FFmpeg build has no H.264 encoder; writing {encoders[suffix].family} "
                             f"({encoders[suffix].name}) instead")
            encoder = encoders[suffix]
        except VideoError as exc:
            report.failures.append(Failure(str(source), f"{source}: {exc}"))
            _notify(on_done, source)
            continue
        target = output_path(item, out_dir, name, encoder)
        real = _real(target)
        reason = None
        if real in sources:
            reason = f"{source}: its output {target} would replace an input; choose another -o"
        elif real in planned:
            reason = f"{source}: its output {target} is also the output of {planned[real]}; rename one"
        elif target.exists() and not overwrite:
            report.skipped.append(target)
            _notify(on_done, source)
            continue
        if reason:
            report.failures.append(Failure(str(source), reason))
            _notify(on_done, source)
            continue
        planned[real] = source
        if target.parent != out_dir:
            target.parent.mkdir(parents=True, exist_ok=True)
            report.cleaned += clean_stale_temps(target.parent)
        try:
            colorize_video(
                model, source, target, controls=checked, options=options, batch_size=batch_size, device=device,
                precision=precision, overwrite=overwrite, encoder=encoder, notify=say_once,
                on_start=(lambda total, s=source: on_start(s, total)) if on_start else None, on_frames=on_frames,
            )
            report.written.append(target)
        except KeyboardInterrupt:
            report.interrupted = True
            break
        except FileExistsError:
            reason = f"{source}: output {target} appeared while this run worked (another run?); kept it"
            report.failures.append(Failure(str(source), reason))
        except ColorzooError as exc:
            report.failures.append(Failure(str(source), str(exc)))
        except OSError as exc:
            report.failures.append(Failure(str(source), f"{source}: cannot write {target} ({exc})"))
        _notify(on_done, source)
    return report


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _notify(callback: Callable[[Path], None] | None, path: Path) -> None:
    if callback is not None:
        callback(path)
