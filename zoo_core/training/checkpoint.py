"""Checkpoints and the run's records: model, optimizer, scheduler, step and RNG states, written atomically;
the training log; what changed when a run is resumed.

A run killed at any moment resumes from its last checkpoint exactly: the RNG states come back and
the data order is a function of (seed, epoch), so the resumed run sees the batches the interrupted
one would have seen.
"""

from __future__ import annotations

import json
import pickle
import random
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ColorzooError
from ..io.atomic import atomic_write, write_text
from ..models.colorizer import Colorizer
from ..weights.convert import unpickling_reason
from .config import CONFIG_NAME, RESUME_SENSITIVE, TrainConfig, jsonable
from .step import TrainingStep


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint written by this engine, on the CPU whatever device wrote it; one line if it is not one."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile,
            AttributeError, TypeError) as exc:
        reason = unpickling_reason(exc)
        raise ColorzooError(f"{path}: not a colorzoo training checkpoint that loads safely ({reason})") from None
    keys = {"step", "config", "model", "training_step", "rng"}
    if not isinstance(checkpoint, dict) or not keys <= set(checkpoint):
        raise ColorzooError(f"{path}: not a colorzoo training checkpoint (expected the keys {', '.join(sorted(keys))})")
    return checkpoint


def save_checkpoint(path: Path, model: Colorizer, step_impl: TrainingStep, step: int) -> None:
    state = {
        "step": step,
        "config": json.dumps(model.config.to_dict()),
        "model": model.state_dict(),
        "training_step": step_impl.state_dict(),
        "rng": get_rng_state(),
    }
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def get_rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "python": list(random.getstate()[1])}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate((3, tuple(state["python"]), None))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def append_log(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def truncate_log(path: Path, step: int) -> None:
    """Forget log lines written after the checkpoint we resume from."""
    if path.exists():
        rows = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
        write_text(path, "".join(r + "\n" for r in rows))


def resume_notes(cfg: TrainConfig, out: Path, start_step: int, total_steps: int) -> list[str]:
    """What a resumed run changes against the run it continues (refused where nothing is left to train)."""
    if start_step >= total_steps:
        raise ColorzooError(
            f"--resume: the checkpoint in {out} is at step {start_step:,}, which --steps/--epochs ({total_steps:,} "
            "steps) does not go past; nothing to train (raise --steps to train longer)"
        )
    try:
        before = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    notes = []
    planned = before.get("total_steps")
    if isinstance(planned, int) and planned != total_steps:
        notes.append(f"this run was planned for {planned:,} steps and continues from step {start_step:,} to "
                     f"{total_steps:,}: its learning-rate schedule is stretched to the new length from here on")
    now = jsonable(vars(cfg))
    changed = [f"--{k.replace('_', '-')} {now[k]} (was {before[k]})" for k in RESUME_SENSITIVE
               if k in before and before[k] != now.get(k)]
    if changed:
        notes.append(f"resumed with other options than the run was started with: {', '.join(changed)}")
    return notes


def record_run(out: Path, info: dict[str, Any], start_step: int, notes: list[str]) -> None:
    """``train_config.json``: the options and data of the run, with the history of its resumptions."""
    history: list[Any] = []
    try:
        history = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8")).get("resumed", [])
    except (OSError, ValueError):
        pass
    if start_step:
        history = [*history, {"step": start_step, "notes": notes}]
    write_text(out / CONFIG_NAME, json.dumps({**info, "resumed": history}, indent=2))
