"""``eval`` and ``compare`` on color videos: per-frame accuracy, and flicker against the truth's own.

A clip's color frames are the ground truth, their lightness the input. Each model colorizes the
frames through the same path as ``colorzoo run`` on a clip (``video.colorize.FramePipeline``); one
forward pass per frame gives both rows, frame by frame (the model's own chroma) and stabilized
(the ``Stabilizer`` on that chroma). Every row, the grayscale baseline and the truth get per-frame
AuC and colorfulness as photos do, plus the two flicker figures of ``video.metrics`` (warp error
and CDC); a row's excess over the truth's is what it adds. Frames are scaled to ``size`` pixels
on the short side (never enlarged); ``limit`` caps the frames per clip.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ColorzooError
from ..io.files import VIDEO_SUFFIXES, list_images
from ..render.render import join
from ..video.colorize import FramePipeline
from ..video.metrics import CDCMeter, WarpErrorMeter, WarpMotion
from ..video.stabilize import Stabilizer, StabilizerSettings
from ..video.streams import Frame, VideoError, VideoInput
from . import metrics
from .evaluate import Contender
from .scores import GRAYSCALE

TRUTH = "ground truth"
FRAME_BY_FRAME = "frame by frame"
STABILIZED = "stabilized"
COLUMNS = ("frames", "auc", "colorfulness", "warp_error", "warp_excess", "cdc", "cdc_excess", "fps")
HEADERS = {"frames": "frames", "auc": "AuC %", "colorfulness": "colorful", "warp_error": "warp error",
           "warp_excess": "warp - truth", "cdc": "CDC", "cdc_excess": "CDC - truth", "fps": "frames/s"}


def video_files(data: str | os.PathLike[str]) -> list[Path]:
    """The clips in ``data`` (a folder tree or a list file); empty when it holds none."""
    path = Path(data)
    try:
        listed = list_images(path, VIDEO_SUFFIXES) if path.is_dir() or path.suffix.lower() in (".txt", ".lst") else []
    except (FileNotFoundError, OSError):
        return []
    return [p for p in listed if p.suffix.lower() in VIDEO_SUFFIXES]


@dataclasses.dataclass
class RowMeter:
    """Everything measured for one row (a model one way, gray, or the truth) on one clip."""

    frames: int = 0
    auc: float = 0.0
    colorfulness: float = 0.0
    warp: WarpErrorMeter = dataclasses.field(default_factory=WarpErrorMeter)
    cdc: CDCMeter = dataclasses.field(default_factory=CDCMeter)
    mean_ab: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def add(self, rgb: torch.Tensor, true_lab: torch.Tensor, motion: WarpMotion) -> None:
        """One frame: uint8 RGB (3, H, W) and the truth's Lab (3, H, W)."""
        lab = metrics.lab_of(rgb[None])
        self.auc += float(metrics.auc(metrics.ab_accuracy_curve(lab, true_lab[None]))[0])
        self.colorfulness += float(metrics.colorfulness(rgb[None])[0])
        ab = lab[0, 1:].permute(1, 2, 0).cpu().numpy()
        self.mean_ab.append((float(ab[..., 0].mean()), float(ab[..., 1].mean())))
        self.warp.add(ab, motion)
        self.cdc.add(rgb.permute(1, 2, 0).cpu().numpy())
        self.frames += 1

    def summary(self, truth: RowMeter | None) -> dict[str, float]:
        row = {"frames": self.frames, "auc": self.auc / max(1, self.frames),
               "colorfulness": self.colorfulness / max(1, self.frames),
               "warp_error": self.warp.value, "cdc": self.cdc.value}
        if truth is not None:
            row["warp_excess"] = row["warp_error"] - truth.warp.value
            row["cdc_excess"] = row["cdc"] - truth.cdc.value
        if self.seconds:
            row["fps"] = self.frames / self.seconds
        return row


