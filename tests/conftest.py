"""Shared fixtures: tiny models with weights made here, and test images made here or shipped by
scikit-image. Nothing depends on ../shared or on the network."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data
from typer.testing import CliRunner

from zoo_core import create_model
from zoo_core.cli import app

# No test reaches the network unless it says so (loopback servers set their own variables), and
# no test touches the user's caches: colorzoo's and the Hub's caches live in a scratch folder.
_SCRATCH = tempfile.mkdtemp(prefix="colorzoo-tests-")
os.environ.setdefault("COLORZOO_OFFLINE", "1")
os.environ["COLORZOO_HOME"] = os.path.join(_SCRATCH, "colorzoo")
os.environ["HF_HOME"] = os.path.join(_SCRATCH, "hf")


@pytest.fixture(scope="session")
def all_colors() -> np.ndarray:
    """Every 8-bit sRGB color, as float64 (4096, 4096, 3) in [0, 1]."""
    v = np.arange(256, dtype=np.float64) / 255.0
    r, g, b = np.meshgrid(v, v, v, indexing="ij")
    return np.stack([r, g, b], axis=-1).reshape(4096, 4096, 3)


@pytest.fixture(scope="session")
def all_colors_lab(all_colors: np.ndarray) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(all_colors)


@pytest.fixture(scope="session")
def weights_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small zhang-rebal (width 1/8) with random weights, saved the public way."""
    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("weights") / "zhang-rebal"
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def astronaut_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke
