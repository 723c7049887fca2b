"""The video half of ``colorzoo run``: options checked before any work, a progress bar in frames.

Kept apart from ``run.py`` so that photos and clips share one command, one summary and one exit
code while the video machinery (PyAV, OpenCV, zoo_core.video) loads only when a clip is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .common import err, note

StabilizeOption = Annotated[
    bool,
    typer.Option("--stabilize/--no-stabilize", help="Videos: carry colors along the motion, reset at cuts "
                 "(--no-stabilize: frame by frame)."),
]
VideoQualityOption = Annotated[
    int, typer.Option(min=0, max=51, help="Videos: CRF-like quality, 0 best .. 51 smallest (x264's scale).")
]
VideoCodecOption = Annotated[
    str, typer.Option(help="Videos: auto (H.264 where FFmpeg has it), h264, hevc, vp9, av1, mpeg4 or ffv1.")
]


class FramesPerSecond(ProgressColumn):
    def render(self, task: Any) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} frames/s")


def check_video_options(stabilize: bool, quality: int, codec: str) -> Any:
    """The ``VideoOptions``, or a one-line error (bad value, PyAV or OpenCV missing) before any work."""
    from ..video import deps
    from ..video.colorize import VideoOptions

    options = VideoOptions(stabilize=stabilize, quality=quality, codec=codec)
    options.check()
    deps.check()
    return options


def run_videos(colorizer: Any, videos: list[Path], output: Path, options: Any, **kwargs: Any) -> Any:
    """Colorize ``videos`` with a progress bar in frames (frames/s, ETA); returns the ``BatchReport``."""
    from ..video.colorize import colorize_videos

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), FramesPerSecond(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=err) as bar:
        tasks: dict[str, Any] = {}
        current: list[Any] = []

        def start(path: Path, total: int | None) -> None:
            current[:] = [bar.add_task(path.name, total=total)]
            tasks[str(path)] = current[0]

        def done(path: Path) -> None:
            task = tasks.get(str(path))
            if task is not None:
                bar.update(task, total=bar.tasks[task].completed)  # the estimate becomes the count
                bar.stop_task(task)

        report = colorize_videos(colorizer, videos, output, options=options, on_start=start,
                                 on_frames=lambda n: bar.advance(current[0], n) if current else None,
                                 on_done=done, notify=note, **kwargs)
    return report


def evaluate_clips(
    contenders: list[Any], clips: list[Path], *, size: int, limit: int | None, device: Any, batch_size: int,
    precision: str,
) -> Any:
    """``eval``/``compare`` on color videos: every model both ways, with a progress bar in frames."""
    from ..evaluation.video import evaluate_videos
    from ..video import deps
    from ..video.streams import VideoError, VideoInput

    deps.check()
    total = 0
    for clip in clips:
        try:
            with VideoInput(clip) as probe:
                estimate = probe.frames_estimate or 0
        except VideoError:
            estimate = 0
        total += min(estimate, limit) if limit else estimate
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), FramesPerSecond(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(f"{len(clips)} clips", total=total or None)
        return evaluate_videos(contenders, clips, size=size, limit=limit, device=device, batch_size=batch_size,
                               precision=precision, on_frames=lambda n: bar.advance(task, n), notify=note)


def video_table(result: Any, title: str) -> None:
    """The rows over all clips: markdown (pipes and CI logs never clip it)."""
    from ..evaluation.video_report import markdown_rows
    from .common import out

    out.print(f"{title}\n\n" + "\n".join(markdown_rows(result.rows)) + "\n", markup=False, highlight=False,
              soft_wrap=True)
