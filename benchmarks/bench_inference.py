"""End-to-end zhang-rebal inference: colorzoo against the upstream demo's way, same run.

The baseline is what richzhang/colorization's demo does per image: numpy + scikit-image
``rgb2lab`` on the full-resolution photo (float64), a forward pass, ``F.interpolate`` and
scikit-image ``lab2rgb`` at full resolution. colorzoo computes only L at full resolution on
torch (float32), and joins it with the upsampled ab in strips.

Both load the image from disk and stop before encoding the output (the same for both). Each
(method, size) runs in a fresh process so that peak RSS is its own. Weights are random: speed
and memory do not depend on them.

    python benchmarks/bench_inference.py [--sizes 256 12mp] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"256": (256, 256), "12mp": (4000, 3000)}


def _make_photo(size: str, folder: Path) -> Path:
    import numpy as np
    from PIL import Image
    from skimage import data

    path = folder / f"photo_{size}.jpg"
    gray = Image.fromarray(data.astronaut()).convert("L").resize(SIZES[size], Image.Resampling.BICUBIC)
    noise = np.random.default_rng(0).normal(0, 3, (gray.height, gray.width))  # keep it photo-like
    Image.fromarray(np.clip(np.asarray(gray) + noise, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


def _ours(model, path: Path):
    from zoo_core import colorize, load_image

    return colorize(model, [load_image(path)])[0]


def _baseline(model, path: Path):
    """The upstream demo pipeline (colorizers/util.py: load_img, preprocess_img, postprocess_tens)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from PIL import Image
    from skimage import color

    img = np.asarray(Image.open(path))
    if img.ndim == 2:
        img = np.tile(img[:, :, None], 3)
    img_rs = np.asarray(Image.fromarray(img).resize((256, 256), resample=3))
    l_orig = torch.Tensor(color.rgb2lab(img)[:, :, 0])[None, None]
    l_rs = torch.Tensor(color.rgb2lab(img_rs)[:, :, 0])[None, None]
    with torch.no_grad():
        ab = model.predict(l_rs)
    ab_orig = F.interpolate(ab, size=l_orig.shape[2:], mode="bilinear")
    lab = torch.cat((l_orig, ab_orig), dim=1)[0].numpy().transpose((1, 2, 0))
    return (color.lab2rgb(lab) * 255).astype(np.uint8)


def worker(method: str, size: str, repeats: int) -> dict:
    import torch

    from zoo_core import create_model

    torch.manual_seed(0)
    model = create_model("zhang-rebal").eval()
    run = _ours if method == "colorzoo" else _baseline
    with tempfile.TemporaryDirectory() as tmp:
        path = _make_photo(size, Path(tmp))
        out = run(model, path)  # warm-up
        assert out.shape[:2] == SIZES[size][::-1]
        start = time.perf_counter()
        for _ in range(repeats):
            run(model, path)
        seconds = (time.perf_counter() - start) / repeats
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "method": method,
        "size": size,
        "seconds_per_image": seconds,
        "images_per_s": 1.0 / seconds,
        "peak_rss_mb": peak_kib / 1024,
        "threads": torch.get_num_threads(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats)))
        return

    results = []
    for size in args.sizes:
        for method in ("baseline", "colorzoo"):
            cmd = [sys.executable, __file__, "--worker", method, size, "--repeats", str(args.repeats)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = results[-1]
            speed, peak = r["images_per_s"], r["peak_rss_mb"]
            print(f"{size:>5} {method:9} {speed:7.3f} img/s  peak RSS {peak:7.0f} MB", flush=True)

    print("\n| size | method | images/s | s/image | peak RSS (MB) | speed-up vs baseline |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        base = next(b for b in results if b["size"] == r["size"] and b["method"] == "baseline")
        ratio = r["images_per_s"] / base["images_per_s"]
        print(
            f"| {r['size']} | {r['method']} | {r['images_per_s']:.3f} | {r['seconds_per_image']:.2f} "
            f"| {r['peak_rss_mb']:.0f} | {ratio:.2f}x |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
