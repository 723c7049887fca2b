"""Fréchet Inception Distance, as DDColor's paper reports it, with its weights from a verified source.

The feature extractor is torch-fidelity's InceptionV3 port of the TensorFlow FID network (the
standard FID features: 2048-d pool features of uint8 images resized to 299 the TF1 way). Its
weights (96 MB, Apache-2.0) come from torch-fidelity's release, fetched once, size- and
sha256-checked, into colorzoo's cache; offline and not cached, FID is skipped with a one-line
notice and the other metrics are reported. FID needs many images to be stable: on a few hundred,
compare models with each other on the same images rather than with published values.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..errors import NoWeightsError
from ..spec import ReleaseFile
from ..weights import cache
from ..weights.download import fetch_release, is_offline

INCEPTION = ReleaseFile(
    url="https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",
    sha256="6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
    size=95_628_359,
)
INCEPTION_LICENSE = "Apache-2.0"


def inception_path() -> Path:
    return cache.cache_root() / "metrics" / INCEPTION.filename


def inception_weights(download: bool = True, on_progress: Callable[[int, int | None], None] | None = None) -> Path:
    """The checked Inception weights file: cached, or fetched now (raises ``NoWeightsError`` when neither)."""
    path = inception_path()
    if path.is_file():
        return path
    if not download or is_offline():
        raise NoWeightsError(
            "its Inception weights are not cached and the network is off; run `colorzoo download fid-inception` "
            "once online"
        )
    try:
        fetched, _ = fetch_release(INCEPTION, on_progress)
    except NoWeightsError as exc:
        raise NoWeightsError(f"its Inception weights are not cached and could not be downloaded ({exc}); run "
                             "`colorzoo download fid-inception` once online") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(fetched, path)
    return path


class InceptionFeatures(torch.nn.Module):
    """uint8 RGB (N, 3, H, W) -> the 2048 FID features (N, 2048), float64."""

    num_features = 2048

    def __init__(self, weights: str | os.PathLike[str]) -> None:
        super().__init__()
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        self.net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"],
                                               feature_extractor_weights_path=str(weights))
        self.net.eval()

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)[0].double()


def load_extractor(device: torch.device, download: bool = True) -> Any:
    """The FID feature extractor on ``device`` (``NoWeightsError`` with the reason when it cannot be had)."""
    return InceptionFeatures(inception_weights(download)).to(device).eval()


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID between two sets of features (N, D): ||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))."""
    if real.shape[0] < 2 or fake.shape[0] < 2:
        raise ValueError("FID needs at least two images on each side")
    real, fake = real.double(), fake.double()
    mu_r, mu_f = real.mean(0), fake.mean(0)
    cov_r, cov_f = torch.cov(real.T), torch.cov(fake.T)
    # Tr((S_r S_f)^(1/2)) is the sum of the square roots of the eigenvalues of S_r S_f (real, >= 0 up to noise)
    eigenvalues = torch.linalg.eigvals(cov_r @ cov_f)
    trace_sqrt = eigenvalues.sqrt().real.sum()
    return float((mu_r - mu_f).square().sum() + cov_r.trace() + cov_f.trace() - 2 * trace_sqrt)
