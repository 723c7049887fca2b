"""``colorzoo run`` on the local engine against ``--engine ray`` with 1 and 2 workers: same photos, same run.

What a user pays, measured as a user runs it: each configuration is ``colorzoo run MODEL DIR -o OUT``
in a fresh process (Python, torch, the weights, Ray and its actors when asked, the photos, the
summary), once on ``--small`` photos and once on ``--large``. Wall time is close to ``T(N) = fixed
+ N / rate``: two runs give each configuration its fixed cost (start-up) and its marginal rate
(images/s once running), and so the number of photos from which Ray's rate pays for its start-up
(never, where its rate is not above the local engine's).

Configurations: ``local`` (one process, torch's default threads: one a core); ``local-1t`` (the
same with one thread: where other jobs share the cores, OpenMP threads wait on each other whenever
one is descheduled, which costs the local engine more than Ray's one-thread workers); ``ray-1``
(one worker: one CPU, one torch thread, the other CPUs decode and write in Ray tasks); ``ray-2``
(two workers of half a CPU each, one torch thread each, one CPU for decoding and writing).
``--gpus-per-worker 1`` makes the Ray workers GPU workers and the local engine run on ``cuda``.

Photos: grayscale JPEGs cut from scikit-image's pictures at ``--size`` (each one different), or
``--photos DIR``. Models: bundled weights, offline.

    python benchmarks/bench_ray.py [--models zhang-rebal-lite zhang-rebal.compact] [--size 640x480]
        [--small 16] [--large 160] [--batch-size 4] [--json out.json] [--plot docs/ray/bench.png]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    import numpy as np
    from PIL import Image
    from skimage import data

    names = ("astronaut", "coffee", "chelsea", "rocket", "camera", "immunohistochemistry", "hubble_deep_field")
    pictures = [np.asarray(getattr(data, name)()) for name in names]
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        picture = Image.fromarray(pictures[i % len(pictures)]).convert("L")
        scale = rng.uniform(0.6, 1.0)
        width, height = int(picture.width * scale), int(picture.height * scale)
        left, top = rng.integers(0, picture.width - width + 1), rng.integers(0, picture.height - height + 1)
        crop = picture.crop((left, top, left + width, top + height)).resize(size, Image.Resampling.BICUBIC)
        path = folder / f"scan{i:05d}.jpg"
        crop.save(path, quality=90)
        paths.append(path)
    return paths


def configurations(gpus: float) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (options of colorzoo run, environment)."""
    one_thread = {"OMP_NUM_THREADS": "1"}
    if gpus:
        return {"local": (["--device", "cuda"], {}),
                "ray-1": (["--engine", "ray", "--workers", "1", "--gpus-per-worker", str(gpus)], {}),
                "ray-2": (["--engine", "ray", "--workers", "2", "--gpus-per-worker", str(gpus)], {})}
    return {"local": ([], {}),
            "local-1t": ([], one_thread),
            "ray-1": (["--engine", "ray", "--workers", "1"], {}),
            "ray-2": (["--engine", "ray", "--workers", "2", "--cpus-per-worker", "0.5"], {})}


def timed_run(
    model: str, photos: Path, options: list[str], batch_size: int, extra_env: dict[str, str]
) -> tuple[float, int, str]:
    """Wall seconds of one ``colorzoo run``, the outputs it wrote, its summary line."""
    with tempfile.TemporaryDirectory(prefix="bench-ray-out-") as out:
        env = {**os.environ, "COLORZOO_OFFLINE": "1", **extra_env}
        cmd = [str(BIN / "colorzoo"), "run", model, str(photos), "-o", out, "--batch-size", str(batch_size), *options]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
        written = len([p for p in Path(out).iterdir() if p.suffix == ".jpg"])
    return seconds, written, done.stdout.strip().splitlines()[-1]


def fit(small: int, large: int, t_small: float, t_large: float) -> tuple[float, float]:
    """(fixed seconds, images/s) of T(N) = fixed + N / rate through the two points."""
    if t_large <= t_small:
        raise SystemExit(f"{large} photos took no longer than {small} ({t_large:.1f} s <= {t_small:.1f} s): the "
                         "machine is too busy to measure; rerun with --repeats 3 or a larger --large")
    rate = (large - small) / (t_large - t_small)
    return max(t_small - small / rate, 0.0), rate


def break_even(local: dict, other: dict) -> float | None:
    """Photos from which ``other`` finishes first: fixed_o + N/r_o < fixed_l + N/r_l."""
    gain = 1 / local["rate"] - 1 / other["rate"]
    if gain <= 0:
        return None
    return max(other["fixed"] - local["fixed"], 0.0) / gain


def cpu_stages(model_name: str, photos: list[Path], batch_size: int) -> dict[str, float]:
    """CPU seconds a photo, one thread, in this process: decoding, colorizing, encoding (JPEG, what
    --format same writes for these). CPU time is what other jobs on the machine inflate least, so this
    is the number to scale from: a core does 1 / total photos a second, a GPU node's CPUs at most
    cores / (decode + encode)."""
    import torch

    from zoo_core import create_model
    from zoo_core.io.images import load_image, save_image
    from zoo_core.render.batch import colorize_photos

    torch.set_num_threads(1)
    model = create_model(model_name, pretrained=True)
    spent = {"decode_s": 0.0, "colorize_s": 0.0, "encode_s": 0.0}
    with tempfile.TemporaryDirectory() as out:
        for start in range(0, len(photos), batch_size):
            chunk = photos[start : start + batch_size]
            began = time.process_time()
            loaded = [load_image(path) for path in chunk]
            decoded = time.process_time()
            results = colorize_photos(model, loaded, chunk, {}, "cpu", "fp32")
            colorized = time.process_time()
            for index, pixels in enumerate(results):
                save_image(pixels, Path(out) / f"{start + index}.jpg")
            encoded = time.process_time()
            spent["decode_s"] += decoded - began
            spent["colorize_s"] += colorized - decoded
            spent["encode_s"] += encoded - colorized
    return {key: value / len(photos) for key, value in spent.items()}


def cpu_line() -> str:
    text = Path("/proc/cpuinfo").read_text(errors="ignore") if Path("/proc/cpuinfo").exists() else ""
    name = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), "?")
    flags = [f for f in ("avx512_bf16", "amx_bf16", "avx2") if f" {f}" in text]
    return f"{name}, {os.cpu_count()} cores, {', '.join(flags) or 'no AVX2'}"


def plot(results: list[dict], large: int, path: Path, note: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    models = list(dict.fromkeys(r["model"] for r in results))
    fig, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4), squeeze=False)
    colors = {"local": "tab:blue", "local-1t": "tab:purple", "ray-1": "tab:orange", "ray-2": "tab:green"}
    counts = np.linspace(0, 2 * large, 50)
    for axis, model in zip(axes[0], models, strict=True):
        for r in (r for r in results if r["model"] == model):
            color = colors.get(r["config"], "gray")
            axis.plot(counts, r["fixed"] + counts / r["rate"], color=color,
                      label=f"{r['config']}: {r['fixed']:.0f} s + N / {r['rate']:.1f} per s")
            axis.scatter([r["small"], r["large"]], [r["t_small"], r["t_large"]], color=color, s=18)
        axis.set_title(model)
        axis.set_xlabel("photos")
        axis.set_ylabel("wall seconds of colorzoo run")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    fig.suptitle(f"colorzoo run, local engine vs --engine ray: {cpu_line()}{note}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["zhang-rebal-lite", "zhang-rebal.compact"])
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT of the photos made here")
    parser.add_argument("--photos", type=Path, help="use these photos (a folder) instead; --large of them")
    parser.add_argument("--small", type=int, default=16)
    parser.add_argument("--large", type=int, default=160)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--configs", nargs="+", default=["local", "local-1t", "ray-1", "ray-2"])
    parser.add_argument("--gpus-per-worker", type=float, default=0.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    width, height = map(int, re.fullmatch(r"(\d+)x(\d+)", args.size).groups())

    scratch = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        sources = (sorted(p for p in args.photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
                   if args.photos else make_photos(scratch / "all", args.large, (width, height)))
        folders = {}
        for count in (args.small, args.large):
            folders[count] = scratch / f"n{count}"
            folders[count].mkdir()
            for source in sources[:count]:
                shutil.copy(source, folders[count] / source.name)
        load = os.getloadavg()[0]
        print(f"{cpu_line()}; load average {load:.1f} at the start", flush=True)
        results: list[dict] = []
        stages: dict[str, dict[str, float]] = {}
        configs = configurations(args.gpus_per_worker)
        for model in args.models:
            for name in args.configs:
                times = {}
                for count in (args.small, args.large):
                    for _ in range(args.repeats):  # the fastest of a few: other work on the machine only adds
                        seconds, written, summary = timed_run(model, folders[count], *configs[name][:1],
                                                              args.batch_size, configs[name][1])
                        assert written == count, (model, name, count, summary)
                        times[count] = min(seconds, times.get(count, seconds))
                        print(f"{model:20} {name:6} {count:5} photos {seconds:7.1f} s   {summary}", flush=True)
                fixed, rate = fit(args.small, args.large, times[args.small], times[args.large])
                results.append({"model": model, "config": name, "small": args.small, "large": args.large,
                                "t_small": times[args.small], "t_large": times[args.large], "fixed": fixed,
                                "rate": rate})
            stages[model] = cpu_stages(model, sources[: min(args.large, 48)], args.batch_size)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{cpu_line()}; {width}x{height} grayscale JPEGs, batch {args.batch_size}; "
          f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}\n")
    base = args.configs[0]
    print(f"| model | engine | {args.small} photos (s) | {args.large} photos (s) | start-up (s) | images/s once "
          f"running | rate vs {base} | {args.large} photos vs {base} | pays from |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:  # against the first configuration (--configs), on the same model
        local = next((b for b in results if b["model"] == r["model"] and b["config"] == args.configs[0]), None)
        ratio = f"{r['rate'] / local['rate']:.2f}x" if local else "-"
        wall = f"{local['t_large'] / r['t_large']:.2f}x" if local else "-"
        if local is None or r is local:
            pays = "-"
        else:
            n = break_even(local, r)
            pays = "never" if n is None else f"{n:,.0f} photos"
        print(f"| {r['model']} | {r['config']} | {r['t_small']:.1f} | {r['t_large']:.1f} | {r['fixed']:.1f} "
              f"| {r['rate']:.2f} | {ratio} | {wall} | {pays} |")
    print("\nCPU time a photo, one thread (ms): what a core spends, however busy the machine")
    print("| model | decode | colorize | encode JPEG | total | photos/s a core |")
    print("|---|---:|---:|---:|---:|---:|")
    for model, cost in stages.items():
        total = sum(cost.values())
        print(f"| {model} | {cost['decode_s'] * 1e3:.1f} | {cost['colorize_s'] * 1e3:.1f} | "
              f"{cost['encode_s'] * 1e3:.1f} | {total * 1e3:.1f} | {1 / total:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_line(), "size": args.size, "batch_size": args.batch_size,
                                         "load_average_start": load, "cpu_seconds_a_photo": stages, "results": results},
                                        indent=2))
    if args.plot:
        plot(results, args.large, args.plot, f"; {args.size} JPEGs, batch {args.batch_size}; load average {load:.0f}")
        print(f"\nplot: {args.plot}")


if __name__ == "__main__":
    main()