@dataclasses.dataclass
class ClipResult:
    name: str
    rows: dict[str, RowMeter]
    strip: dict[str, list[np.ndarray]]
    strip_frames: list[int]
    cuts: dict[str, list[int]]
    stabilizer_ms: dict[str, float]
    """Milliseconds per frame of each model's stabilizer (flow, checks, warp, blend)."""

    def table(self) -> list[dict[str, Any]]:
        truth = self.rows[TRUTH]
        return [{"clip": self.name, "model": label, **meter.summary(None if label == TRUTH else truth)}
                for label, meter in self.rows.items()]


@dataclasses.dataclass
class VideoEvaluation:
    clips: list[ClipResult]
    meta: dict[str, Any]
    files: dict[str, Path] = dataclasses.field(default_factory=dict)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each row over all clips: means weighted by frames (fps: frames over seconds)."""
        labels = list(self.clips[0].rows) if self.clips else []
        table = []
        for label in labels:
            entries = [row for clip in self.clips for row in clip.table() if row["model"] == label]
            frames = sum(e["frames"] for e in entries)
            row: dict[str, Any] = {"model": label, "frames": frames}
            for key in COLUMNS[1:]:
                values = [(e[key], e["frames"]) for e in entries if key in e]
                if values and key != "fps":
                    row[key] = sum(v * n for v, n in values) / max(1, sum(n for _, n in values))
            seconds = sum(clip.rows[label].seconds for clip in self.clips)
            if seconds:
                row["fps"] = frames / seconds
            table.append(row)
        return table

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """report.md, metrics.json, metrics.csv, and per clip strip_<clip>.png and ab_<clip>.png."""
        from .video_report import write_video_report

        self.files = write_video_report(self, Path(out_dir))
        return self.files

    def csv(self) -> str:
        """One line per clip and row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["clip", "model", *COLUMNS])
        for clip in self.clips:
            for row in clip.table():
                writer.writerow([row["clip"], row["model"], *(f"{row[c]:.6g}" if c in row else "" for c in COLUMNS)])
        return buffer.getvalue()

    def json(self) -> str:
        clips = self.clips
        return json.dumps({"meta": self.meta, "summary": self.rows,
                           "clips": [row for clip in clips for row in clip.table()],
                           "cuts": {clip.name: clip.cuts for clip in clips},
                           "stabilizer_ms": {clip.name: clip.stabilizer_ms for clip in clips}}, indent=2)


def _resized(rgb: np.ndarray, size: int) -> np.ndarray:
    """Scaled to ``size`` pixels on the short side (area-averaged), never enlarged."""
    from ..video import deps

    height, width = rgb.shape[:2]
    scale = size / min(height, width)
    if scale >= 1:
        return np.ascontiguousarray(rgb)
    cv2 = deps.cv2()
    return cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)


def _frames(path: Path, size: int, limit: int | None) -> Any:
    with VideoInput(path) as video:
        count = 0
        for item in video.items():
            if isinstance(item, Frame):
                yield _resized(item.upright(), size)
                count += 1
                if limit is not None and count >= limit:
                    return


