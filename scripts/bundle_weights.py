"""Copy a trained model directory into its plugin package as compact bundled weights (fp16).

    python scripts/bundle_weights.py runs/zhang-rebal-w05 zhang-rebal [--tag vivid] [--config temperature=1.0]

Writes config.json + model.safetensors into the folder of the model's bundled weight set
(``compact`` unless ``--tag``), with config fields changed by ``--config`` (a decoding temperature
chosen on the tuning split), leaving out frozen pretrained backbones (they load from their own
package), checks the size budget, and prints the sha256 of each file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from zoo_core import ColorzooError, get_model_spec, load_model
from zoo_core.cli.train import parse_values
from zoo_core.weights.download import sha256_of


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="model directory written by colorzoo train")
    parser.add_argument("model", help="registered model name")
    parser.add_argument("--tag", default="compact", help="the bundled weight set to fill")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="a config field to record, as `colorzoo train --set` takes it: temperature=1.0")
    parser.add_argument("--max-mb", type=float, default=20.0)
    args = parser.parse_args()
    spec = get_model_spec(args.model)
    bundled = spec.weight_set(args.tag).bundled
    if bundled is None:
        print(f"error: {spec.name}.{args.tag} is not a bundled weight set", file=sys.stderr)
        return 1
    model = load_model(args.run)
    if model.config.model != spec.name:
        print(f"error: {args.run} holds {model.config.model}, not {spec.name}", file=sys.stderr)
        return 1
    if args.config:
        try:
            fields = {**model.config.to_dict(), **parse_values(args.config, "--config")}
            model.config = type(model.config).from_dict(fields, where="--config")
        except ColorzooError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    target = model.save_pretrained(bundled.path, dtype=torch.float16, omit_frozen=True)
    size_mb = sum(p.stat().st_size for p in target.iterdir()) / 2**20
    for path in sorted(target.iterdir()):
        print(f"{path}: {path.stat().st_size:,} bytes, sha256 {sha256_of(path)}")
    if size_mb > args.max_mb:
        print(f"error: {size_mb:.1f} MB is over the {args.max_mb} MB budget", file=sys.stderr)
        return 1
    print(f"bundled {spec.name} ({model.num_parameters():,} parameters, {size_mb:.1f} MB fp16) in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
