"""Comparison reports: numbers (JSON, CSV, markdown) and pictures (grid, trade-off, sweeps)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

from ..io.atomic import write_text
from ..io.grid import image_grid, save_grid
from ..io.plots import plot_sweep, plot_tradeoff
from .metrics import paired_difference
from .scores import GRAYSCALE, METRICS, EvalImage, Scores, columns, setting_text

HEADERS = {
    "auc": "AuC %",
    "auc_rebal": "AuC rebal %",
    "rmse_ab": "RMSE ab",
    "rmse_rgb": "RMSE RGB",
    "psnr": "PSNR dB",
    "ssim": "SSIM",
    "colorfulness": "colorful",
    "colorfulness_diff": "colorful - GT",
    "fid": "FID",
}


def row_label(score: Scores) -> str:
    return f"{score.label} {setting_text(score.setting)}" if score.setting else score.label


def summary_rows(scores: Sequence[Scores]) -> list[dict[str, object]]:
    """Mean metrics per row; rows other than the baseline add ``auc_vs_gray`` (``paired_difference``)."""
    gray = next((s for s in scores if s.label == GRAYSCALE), None)
    rows = []
    for score in scores:
        row: dict[str, object] = {"model": row_label(score), "setting": dict(score.setting), **score.summary()}
        if gray is not None and score is not gray:
            row["auc_vs_gray"] = auc_against(score, gray)
        rows.append(row)
    return rows


def auc_against(score: Scores, baseline: Scores, group: str | None = None) -> dict[str, float]:
    """Per-image AuC of ``score`` minus the baseline's on the same images (of one ``group``), bootstrapped."""
    theirs = {_key(row): row["auc"] for row in baseline.per_image}
    mine = [row for row in score.per_image if _key(row) in theirs and group in (None, row.get("group"))]
    return paired_difference([row["auc"] for row in mine], [theirs[_key(row)] for row in mine])


def _key(row: dict) -> tuple:
    return row.get("group", ""), row["image"]


def folder_rows(scores: Sequence[Scores]) -> list[dict[str, object]]:
    """Per folder and row: images, AuC, AuC against grayscale (with its interval), colorfulness and the truth's."""
    gray = next((s for s in scores if s.label == GRAYSCALE), None)
    groups = sorted({row.get("group", "") for s in scores for row in s.per_image})
    if gray is None or len(groups) < 2:
        return []
    table = []
    for group in groups:
        for score in scores:
            rows = [r for r in score.per_image if r.get("group", "") == group]
            entry: dict[str, object] = {
                "folder": group, "model": row_label(score), "images": len(rows),
                "auc": sum(r["auc"] for r in rows) / len(rows),
                "colorfulness": sum(r["colorfulness"] for r in rows) / len(rows),
                "truth_colorfulness": sum(r["colorfulness"] - r["colorfulness_diff"] for r in rows) / len(rows),
                "psnr": sum(r["psnr"] for r in rows) / len(rows),
            }
            if score is not gray:
                entry["auc_vs_gray"] = auc_against(score, gray, group)
            table.append(entry)
    return table