def evaluate_clip(
    contenders: Sequence[Contender],
    path: Path,
    *,
    size: int = 256,
    limit: int | None = None,
    device: torch.device,
    batch_size: int = 8,
    precision: str = "fp32",
    settings: StabilizerSettings | None = None,
    strip_count: int = 6,
    on_frames: Callable[[int], None] | None = None,
) -> ClipResult:
    """Measure every contender both ways, the grayscale baseline and the truth on one clip."""
    import time

    with VideoInput(path) as probe:
        expected = probe.frames_estimate
    total = min(expected, limit) if expected and limit else (expected or limit or 0)
    keep = set(np.linspace(0, max(0, total - 1), strip_count).round().astype(int).tolist()) if total else {0}
    pipelines = {c.label: FramePipeline(c.model, dict(c.controls), device, precision, Stabilizer(settings))
                 for c in contenders if c.model is not None}
    labels = [GRAYSCALE] + [f"{c.label} {way}" for c in contenders for way in (FRAME_BY_FRAME, STABILIZED)]
    rows = {label: RowMeter() for label in [TRUTH, *labels]}
    strip: dict[str, list[np.ndarray]] = {label: [] for label in ["gray input", *labels, TRUTH]}
    strip_frames: list[int] = []
    motion = WarpMotion()
    index = 0
    batch: list[np.ndarray] = []

    def flush() -> None:
        nonlocal index
        truth = torch.from_numpy(np.stack(batch)).to(device).permute(0, 3, 1, 2)
        true_lab = metrics.lab_of(truth)
        lightness = true_lab[:, :1]
        outputs: dict[str, list[torch.Tensor]] = {
            GRAYSCALE: [join(lum, torch.zeros_like(lum).expand(2, -1, -1)) for lum in lightness]
        }
        for label, pipeline in pipelines.items():
            own: list[torch.Tensor] = []
            stab_before = pipeline.stabilize_seconds
            start = time.perf_counter()
            stabilized = pipeline(batch, keep_chroma=own)
            elapsed = time.perf_counter() - start
            stab_time = pipeline.stabilize_seconds - stab_before
            plain = [join(lum, c, pipeline.model.chroma) for lum, c in zip(lightness, own, strict=True)]
            outputs[f"{label} {FRAME_BY_FRAME}"] = plain
            outputs[f"{label} {STABILIZED}"] = [torch.from_numpy(s).to(device).permute(2, 0, 1) for s in stabilized]
            # the joins are the same work both ways; the stabilizer is the only difference
            rows[f"{label} {FRAME_BY_FRAME}"].seconds += elapsed - stab_time
            rows[f"{label} {STABILIZED}"].seconds += elapsed
        for i in range(len(batch)):
            motion.add((lightness[i, 0] * 2.55).round().clamp(0, 255).to(torch.uint8).cpu().numpy())
            rows[TRUTH].add(truth[i], true_lab[i], motion)
            for label in labels:
                rows[label].add(outputs[label][i], true_lab[i], motion)
            if index in keep:
                strip_frames.append(index)
                strip[TRUTH].append(batch[i])
                gray = outputs[GRAYSCALE][i].permute(1, 2, 0).cpu().numpy()
                strip["gray input"].append(gray)
                for label in labels:
                    strip[label].append(outputs[label][i].permute(1, 2, 0).cpu().numpy())
            index += 1
        if on_frames:
            on_frames(len(batch))
        batch.clear()

    for rgb in _frames(path, size, limit):
        if batch and rgb.shape != batch[0].shape:
            raise VideoError(f"{path}: frame {index + len(batch)} changes size; cannot be measured")
        batch.append(rgb)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    del strip[GRAYSCALE]
    cuts = {label: p.stabilizer.cuts for label, p in pipelines.items() if p.stabilizer is not None}
    stab_ms = {label: 1000 * p.stabilize_seconds / max(1, index) for label, p in pipelines.items()}
    return ClipResult(path.name, rows, strip, strip_frames, cuts, stab_ms)


def evaluate_videos(
    contenders: Sequence[Contender],
    files: Sequence[Path],
    *,
    size: int = 256,
    limit: int | None = None,
    device: torch.device | str = "cpu",
    batch_size: int = 8,
    precision: str = "fp32",
    settings: StabilizerSettings | None = None,
    on_frames: Callable[[int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> VideoEvaluation:
    """Every clip of ``files`` (a bad one is skipped with a note); ``limit``: frames per clip."""
    device = torch.device(device)
    for contender in contenders:
        if contender.model is not None:
            from ..render.render import check_controls

            contender.controls = check_controls(contender.model, contender.controls)
    clips = []
    for path in files:
        try:
            clips.append(evaluate_clip(contenders, path, size=size, limit=limit, device=device, batch_size=batch_size,
                                       precision=precision, settings=settings, on_frames=on_frames))
        except VideoError as exc:
            if notify:
                notify(f"skipping {exc}")
    if not clips:
        raise ColorzooError("no readable color clips to evaluate on")
    meta = {"clips": len(clips), "frames": sum(c.rows[TRUTH].frames for c in clips), "size": size,
            "device": device.type, "precision": precision,
            "stabilizer": dataclasses.asdict(settings or StabilizerSettings())}
    return VideoEvaluation(clips, meta)
