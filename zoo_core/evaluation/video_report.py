"""The report of a video comparison: tables (markdown, JSON, CSV) and pictures (frame strips, mean ab over time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..io.atomic import write_text
from ..io.grid import save_grid
from ..io.plots import _pyplot, save_figure
from .video import COLUMNS, HEADERS, STABILIZED, TRUTH, ClipResult, VideoEvaluation


def markdown_rows(rows: list[dict[str, Any]], first: str = "model") -> list[str]:
    shown = [c for c in COLUMNS if any(c in r for r in rows)]
    lines = [f"| {first} | " + " | ".join(HEADERS[c] for c in shown) + " |", "|---|" + "---:|" * len(shown)]
    for row in rows:
        cells = [_cell(row.get(c), c) for c in shown]
        lines.append(f"| {row[first]} | " + " | ".join(cells) + " |")
    return lines


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column == "frames":
        return str(int(value))
    if column.startswith("cdc"):
        return f"{value:.5f}"
    return f"{value:.2f}" if column in ("auc", "colorfulness", "fps") else f"{value:.3f}"


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(name).stem)


def strip_picture(clip: ClipResult, path: Path, cell_height: int = 128, gap: int = 4) -> Path:
    """The kept frames left to right (frame numbers on top), one row per version (its name on the
    left): gray input, each model frame by frame and stabilized, the truth."""
    from PIL import Image, ImageDraw, ImageFont

    labels = list(clip.strip)
    font = ImageFont.load_default()
    cells = [[Image.fromarray(f[..., :3]) for f in clip.strip[label]] for label in labels]
    first = cells[0][0]
    width = max(1, round(first.width * cell_height / first.height))
    cells = [[c.resize((width, cell_height), Image.Resampling.LANCZOS) for c in row] for row in cells]
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = max(int(measure.textlength(label, font=font)) for label in labels) + 2 * gap
    top = 18
    columns = len(clip.strip_frames)
    canvas = Image.new("RGB", (label_w + columns * (width + gap) + gap, top + len(labels) * (cell_height + gap) + gap),
                       (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for c, frame in enumerate(clip.strip_frames):
        draw.text((label_w + c * (width + gap) + 2, 3), f"frame {frame}", fill=(0, 0, 0), font=font)
    for r, (label, row) in enumerate(zip(labels, cells, strict=True)):
        y = top + r * (cell_height + gap)
        draw.text((gap, y + cell_height // 2 - 6), label, fill=(0, 0, 0), font=font)
        for c, cell in enumerate(row):
            canvas.paste(cell, (label_w + c * (width + gap), y))
    return save_grid(canvas, path)


def ab_plot(clip: ClipResult, path: Path) -> Path:
    """Mean a and mean b of every frame, per row, with the detected cuts marked."""
    fig, axes = _pyplot().subplots(2, 1, figsize=(9, 5.5), dpi=100, sharex=True)
    for label, meter in clip.rows.items():
        if not meter.mean_ab or label.startswith("grayscale"):
            continue
        style = {"color": "black", "linestyle": "--", "linewidth": 1.2} if label == TRUTH else {"linewidth": 1.2}
        for k, ax in enumerate(axes):
            ax.plot([m[k] for m in meter.mean_ab], label=label, **style)
    cuts = sorted({c for found in clip.cuts.values() for c in found if c > 0})
    for ax, name in zip(axes, ("mean a (- green, + red)", "mean b (- blue, + yellow)"), strict=True):
        for c in cuts:
            ax.axvline(c, color="gray", linewidth=0.8, linestyle=":")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[1].set_xlabel("frame (dotted: cuts the stabilizer detected)")
    axes[0].legend(fontsize=8, loc="best")
    axes[0].set_title(f"{clip.name}: mean chroma over time")
    fig.tight_layout()
    return save_figure(fig, path)


def write_video_report(result: VideoEvaluation, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {"metrics.json": write_text(out / "metrics.json", result.json())}
    files["metrics.csv"] = write_text(out / "metrics.csv", result.csv())
    lines = ["# colorzoo video comparison", "", ", ".join(f"{k}: {v}" for k, v in result.meta.items()), "",
             *markdown_rows(result.rows), "",
             "AuC and colorfulness: per frame, as for photos. Warp error: mean ab change between a frame and the "
             "previous one warped onto it (Farneback flow on the truth's lightness, trusted pixels only). CDC: "
             "color distribution consistency (TCVC), Jensen-Shannon divergence of RGB histograms of frames i and "
             "i+1, i+2, i+4. Lower is steadier; `- truth` is the excess over the ground truth's own.", ""]
    for clip in result.clips:
        slug = _slug(clip.name)
        lines += [f"## {clip.name}", "", *markdown_rows(clip.table()), ""]
        for label, cuts in clip.cuts.items():
            lines.append(f"- {label} {STABILIZED}: cuts detected at frames {', '.join(map(str, cuts))}; "
                         f"stabilizer {clip.stabilizer_ms[label]:.1f} ms/frame")
        files[f"strip_{slug}.png"] = strip_picture(clip, out / f"strip_{slug}.png")
        files[f"ab_{slug}.png"] = ab_plot(clip, out / f"ab_{slug}.png")
        lines += ["", f"![frames {', '.join(map(str, clip.strip_frames))}](strip_{slug}.png)", "",
                  f"![mean a and b over time](ab_{slug}.png)", ""]
    files["report.md"] = write_text(out / "report.md", "\n".join(lines))
    return files
