"""Split a photo collection into train / tune / val lists, stratified by folder, by file-name hash.

    python scripts/make_splits.py --data ../shared/data -o splits/ [--val 0.08] [--tune 0.04]

In every top-level folder the files are ordered by a hash of their folder and name; the first
``--val`` share is the validation split (reported, never trained or tuned on), the next ``--tune``
share the tuning split (for choosing hyperparameters and for the trainer's own validation), the
rest is for training. Adding files to a folder moves no existing file to another split. The lists
hold paths relative to the output folder, so ``colorzoo train --data splits/train.txt`` and
``colorzoo compare ... --data splits/val.txt`` read them from anywhere.

Beside them: ``val-general.txt`` and ``tune-general.txt``, the everyday-photo part of each split
(every folder but the narrow domains: flowers, pets, clothes), which the headline numbers and model
choices come from, ``val-narrow.txt``, the narrow domains of the validation split, reported beside,
and ``train-balanced.txt``, the training split with each everyday photo listed
``--general-weight`` times (3), so that sampling from it draws everyday scenes about 60% of the time
instead of 32%.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from zoo_core.io.files import find_images


def _score(folder: str, name: str) -> str:
    return hashlib.sha256(f"colorzoo-split:{folder}/{name}".encode()).hexdigest()


def split(root: Path, val: float, tune: float) -> dict[str, list[Path]]:
    splits: dict[str, list[Path]] = {"train": [], "tune": [], "val": []}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(find_images(folder), key=lambda p: _score(folder.name, p.relative_to(folder).as_posix()))
        n_val, n_tune = round(len(files) * val), round(len(files) * tune)
        splits["val"] += files[:n_val]
        splits["tune"] += files[n_val : n_val + n_tune]
        splits["train"] += files[n_val + n_tune :]
    return {k: sorted(v) for k, v in splits.items()}


#: Folders of one narrow domain each; everything else is an everyday (general) photo.
NARROW = ("flowers", "pets", "clothes")


def is_general(path: Path, root: Path) -> bool:
    return path.relative_to(root).parts[0] not in NARROW


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of photo folders")
    parser.add_argument("-o", "--output", type=Path, default=Path("splits"))
    parser.add_argument("--val", type=float, default=0.08)
    parser.add_argument("--tune", type=float, default=0.04)
    parser.add_argument("--general-weight", type=int, default=3, help="repeats of each everyday photo in "
                        "train-balanced.txt")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"error: {args.data}: not a folder", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    splits = split(args.data, args.val, args.tune)
    counts: dict[str, dict[str, int]] = {}
    for name, files in splits.items():
        lines = [os.path.relpath(p, args.output) for p in files]
        (args.output / f"{name}.txt").write_text("\n".join(lines) + "\n")
        for path in files:
            folder = path.relative_to(args.data).parts[0]
            counts.setdefault(folder, {}).setdefault(name, 0)
            counts[folder][name] += 1
    derived = {
        "val-general": [p for p in splits["val"] if is_general(p, args.data)],
        "val-narrow": [p for p in splits["val"] if not is_general(p, args.data)],
        "tune-general": [p for p in splits["tune"] if is_general(p, args.data)],
        "train-balanced": [p for p in splits["train"] for _ in range(args.general_weight if is_general(p, args.data)
                                                                      else 1)],
    }
    for name, files in derived.items():
        lines = [os.path.relpath(p, args.output) for p in files]
        (args.output / f"{name}.txt").write_text("\n".join(lines) + "\n")
    (args.output / "counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    print(", ".join(f"{name} {len(files)}" for name, files in splits.items()), f"-> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
