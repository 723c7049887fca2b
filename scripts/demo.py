"""Colorize grayscale versions of photos that scikit-image ships; write a side-by-side grid.

Usage: python scripts/demo.py [MODEL...] [-o DIR] [--weights DIR]
(default: zhang-rebal-lite, zhang-rebal and zhang-euclidean, with the weights bundled in colorzoo-zhang)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from skimage import data

from zoo_core import ColorzooError, colorize, create_model, load_image, pick_device, save_png
from zoo_core.color.lab import join_lab, rgb_to_lightness
from zoo_core.io.grid import image_grid, save_grid

EXAMPLES = ("astronaut", "coffee", "chelsea", "rocket")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["zhang-rebal-lite", "zhang-rebal", "zhang-euclidean"])
    parser.add_argument("-o", "--output", type=Path, default=Path("demo-output"))
    parser.add_argument("--weights", type=Path, help="weights directory (with a single model)")
    args = parser.parse_args()
    inputs = args.output / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)

    device = pick_device("auto")
    try:
        models = {
            name: create_model(name, weights=args.weights, pretrained=True, device=device) for name in args.models
        }
    except ColorzooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    rows = []
    for name in EXAMPLES:
        original = getattr(data, name)()[..., :3]
        gray = np.repeat(_gray(original)[..., None], 3, axis=2)
        gray_path = save_png(gray, inputs / f"{name}.png")
        photo = load_image(gray_path)
        row = [gray]
        for model_name, model in models.items():
            colored = colorize(model, [photo])[0]
            save_png(colored, args.output / f"{name}_{model_name}.png")
            row.append(colored)
        rows.append([*row, original])
    grid = save_grid(image_grid(rows, ["gray input", *models, "original"]), args.output / "grid.png")
    print(f"colorized {len(EXAMPLES)} photos with {', '.join(models)}: {args.output}/, grid: {grid}")
    return 0


def _gray(rgb: np.ndarray) -> np.ndarray:
    """Lightness-preserving gray, uint8 (H, W): what an old photo gives the model."""
    lightness = rgb_to_lightness(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255)
    gray = join_lab(lightness, torch.zeros(2, *lightness.shape[1:]))
    return gray[0].numpy()


if __name__ == "__main__":
    sys.exit(main())
