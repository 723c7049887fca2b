"""What video stabilization costs per frame, against the model it stabilizes, in the same run.

    python benchmarks/bench_video.py [--model zhang-rebal-lite] [--size 640x360] [--frames 48]

A clip made from scikit-image photos (pans, a zoom, hard cuts) is colorized twice through
``colorize_video`` (decode, model, join, H.264 encode), frame by frame and stabilized; the
stabilizer's own time per frame (flow both ways, trust checks, warp, blend) is reported beside
the model's. Target: the stabilizer costs under 15% of the model per frame (``--target``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="zhang-rebal-lite")
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT of the clip")
    parser.add_argument("--frames", type=int, default=48, help="frames in all (three shots)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--target", type=float, default=0.15, help="stabilizer / model time per frame")
    args = parser.parse_args()
    from PIL import Image
    from skimage import data

    from zoo_core import create_model
    from zoo_core.video import synthetic
    from zoo_core.video.colorize import VideoOptions, colorize_video

    width, height = map(int, args.size.lower().split("x"))
    photos = [np.asarray(Image.fromarray(getattr(data, n)()).resize((width, height)))
              for n in ("astronaut", "coffee", "chelsea")]
    model = create_model(args.model, pretrained=True)
    print(f"{args.model}, {width}x{height}, {args.frames} frames, batch {args.batch_size}, "
          f"{torch.get_num_threads()} torch threads")
    with tempfile.TemporaryDirectory() as tmp:
        clip = synthetic.write_clip(Path(tmp) / "clip.mp4", synthetic.shots(photos, args.frames // 3, (height, width)))
        rows = {}
        for stabilize in (False, True):
            start = time.perf_counter()
            result = colorize_video(model, clip, Path(tmp) / f"out{stabilize}.mp4", batch_size=args.batch_size,
                                    options=VideoOptions(stabilize=stabilize))
            rows[stabilize] = (result, time.perf_counter() - start)
    print("| mode | frames/s end to end | model ms/frame | stabilizer ms/frame |")
    print("|---|---:|---:|---:|")
    for stabilize, (result, seconds) in rows.items():
        model_ms, stabilizer_ms = (1000 * t / result.frames for t in (result.model_seconds, result.stabilize_seconds))
        mode = "stabilized" if stabilize else "frame by frame"
        print(f"| {mode} | {result.frames / seconds:.2f} | {model_ms:.1f} | {stabilizer_ms:.1f} |")
    stable = rows[True][0]
    ratio = stable.stabilize_seconds / stable.model_seconds
    verdict = "ok" if ratio <= args.target else "OVER"
    print(f"\nstabilizer / model per frame: {ratio:.3f} (target <= {args.target}): {verdict}; cuts at {stable.cuts}")


if __name__ == "__main__":
    main()
