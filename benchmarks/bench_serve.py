"""What the web page costs over the Python API, and what keeping a model loaded saves.

    python benchmarks/bench_serve.py [--model zhang-rebal-lite] [--size 1024] [--repeats 5]

Starts ``colorzoo serve --port 0`` (loopback), then colorizes one gray photo (``--size`` pixels
square, scikit-image's astronaut) through its HTTP API with gradio's client: the first call loads
the model, the next ones find it kept in memory. The baseline, measured in the same run and
interleaved with the API calls: the same photo through ``zoo_core.colorize`` in this process with
the model already loaded (what a script pays). Reported: the server's start-up, the first call,
the median later call, and the ratio of a kept-model call to the baseline (upload, queue, PNG
encode and download included). Target: a call with the model kept costs at most 2x the baseline.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_RATIO = 2.0


def start_server(exe: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    began = time.perf_counter()
    process = subprocess.Popen([str(exe), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "http://" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(300):
        process.kill()
        raise SystemExit("colorzoo serve did not start:\n" + "".join(lines))
    url = re.search(r"http://\S+/", next(line for line in lines if "http://" in line)).group(0)
    return process, url, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="zhang-rebal-lite")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import numpy as np
    from gradio_client import Client, handle_file
    from PIL import Image
    from skimage import data

    from zoo_core import colorize, create_model, load_image

    scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    photo = scratch / "gray.png"
    Image.fromarray(data.astronaut()).convert("L").resize((args.size, args.size)).save(photo)

    model = create_model(args.model, pretrained=True)
    exe = Path(sys.executable).parent / "colorzoo"
    process, url, startup = start_server(exe, dict(os.environ))
    try:
        client = Client(url, verbose=False)
        baseline, calls = [], []
        for _ in range(args.repeats + 1):  # interleaved, so that a busy machine slows both alike
            began = time.perf_counter()
            colorize(model, [load_image(photo)])
            baseline.append(time.perf_counter() - began)
            began = time.perf_counter()
            result = client.predict(handle_file(str(photo)), args.model, "{}", api_name="/colorize")
            calls.append(time.perf_counter() - began)
        assert np.asarray(Image.open(result)).shape[:2] == (args.size, args.size)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    base = statistics.median(baseline[1:])  # the first call warms up
    kept = statistics.median(calls[1:])
    ratio = kept / base
    print(f"{args.model}, a {args.size}x{args.size} gray photo, {os.cpu_count()} CPUs")
    print("| | seconds |\n|---|---:|")
    print(f"| server start-up (command to listening) | {startup:.2f} |")
    print(f"| in-process colorize, model loaded (baseline, median of {args.repeats}) | {base:.3f} |")
    print(f"| HTTP API, first call (loads the model) | {calls[0]:.3f} |")
    print(f"| HTTP API, model kept (median of {args.repeats}) | {kept:.3f} |")
    print(f"\nkept-model call / baseline: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x): "
          f"{'ok' if ratio <= TARGET_RATIO else 'OVER'}")


if __name__ == "__main__":
    main()
