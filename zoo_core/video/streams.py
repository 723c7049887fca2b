"""Reading and writing video files with PyAV, one frame at a time: never a whole clip in memory.

``VideoInput`` decodes the first video stream to RGB frames (with their own timestamps, so a
variable frame rate survives) and hands over the packets of the audio and subtitle streams
untouched; ``VideoOutput`` encodes frames with the best encoder this FFmpeg build has (H.264
first), keeps the input's time base, display matrix (rotation), color tags and size, and copies
those packets into the output container without re-encoding where the container can hold them.
Errors are ``VideoError``: one line that starts with the file's path.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ColorzooError
from . import deps


class VideoError(ColorzooError):
    """A video that cannot be read or written: the message starts with its path."""


#: Input suffix -> (FFmpeg muxer, output suffix). These containers hold H.264 and whatever they held
#: before; every other input (avi, webm, flv, mpg, ts, wmv...) is written as mp4.
CONTAINERS = {".mp4": ("mp4", ".mp4"), ".m4v": ("mp4", ".mp4"), ".mov": ("mov", ".mov"), ".mkv": ("matroska", ".mkv")}
DEFAULT_CONTAINER = ("mp4", ".mp4")
ANY_CODEC_CONTAINER = ("matroska", ".mkv")

#: ``--video-codec`` choices -> encoders to try, best first.
CODECS: dict[str, tuple[str, ...]] = {
    "h264": ("libx264", "libopenh264", "h264"),
    "hevc": ("libx265", "hevc"),
    "vp9": ("libvpx-vp9",),
    "av1": ("libsvtav1", "libaom-av1", "librav1e"),
    "mpeg4": ("mpeg4",),
    "ffv1": ("ffv1",),
}
#: What ``auto`` tries, in order: H.264 plays everywhere; ffv1 (lossless, huge) is only asked for.
AUTO_ORDER = ("h264", "hevc", "vp9", "av1", "mpeg4")
CODEC_CHOICES = ("auto", *CODECS)
#: ``--video-quality``: a CRF-like scale, 0 (lossless or best) to 51 (worst), as x264 has it.
QUALITY_RANGE = (0, 51)
DEFAULT_QUALITY = 18


def reason(exc: BaseException) -> str:
    """FFmpeg's words without PyAV's '[Errno N]' prefix and the file name it repeats."""
    text = str(getattr(exc, "strerror", None) or exc)
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    return re.sub(r":\s*'[^']*'$", "", text).strip() or type(exc).__name__


def scale_threads(width: int, height: int) -> int:
    """swscale threads for a color conversion: one below a megapixel (a thread pool costs more than it
    saves there, and much more on a busy machine), FFmpeg's choice above."""
    return 1 if width * height < 1_000_000 else 0


def _ffmpeg_errors() -> tuple[type[BaseException], ...]:
    return (deps.av().FFmpegError, OSError, ValueError, EOFError)


@dataclasses.dataclass
class Frame:
    """A decoded frame: uint8 RGB (H, W, 3) as coded (not rotated), with its timestamps."""

    rgb: np.ndarray
    pts: int
    duration: int | None
    rotation: int = 0
    """Counter-clockwise degrees (a multiple of 90) that turn the coded picture upright."""

    def upright(self) -> np.ndarray:
        return np.rot90(self.rgb, self.rotation // 90) if self.rotation else self.rgb

    def from_upright(self, rgb: np.ndarray) -> np.ndarray:
        """The inverse of ``upright``: a picture made upright, back in the coded orientation."""
        return np.ascontiguousarray(np.rot90(rgb, -(self.rotation // 90))) if self.rotation else rgb


class VideoInput:
    """The first video stream of a file, decoded frame by frame; audio and subtitle packets as they come."""

    def __init__(self, path: str | Path) -> None:
        av = deps.av()
        self.path = Path(path)
        try:
            self.container = av.open(str(path), metadata_errors="ignore")
        except _ffmpeg_errors() as exc:
            raise VideoError(f"{path}: cannot be read as a video ({reason(exc)})") from None
        try:
            if not self.container.streams.video:
                raise VideoError(f"{path}: has no video stream")
            self.stream = self.container.streams.video[0]
            if self.stream.codec_context is None:
                raise VideoError(f"{path}: its video codec cannot be decoded by this FFmpeg build")
            self.stream.thread_type = "AUTO"
        except BaseException:
            self.container.close()
            raise
        self.copy = [s for s in self.container.streams if s.type in ("audio", "subtitle")]
        self.time_base: Fraction = self.stream.time_base or Fraction(1, 90000)
        self.rate: Fraction | None = self.stream.average_rate or self.stream.guessed_rate
        self.declared_frames: int | None = self.stream.frames or None
        self.width, self.height = self.stream.codec_context.width, self.stream.codec_context.height
        self.display_matrix: tuple[int, ...] | None = None
        self.rotation = 0
        self.color: dict[str, Any] = {}
        self.decoded = 0

    def __enter__(self) -> VideoInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.container.close()

    @property
    def frames_estimate(self) -> int | None:
        """The frame count the container declares, else duration x rate (for the progress bar)."""
        if self.declared_frames:
            return self.declared_frames
        duration = self.stream.duration
        if duration and self.rate:
            return max(1, round(float(duration * self.time_base * self.rate)))
        if self.container.duration and self.rate:
            return max(1, round(self.container.duration / 1_000_000 * float(self.rate)))
        return None

    def items(self) -> Iterator[Frame | Any]:
        """Decoded ``Frame``s of the video stream and the packets of ``copy`` streams, in file order."""
        video_index = self.stream.index
        last_pts: int | None = None
        try:
            for packet in self.container.demux(self.stream, *self.copy):
                if packet.stream.index != video_index:
                    if packet.dts is not None and packet.size:
                        yield packet
                    continue
                for decoded in packet.decode():
                    frame = self._frame(decoded, last_pts)
                    last_pts = frame.pts
                    self.decoded += 1
                    yield frame
        except _ffmpeg_errors() as exc:
            at = f"after {self.decoded} frames" if self.decoded else "before its first frame"
            raise VideoError(f"{self.path}: damaged or truncated: decoding failed {at} ({reason(exc)})") from None
        if self.decoded == 0:
            raise VideoError(f"{self.path}: no video frame could be decoded")
        declared = self.declared_frames or 0
        if declared and self.decoded < declared * 0.98 - 2:  # edit lists may trim a few frames
            raise VideoError(f"{self.path}: truncated or damaged: {self.decoded} of {declared} frames decode")
        expected = self._declared_seconds()
        if not declared and expected and last_pts is not None:
            start = self.stream.start_time or 0
            reached = float((last_pts - start) * self.time_base)
            frame_seconds = 1 / float(self.rate) if self.rate else 0.1
            if reached < expected * 0.98 - 3 * frame_seconds:
                why = f"frames end at {reached:.2f} s of {expected:.2f} s"
                raise VideoError(f"{self.path}: truncated or damaged: {why}")

    def _declared_seconds(self) -> float | None:
        """The video's length as the container declares it (stream duration, else the file's)."""
        if self.stream.duration:
            return float(self.stream.duration * self.time_base)
        if self.container.duration:
            return self.container.duration / 1_000_000
        return None

    def _frame(self, decoded: Any, last_pts: int | None) -> Frame:
        if self.decoded == 0:
            self._first(decoded)
        rgb = decoded.to_ndarray(format="rgb24", src_color_range=decoded.color_range or None,
                                 threads=scale_threads(decoded.width, decoded.height))
        pts = decoded.pts
        if pts is None:
            step = self._step()
            pts = 0 if last_pts is None else last_pts + step
        if last_pts is not None and pts <= last_pts:  # broken timestamps: keep them strictly increasing
            pts = last_pts + 1
        duration = decoded.duration or None
        return Frame(rgb, int(pts), duration, self.rotation)

    def _step(self) -> int:
        if self.rate:
            return max(1, round(1 / (self.rate * self.time_base)))
        return 1

    def _first(self, decoded: Any) -> None:
        """Rotation and color tags come with the first frame (FFmpeg puts the display matrix there)."""
        self.width, self.height = decoded.width, decoded.height
        for side in decoded.side_data:
            if getattr(side.type, "name", "") == "DISPLAYMATRIX":
                matrix = struct.unpack("<9i", bytes(side)[:36])
                if any(matrix):
                    self.display_matrix = matrix
        if self.display_matrix is not None:
            self.rotation = round((decoded.rotation or 0) / 90.0) * 90 % 360
        self.color = {
            "colorspace": decoded.colorspace,
            "color_range": decoded.color_range,
            "color_primaries": decoded.color_primaries,
            "color_trc": decoded.color_trc,
        }


@dataclasses.dataclass(frozen=True)
class Encoder:
    family: str
    name: str
    pix_fmt: str
    container: tuple[str, str]
    """(FFmpeg muxer, suffix) of the output."""

    def sized(self, width: int, height: int) -> Encoder | None:
        """This encoder with the pixel format for a ``width`` x ``height`` clip: yuv420p where both sides
        are even (what players expect), else yuv444p (keeps odd sizes), else what the encoder has."""
        av = deps.av()
        formats = [f.name for f in av.codec.Codec(self.name, "w").video_formats or ()]
        candidates = ["yuv420p"] if width % 2 == 0 and height % 2 == 0 else []
        for pix_fmt in dict.fromkeys([*candidates, "yuv444p", *formats[:1]]):
            if (not formats or pix_fmt in formats) and _opens(self.name, pix_fmt, width, height):
                return dataclasses.replace(self, pix_fmt=pix_fmt)
        return None

    def options(self, quality: int) -> dict[str, str]:
        scaled = str(round(quality * 63 / 51))
        if self.name in ("libx264", "libx265"):
            opts = {"crf": str(quality), "preset": "medium"}
            return {**opts, "x265-params": "log-level=error"} if self.name == "libx265" else opts
        if self.name == "libvpx-vp9":
            return {"crf": scaled, "b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "4"}
        if self.name in ("libsvtav1", "libaom-av1"):
            return {"crf": scaled}
        return {}


_SUPPORTED: dict[str, frozenset[str]] = {}
_OPENS: dict[tuple[str, str, int, int], bool] = {}


def supported_codecs(muxer: str) -> frozenset[str]:
    """Codec names the FFmpeg muxer ``muxer`` can hold."""
    if muxer not in _SUPPORTED:
        with deps.av().open(io.BytesIO(), "w", format=muxer) as probe:
            _SUPPORTED[muxer] = frozenset(probe.supported_codecs)
    return _SUPPORTED[muxer]


def _opens(name: str, pix_fmt: str, width: int, height: int) -> bool:
    """Whether the encoder really opens at this size (hardware wrappers without hardware do not)."""
    key = (name, pix_fmt, width % 2, height % 2)
    if key not in _OPENS:
        av = deps.av()
        try:
            ctx = av.CodecContext.create(name, "w")
            ctx.width, ctx.height, ctx.pix_fmt = width, height, pix_fmt
            ctx.time_base = Fraction(1, 25)
            ctx.open()
            _OPENS[key] = True
        except (av.FFmpegError, ValueError, OSError):
            _OPENS[key] = False
    return _OPENS[key]


def available_encoders() -> list[str]:
    """The ``--video-codec`` choices this FFmpeg build can encode."""
    av = deps.av()
    found = []
    for family, names in CODECS.items():
        for name in names:
            try:
                av.codec.Codec(name, "w")
            except (av.FFmpegError, ValueError):
                continue
            found.append(family)
            break
    return found


def choose_encoder(codec: str, suffix: str) -> Encoder:
    """The encoder for ``codec`` (a ``CODEC_CHOICES`` name; ``auto``: H.264 where this build has it, else
    the next of ``AUTO_ORDER``) and the output container: the input's (``suffix``) where it can hold
    the codec and is one of ``CONTAINERS``, else mp4, else mkv. The pixel format is set per clip
    (``Encoder.sized``)."""
    av = deps.av()
    families = AUTO_ORDER if codec == "auto" else (codec,)
    for family in families:
        for name in CODECS[family]:
            try:
                found = av.codec.Codec(name, "w")
            except (av.FFmpegError, ValueError):
                continue
            encoder = Encoder(family, name, "", CONTAINERS.get(suffix.lower(), DEFAULT_CONTAINER))
            if encoder.sized(64, 64) is None:  # listed, but does not open (a hardware wrapper without hardware)
                continue
            if found.name not in supported_codecs(encoder.container[0]):
                encoder = dataclasses.replace(encoder, container=ANY_CODEC_CONTAINER)
            return encoder
    wanted = "any of " + ", ".join(AUTO_ORDER) if codec == "auto" else codec
    raise VideoError(f"this FFmpeg build has no working encoder for {wanted}; "
                     f"it can encode: {', '.join(available_encoders()) or 'nothing'}")


class VideoOutput:
    """An output file: one encoded video stream (the input's timing, rotation and colors) plus the
    input's audio and subtitle streams, copied where the container can hold them."""

    def __init__(
        self,
        path: str | Path,
        source: VideoInput,
        encoder: Encoder,
        quality: int = DEFAULT_QUALITY,
        notify: Callable[[str], None] | None = None,
        software: str | None = None,
    ) -> None:
        av = deps.av()
        self.source = source
        self.encoder = encoder
        try:
            self.container = av.open(str(path), "w", format=encoder.container[0])
        except _ffmpeg_errors() as exc:
            raise VideoError(f"{path}: cannot be written ({reason(exc)})") from None
        if software:  # the marker a later run recognises its own outputs by (FFmpeg sets "encoder" itself)
            self.container.metadata["comment"] = software
        try:
            self._open(encoder, quality, notify)
        except BaseException:
            self.container.close()
            raise

    def _open(self, encoder: Encoder, quality: int, notify: Callable[[str], None] | None) -> None:
        source = self.source
        rate = source.rate if source.rate and source.rate > 0 else Fraction(25)
        stream = self.container.add_stream(encoder.name, rate=rate)
        stream.width, stream.height = source.width, source.height
        stream.pix_fmt = encoder.pix_fmt
        stream.time_base = source.time_base
        stream.codec_context.time_base = source.time_base
        if encoder.name == "mpeg4":
            stream.codec_context.qscale = max(1, min(31, round(1 + quality * 30 / 51)))
        stream.options = encoder.options(quality)
        color = {k: v for k, v in source.color.items() if v}
        for key, value in color.items():
            try:
                setattr(stream.codec_context, key, value)
            except (AttributeError, TypeError, ValueError):
                pass
        if source.display_matrix is not None:
            stream.set_display_matrix(list(source.display_matrix))
        self.stream = stream
        # swscale's matrices by FFmpeg's AVColorSpace: 709, FCC, 601 (BT470BG and SMPTE170M), 240M, 2020
        matrix = {1: 1, 4: 4, 5: 5, 6: 5, 7: 7, 9: 9}.get(int(source.color.get("colorspace") or 0))
        self._dst_colorspace = matrix
        self._dst_range = source.color.get("color_range") or None
        self.copies: dict[int, Any] = {}
        holds = supported_codecs(encoder.container[0])
        for template in source.copy:
            name = template.codec_context.name if template.codec_context is not None else "unknown"
            if name in holds:
                try:
                    self.copies[template.index] = self.container.add_stream_from_template(template)
                    continue
                except (deps.av().FFmpegError, ValueError, TypeError):
                    pass
            if notify:
                notify(f"{source.path}: its {template.type} stream {template.index} ({name}) cannot be copied into "
                       f"{encoder.container[1]}; left out")

    def write(self, rgb: np.ndarray, pts: int, duration: int | None) -> None:
        """Encode one uint8 RGB frame (H, W, 3), coded orientation, at ``pts`` (the input's time base)."""
        av = deps.av()
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame = frame.reformat(format=self.encoder.pix_fmt, dst_colorspace=self._dst_colorspace,
                               dst_color_range=self._dst_range, threads=scale_threads(*rgb.shape[1::-1]))
        frame.pts = pts
        frame.time_base = self.source.time_base
        if duration:
            frame.duration = duration
        self.container.mux(self.stream.encode(frame))

    def copy(self, packet: Any) -> None:
        """Mux a packet of the input's audio or subtitle streams as it is (dropped where not copied)."""
        stream = self.copies.get(packet.stream.index)
        if stream is not None:
            packet.stream = stream
            self.container.mux(packet)

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        try:
            self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()

    def abort(self) -> None:
        try:
            self.container.close()
        except _ffmpeg_errors():
            pass


def software_of(path: str | Path) -> str | None:
    """The comment a clip's container records (colorzoo writes its marker there), or None."""
    try:
        av = deps.av()
    except Exception:  # noqa: BLE001 - without PyAV no clip is read, ours or not
        return None
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            found = container.metadata.get("comment")
    except Exception:  # noqa: BLE001 - any unreadable file is not ours
        return None
    return found if isinstance(found, str) else None
