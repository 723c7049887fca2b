"""End-to-end zhang-rebal inference: colorzoo against the upstream demo's way and against
onnxruntime (the runtime a user would pick instead), same run.

The baseline is what richzhang/colorization's demo does per image: numpy + scikit-image
``rgb2lab`` on the full-resolution photo (float64), a forward pass, ``F.interpolate`` and
scikit-image ``lab2rgb`` at full resolution. colorzoo computes only L at full resolution on
torch (float32), and joins it with the upsampled ab in strips.

Methods: ``baseline`` (the upstream demo), ``colorzoo`` (fp32), ``colorzoo-auto`` (``--precision
auto``: bf16 on CPUs with native bf16 and on GPUs, fp32 elsewhere; its mean CIE76 color difference
to fp32 on the same photo is printed beside it) and ``onnxruntime`` (the model exported by
``colorzoo export``, fp32, with colorzoo's own pre- and post-processing). All load the image from
disk and stop before encoding the output. Each (method, size) runs in a fresh process so that peak
RSS is its own. Weights are random: speed and memory do not depend on them.

``--breakdown`` times a 12-megapixel photo end to end with the bundled weights, as ``colorzoo run``
does it in-process: decode, colorize, encode (PNG at the default compression level, and JPEG).

    python benchmarks/bench_inference.py [--sizes 256 12mp] [--repeats 3] [--json out.json] [--breakdown]
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


METHODS = ("baseline", "colorzoo", "colorzoo-auto", "onnxruntime")


def _ours(model, path: Path, precision: str = "fp32"):
    from zoo_core import colorize, load_image

    return colorize(model, [load_image(path)], precision=precision)[0]


def _onnx_runner(model, folder: Path):
    """colorzoo's pipeline with the network and its decoding run by onnxruntime."""
    import onnxruntime
    import torch

    from zoo_core import load_image
    from zoo_core.render.export import export_onnx
    from zoo_core.render.render import join, photo_lightness, working_lightness

    session = onnxruntime.InferenceSession(str(export_onnx(model, folder / "model.onnx")),
                                           providers=["CPUExecutionProvider"])

    def run(_, path: Path):
        lightness = photo_lightness(load_image(path), torch.device("cpu"))
        small = working_lightness(lightness[None], 256).numpy()
        chroma = torch.from_numpy(session.run(["chroma"], {"lightness": small})[0][0])
        return join(lightness, chroma).permute(1, 2, 0).numpy()

    return run


def _delta_e76(a, b) -> float:
    import numpy as np
    from skimage import color

    return float(np.linalg.norm(color.rgb2lab(a) - color.rgb2lab(b), axis=-1).mean())


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
    from zoo_core.render.precision import precision_name, resolve_precision

    torch.manual_seed(0)
    model = create_model("zhang-rebal").eval()
    extra = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = _make_photo(size, Path(tmp))
        if method == "onnxruntime":
            run = _onnx_runner(model, Path(tmp))
        elif method == "colorzoo-auto":
            extra["precision"] = precision_name(resolve_precision("auto", torch.device("cpu")))

            def run(m, p):
                return _ours(m, p, "auto")
        else:
            run = _ours if method == "colorzoo" else _baseline
        out = run(model, path)  # warm-up
        assert out.shape[:2] == SIZES[size][::-1]
        start = time.perf_counter()
        for _ in range(repeats):
            run(model, path)
        seconds = (time.perf_counter() - start) / repeats
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the check below adds its own
        if method != "baseline":
            extra["delta_e76_vs_fp32"] = _delta_e76(out, _ours(model, path))
    return {
        "method": method,
        "size": size,
        "seconds_per_image": seconds,
        "images_per_s": 1.0 / seconds,
        "peak_rss_mb": peak_kib / 1024,
        "threads": torch.get_num_threads(),
        **extra,
    }


def breakdown(repeats: int) -> dict:
    """A 12 MP photo, decode -> colorize (bundled zhang-rebal) -> encode, as ``colorzoo run`` does it."""
    import torch

    from zoo_core import colorize, create_model, load_image
    from zoo_core.io.images import save_image

    model = create_model("zhang-rebal", pretrained=True).eval()
    times: dict[str, list[float]] = {"decode": [], "colorize": [], "encode png": [], "encode jpg": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = _make_photo("12mp", Path(tmp))
        for index in range(repeats + 1):
            start = time.perf_counter()
            photo = load_image(path)
            decoded = time.perf_counter()
            rgb = colorize(model, [photo], precision="auto")[0]
            colorized = time.perf_counter()
            save_image(rgb, Path(tmp) / f"out{index}.png")
            png = time.perf_counter()
            save_image(rgb, Path(tmp) / f"out{index}.jpg")
            jpg = time.perf_counter()
            if index:  # the first is a warm-up
                for key, value in zip(times, (decoded - start, colorized - decoded, png - colorized, jpg - png),
                                      strict=True):
                    times[key].append(value)
    mean = {key: sum(v) / len(v) for key, v in times.items()}
    mean["total png"] = mean["decode"] + mean["colorize"] + mean["encode png"]
    mean["total jpg"] = mean["decode"] + mean["colorize"] + mean["encode jpg"]
    return {"threads": torch.get_num_threads(), **mean}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--breakdown", action="store_true", help="also time a 12 MP photo end to end, by stage")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.repeats)))
        return

    results = []
    for size in args.sizes:
        for method in args.methods:
            cmd = [sys.executable, __file__, "--worker", method, size, "--repeats", str(args.repeats)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = results[-1]
            speed, peak = r["images_per_s"], r["peak_rss_mb"]
            print(f"{size:>5} {method:9} {speed:7.3f} img/s  peak RSS {peak:7.0f} MB", flush=True)

    def ratio(r: dict, peer: str) -> str:
        base = next((b for b in results if b["size"] == r["size"] and b["method"] == peer), None)
        return f"{r['images_per_s'] / base['images_per_s']:.2f}x" if base else "-"

    print("\n| size | method | images/s | s/image | peak RSS (MB) | vs baseline | vs onnxruntime | CIE76 vs fp32 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        method = r["method"] + (f" ({r['precision']})" if "precision" in r else "")
        delta = f"{r['delta_e76_vs_fp32']:.3f}" if "delta_e76_vs_fp32" in r else "-"
        print(f"| {r['size']} | {method} | {r['images_per_s']:.3f} | {r['seconds_per_image']:.2f} "
              f"| {r['peak_rss_mb']:.0f} | {ratio(r, 'baseline')} | {ratio(r, 'onnxruntime')} | {delta} |")
    report = {"results": results}
    if args.breakdown:
        report["breakdown_12mp"] = stages = breakdown(args.repeats)
        print("\n12 MP photo, bundled zhang-rebal, in-process (seconds):")
        print(" | ".join(f"{k} {v:.2f}" for k, v in stages.items() if k != "threads"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
