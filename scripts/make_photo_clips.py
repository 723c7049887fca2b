"""Clips made from validation photos, for measuring video stabilization where the truth is known.

Each clip has three shots (a pan, another pan or a zoom, ...) over three photos of
``splits/val.txt`` (never trained or tuned on), joined by hard cuts; the color frames are the
ground truth for ``colorzoo compare``. The photos are picked with a fixed seed from the everyday
folders (not flowers, pets or clothes), color only.

    python scripts/make_photo_clips.py /work/video-data/photo-clips --clips 4 --frames 30
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
from PIL import Image

from zoo_core.video import synthetic

ROOT = Path(__file__).resolve().parent.parent
NARROW = ("flowers", "pets", "clothes")


def val_photos() -> list[Path]:
    listed = ROOT / "splits" / "val.txt"
    paths = [(listed.parent / line.strip()).resolve() for line in listed.read_text().splitlines() if line.strip()]
    return [p for p in paths if p.exists() and not any(f"/{n}/" in str(p) for n in NARROW)]


def is_color(image: Image.Image) -> bool:
    pixels = np.asarray(image.convert("RGB")).astype(np.int16)
    return float(np.abs(pixels - pixels.mean(axis=2, keepdims=True)).mean()) > 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--frames", type=int, default=30, help="frames per shot")
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    photos = val_photos()
    random.Random(args.seed).shuffle(photos)
    chosen: list[np.ndarray] = []
    names: list[str] = []
    for path in photos:
        image = Image.open(path)
        if len(chosen) == 3 * args.clips:
            break
        if is_color(image) and min(image.size) >= 200:
            chosen.append(np.asarray(image.convert("RGB")))
            names.append(str(path.relative_to(path.parents[1])))
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Photo clips (scripts/make_photo_clips.py)", "",
             f"{args.clips} clips of 3 shots x {args.frames} frames, {args.width}x{args.height}, 25 fps, "
             f"H.264 CRF 12; photos from splits/val.txt (seed {args.seed}):", ""]
    for k in range(args.clips):
        shots = chosen[3 * k : 3 * k + 3]
        frames = synthetic.shots(shots, args.frames, (args.height, args.width), first_move=3 * k)
        path = synthetic.write_clip(args.out / f"photos{k + 1}.mp4", frames, 25, crf=12)
        lines.append(f"- {path.name}: {', '.join(names[3 * k : 3 * k + 3])}")
        print(path)
    (args.out / "SOURCES.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
