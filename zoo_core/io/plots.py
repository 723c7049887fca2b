"""Loss curves and other plots as PNG (matplotlib, headless)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .atomic import atomic_write


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | os.PathLike[str]) -> Path:
    """Write a matplotlib figure as PNG, atomically, and free it."""
    try:
        return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        _pyplot().close(fig)


def plot_training_log(log_file: str | os.PathLike[str], out_file: str | os.PathLike[str]) -> Path:
    """Plot every loss column of a JSONL training log against the step."""
    plt = _pyplot()
    rows = [json.loads(line) for line in Path(log_file).read_text().splitlines() if line.strip()]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    keys = sorted({k for r in rows for k in r if "loss" in k})
    for key in keys:
        points = [(r["step"], r[key]) for r in rows if key in r]
        marker = "o" if key.startswith("val") else None
        ax.plot([p[0] for p in points], [p[1] for p in points], label=key, marker=marker)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(Path(log_file).parent.name)
    ax.grid(alpha=0.3)
    if keys:
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, out_file)


def plot_sweep(sweep: dict[str, list[dict[str, object]]], path: str | os.PathLike[str]) -> Path:
    """AuC and colorfulness along each model's sweep of its sweepable control, one line per model
    (a log axis where the values are positive and span more than a decade)."""
    fig, (left, right) = _pyplot().subplots(1, 2, figsize=(10, 4), dpi=100)
    controls = sorted({str(p["control"]) for points in sweep.values() for p in points})
    values: list[float] = []
    for label, points in sweep.items():
        xs = [float(p["value"]) for p in points]  # type: ignore[arg-type]
        values += xs
        left.plot(xs, [p["auc"] for p in points], marker="o", label=label)
        right.plot(xs, [p["colorfulness"] for p in points], marker="o", label=label)
    for ax, name in ((left, "AuC %"), (right, "colorfulness")):
        if values and min(values) > 0 and max(values) / min(values) > 10:
            ax.set_xscale("log")
        ax.set_xlabel(" / ".join(controls))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"sweep of {' / '.join(controls)}")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_tradeoff(rows: list[dict[str, object]], path: str | os.PathLike[str]) -> Path:
    """AuC against colorfulness, one point per row of a comparison.

    The two pull apart: gray scores well on AuC with no color at all, vivid wrong guesses lose
    AuC. Dashed lines mark the grayscale baseline's AuC and the ground truth's colorfulness.
    """
    fig, ax = _pyplot().subplots(figsize=(7, 5), dpi=100)
    for i, row in enumerate(sorted(rows, key=lambda r: r["auc"])):
        ax.scatter(row["colorfulness"], row["auc"], s=30)
        # neighbours in AuC alternate above and below their point, so close labels do not overlap
        ax.annotate(str(row["model"]), (row["colorfulness"], row["auc"]), fontsize=8,
                    xytext=(4, 4 if i % 2 else -11), textcoords="offset points")
        if row["model"] == "grayscale":
            ax.axhline(row["auc"], color="gray", linestyle="--", linewidth=1, label="grayscale AuC")
    truth = [row["colorfulness"] - row["colorfulness_diff"] for row in rows]
    if truth:
        ax.axvline(sum(truth) / len(truth), color="tab:green", linestyle="--", linewidth=1,
                   label="ground-truth colorfulness")
        ax.legend(loc="lower left")
    ax.set_xlabel("colorfulness (Hasler and Suesstrunk)")
    ax.set_ylabel("AuC %")
    ax.set_title("accuracy against colorfulness")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)