def folder_lines(table: Sequence[dict[str, object]]) -> list[str]:
    lines = ["| folder | model | images | AuC % | AuC - gray [95% interval] | colorfulness (truth) | PSNR dB |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for row in table:
        versus = interval_text(row["auc_vs_gray"]) if "auc_vs_gray" in row else ""  # type: ignore[arg-type]
        lines.append(f"| {row['folder']} | {row['model']} | {row['images']} | {row['auc']:.2f} | {versus} | "
                     f"{row['colorfulness']:.1f} ({row['truth_colorfulness']:.1f}) | {row['psnr']:.2f} |")
    return lines


def versus_gray_lines(rows: Sequence[dict[str, object]]) -> list[str]:
    """A markdown table of each model's AuC against the grayscale baseline, image by image."""
    paired = [(row["model"], row["auc_vs_gray"]) for row in rows if "auc_vs_gray" in row]
    if not paired:
        return []
    lines = ["| model | AuC - gray [95% interval] | images above gray |", "|---|---:|---:|"]
    lines += [f"| {model} | {interval_text(d)} | {d['wins']}/{d['images']} |" for model, d in paired]
    return lines


def interval_text(d: dict[str, float]) -> str:
    return f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"


def markdown_table(rows: Sequence[dict[str, object]]) -> str:
    shown = columns(list(rows))
    lines = ["| model | " + " | ".join(HEADERS[m] for m in shown) + " |", "|---|" + "---:|" * len(shown)]
    for row in rows:
        lines.append(f"| {row['model']} | " + " | ".join(f"{row[m]:.3f}" if m in row else "" for m in shown) + " |")
    return "\n".join(lines)


def per_image_csv(scores: Sequence[Scores]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["image", "folder", "model", "setting", *METRICS])
    for score in scores:
        for row in score.per_image:
            values = (f"{row[m]:.6g}" for m in METRICS)
            writer.writerow([row["image"], row.get("group", ""), score.label, setting_text(score.setting), *values])
    return buffer.getvalue()


def write_report(
    out_dir: str | os.PathLike[str],
    scores: Sequence[Scores],
    rows: Sequence[dict[str, object]],
    images: Sequence[EvalImage],
    sweep: dict[str, list[dict[str, object]]] | None = None,
    meta: dict[str, object] | None = None,
) -> dict[str, Path]:
    """Write metrics.json, metrics.csv, grid.png, tradeoff.png, (sweep.png) and report.md into ``out_dir``.

    ``rows`` are ``summary_rows(scores)``, computed once by the caller (bootstrap intervals included).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_folder = folder_rows(scores)
    written = {
        "metrics.json": write_text(
            out / "metrics.json",
            json.dumps(
                {
                    "meta": meta or {},
                    "summary": rows,
                    "by_folder": by_folder,
                    "sweep": sweep or {},
                    "per_image": {row_label(s): s.per_image for s in scores},
                },
                indent=2,
            ),
        ),
        "metrics.csv": write_text(out / "metrics.csv", per_image_csv(scores)),
    }
    shown = [s for s in scores if s.outputs]
    grid_rows = []
    gray = next(s for s in scores if s.label == GRAYSCALE)
    for i in range(len(gray.outputs)):
        truth = images[i].rgb.permute(1, 2, 0).numpy()
        grid_rows.append([s.outputs[i] for s in shown] + [truth])
    if grid_rows:
        titles = ["gray input" if s.label == GRAYSCALE else row_label(s) for s in shown] + ["ground truth"]
        written["grid.png"] = save_grid(image_grid(grid_rows, titles, cell_height=160), out / "grid.png")
    written["tradeoff.png"] = plot_tradeoff(rows, out / "tradeoff.png")
    if sweep:
        written["sweep.png"] = plot_sweep(sweep, out / "sweep.png")

    lines = ["# colorzoo comparison", ""]
    if meta:
        lines += [", ".join(f"{k}: {v}" for k, v in meta.items()), ""]
    lines += [
        markdown_table(rows),
        "",
        f"AuC: share of pixels within an ab distance threshold, integrated over 0-150 (Zhang et al.); "
        f"rebal: pixels weighted by the inverse frequency of their true color bin. "
        f"`{GRAYSCALE}` is the ab = 0 baseline every method must beat.",
        "",
    ]
    if versus := versus_gray_lines(rows):
        lines += ["## Against the grayscale baseline", "",
                  "Per-image AuC minus the baseline's, averaged; the interval is a 95% bootstrap over the images.",
                  "", *versus, ""]
    if by_folder:
        lines += ["## Per folder", "", *folder_lines(by_folder), ""]
    if "grid.png" in written:
        lines += ["## Pictures", "", "![gray input, each model, ground truth](grid.png)", ""]
    lines += ["## Accuracy against colorfulness", "", "![AuC against colorfulness](tradeoff.png)", ""]
    if sweep:
        lines += ["## Sweeps", "", "Each model at the values of the control its spec declares sweepable.", "",
                  "![AuC and colorfulness along each sweep](sweep.png)", ""]
        lines += ["| model | control | value | AuC % | AuC rebal % | colorfulness |", "|---|---|---:|---:|---:|---:|"]
        for label, points in sweep.items():
            lines += [f"| {label} | {p['control']} | {p['value']} | {p['auc']:.2f} | {p['auc_rebal']:.2f} | "
                      f"{p['colorfulness']:.2f} |" for p in points]
        lines.append("")
    written["report.md"] = write_text(out / "report.md", "\n".join(lines))
    return written
