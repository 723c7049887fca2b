"""Clips made from photos, for measuring stabilizers where the truth is known.

A virtual camera pans across or zooms into a photo (sub-pixel motion, bilinear resampling); shots
of different photos are joined by hard cuts. The color photo is the ground truth, its gray
version the input. ``write_clip`` encodes frames (optionally with a variable frame rate, a
rotation tag and an audio track) so that tests can check what ``colorzoo run`` keeps.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import deps

MOVES = ("pan-right", "pan-left", "pan-down", "zoom-in", "zoom-out")


def shot(image: np.ndarray, move: str, frames: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """``frames`` uint8 RGB frames (height, width) = ``size`` of a camera ``move`` over ``image``."""
    cv2 = deps.cv2()
    if move not in MOVES:
        raise ValueError(f"unknown move {move!r}: use one of {', '.join(MOVES)}")
    height, width = size
    img_h, img_w = image.shape[:2]
    fit = min(img_w / width, img_h / height)  # output pixels -> image pixels for the widest view
    for i in range(frames):
        t = i / max(1, frames - 1)
        if move.startswith("pan"):
            scale = 0.8 * fit
            span_x, span_y = img_w - width * scale, img_h - height * scale
            x0, y0 = span_x * (t if move == "pan-right" else 1 - t if move == "pan-left" else 0.5), span_y * 0.5
            if move == "pan-down":
                x0, y0 = span_x * 0.5, span_y * t
        else:
            zoom = 1.0 + 0.5 * (t if move == "zoom-in" else 1 - t)
            scale = 0.95 * fit / zoom
            x0, y0 = (img_w - width * scale) / 2, (img_h - height * scale) / 2
        matrix = np.array([[scale, 0, x0], [0, scale, y0]], dtype=np.float64)
        yield cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT)


def shots(
    images: Sequence[np.ndarray], frames_per_shot: int, size: tuple[int, int], first_move: int = 0
) -> Iterator[np.ndarray]:
    """One shot per image, the moves in turn (from ``MOVES[first_move]``), joined by hard cuts."""
    for k, image in enumerate(images):
        yield from shot(image, MOVES[(first_move + k) % len(MOVES)], frames_per_shot, size)


def write_clip(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: int = 25,
    *,
    codec: str = "libx264",
    crf: int = 12,
    timestamps: Sequence[int] | None = None,
    time_base: Fraction | None = None,
    rotation: int = 0,
    audio_seconds: float = 0.0,
    gray: bool = False,
) -> Path:
    """Encode uint8 RGB frames (all one size) into ``path`` (container from its suffix).

    ``timestamps`` (in ``time_base``, default 1/fps) give a variable frame rate; ``rotation`` tags the
    display matrix (counter-clockwise degrees); ``audio_seconds`` adds a 440 Hz AAC tone; ``gray``
    writes the frames' luma only (a black-and-white film)."""
    av = deps.av()
    path = Path(path)
    time_base = time_base or Fraction(1, fps)
    iterator = iter(frames)
    first = next(iterator)
    height, width = first.shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        even = width % 2 == 0 and height % 2 == 0
        stream.pix_fmt = "yuv420p" if even or codec != "libx264" else "yuv444p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if codec in ("libx264", "libx265"):
            stream.options = {"crf": str(crf), "preset": "veryfast"}
        if rotation:
            stream.set_display_rotation(rotation)
        audio = out.add_stream("aac", rate=16000) if audio_seconds else None
        for index, rgb in enumerate(_chain(first, iterator)):
            if gray:
                luma = (rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).round()
                rgb = np.repeat(luma.clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = timestamps[index] if timestamps is not None else index
            frame.time_base = time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if audio is not None:
            samples = int(audio_seconds * 16000)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 16000)).astype(np.float32)
            for start in range(0, samples, 1024):
                chunk = tone[start : start + 1024]
                frame = av.AudioFrame.from_ndarray(chunk[None], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 16000, start
                out.mux(audio.encode(frame))
            out.mux(audio.encode(None))
    return path


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest
