"""Start-up time of the command line: what a user waits before anything happens.

    python benchmarks/bench_startup.py [--repeats 5]

Each command runs in a fresh process (the median of ``--repeats`` runs). Targets: ``--version``,
``--help`` and every ``CMD --help`` under 0.5 s; ``list`` and ``info`` under 1.0 s. Two references
are measured in the same run: a bare ``python -c pass`` (the floor) and ``python -c "import torch"``
(what every command paid before specs became data).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = ["run", "train", "priors", "eval", "compare", "bench", "download", "import", "publish", "cache", "serve",
            "list", "info"]


def timed(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("colorzoo", path=str(Path(sys.executable).parent)) or "colorzoo"
    rows = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
        ("python -c 'import torch' (reference)", [sys.executable, "-c", "import torch"], None),
        ("colorzoo --version", [exe, "--version"], 0.5),
        ("colorzoo --help", [exe, "--help"], 0.5),
        *((f"colorzoo {c} --help", [exe, c, "--help"], 0.5) for c in COMMANDS),
        ("colorzoo list", [exe, "list"], 1.0),
        ("colorzoo info zhang-rebal", [exe, "info", "zhang-rebal"], 1.0),
    ]
    print(f"| command | seconds (median of {args.repeats}) | target | |")
    print("|---|---:|---:|---|")
    failed = 0
    for label, cmd, target in rows:
        seconds = timed(cmd, args.repeats)
        verdict = "" if target is None else ("ok" if seconds <= target else "OVER")
        failed += verdict == "OVER"
        print(f"| {label} | {seconds:.3f} | {'' if target is None else f'{target:.1f}'} | {verdict} |", flush=True)
    print(f"\n{failed} over target" if failed else "\nall within target")


if __name__ == "__main__":
    main()
