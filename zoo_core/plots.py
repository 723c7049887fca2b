"""Loss curves and other plots as PNG (matplotlib, headless)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .atomic import atomic_write


def plot_training_log(log_file: str | os.PathLike[str], out_file: str | os.PathLike[str]) -> Path:
    """Plot every loss column of a JSONL training log against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    try:
        return atomic_write(Path(out_file), lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
