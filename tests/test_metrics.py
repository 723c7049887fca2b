import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from zoo_core.color.quantize import NUM_BINS
from zoo_core.evaluation import metrics


def _pair(seed=0, shape=(3, 3, 48, 40), noise=40):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, shape).astype(np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-noise, noise, shape), 0, 255).astype(np.uint8)
    return a, b


def test_psnr_and_ssim_match_scikit_image():
    a, b = _pair()
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    for i in range(a.shape[0]):
        x, y = a[i].transpose(1, 2, 0), b[i].transpose(1, 2, 0)
        assert float(metrics.psnr(ta, tb)[i]) == pytest.approx(peak_signal_noise_ratio(x, y, data_range=255), abs=1e-3)
        reference = structural_similarity(x, y, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=255)
        assert float(metrics.ssim(ta, tb)[i]) == pytest.approx(reference, abs=2e-3)


def test_rmse_against_numpy():
    a, b = _pair(1)
    expected = np.sqrt(((a.astype(float) - b) ** 2).mean(axis=(1, 2, 3)))
    assert np.allclose(metrics.rmse_rgb(torch.from_numpy(a), torch.from_numpy(b)).numpy(), expected, atol=1e-4)
    lab_a, lab_b = metrics.lab_of(torch.from_numpy(a)), metrics.lab_of(torch.from_numpy(b))
    d = (lab_a[:, 1:] - lab_b[:, 1:]).numpy()
    assert np.allclose(metrics.rmse_ab(lab_a, lab_b).numpy(), np.sqrt((d**2).sum(1).mean(axis=(1, 2))), atol=1e-3)


def test_auc_of_truth_against_itself_is_100():
    a, _ = _pair(2)
    lab = metrics.lab_of(torch.from_numpy(a))
    assert torch.allclose(metrics.auc(metrics.ab_accuracy_curve(lab, lab)), torch.full((3,), 100.0))


def test_accuracy_curve_against_brute_force():
    torch.manual_seed(0)
    true = torch.rand(2, 3, 16, 16) * torch.tensor([100, 200, 200]).view(1, 3, 1, 1) - torch.tensor([0, 100, 100]).view(
        1, 3, 1, 1
    )
    pred = true + torch.randn(2, 3, 16, 16) * 40
    curve = metrics.ab_accuracy_curve(pred, true)
    error = (pred[:, 1:] - true[:, 1:]).norm(dim=1).flatten(1)
    brute = torch.stack([(error <= t).float().mean(dim=1) for t in range(151)], dim=1)
    assert torch.allclose(curve, brute, atol=1e-6)
    # a constant error of 5: the curve steps at 5, AuC = 145.5 / 150
    shifted = true.clone()
    shifted[:, 1] += 3
    shifted[:, 2] += 4
    auc = metrics.auc(metrics.ab_accuracy_curve(shifted, true))
    assert torch.allclose(auc, torch.full((2,), 100 * 145.5 / 150), atol=1e-3)


def test_rebalanced_auc_counts_rare_colors():
    true = torch.zeros(1, 3, 10, 10)
    true[:, 0] = 50
    true[:, 1, :, :1] = 60  # one column of saturated red: rare
    pred = true.clone()
    pred[:, 1:] = 0  # a gray prediction
    prior = torch.zeros(NUM_BINS, dtype=torch.float64)
    from zoo_core.color.quantize import ab_histogram

    prior = ab_histogram(true[:, 1:]) / 100
    weights = metrics.rebalance_pixel_weights(true, prior)
    plain = metrics.auc(metrics.ab_accuracy_curve(pred, true))
    rebalanced = metrics.auc(metrics.ab_accuracy_curve(pred, true, weights))
    assert float(plain) > 90 and float(rebalanced) < float(plain) - 15


def test_colorfulness():
    gray = torch.full((1, 3, 8, 8), 128, dtype=torch.uint8)
    assert float(metrics.colorfulness(gray)) == 0.0
    rgb = torch.from_numpy(_pair(3)[0])
    r, g, b = (rgb.float()[:, i].flatten(1).numpy() for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    expected = np.sqrt(rg.var(1) + yb.var(1)) + 0.3 * np.sqrt(rg.mean(1) ** 2 + yb.mean(1) ** 2)
    assert np.allclose(metrics.colorfulness(rgb).numpy(), expected, rtol=1e-5)
    vivid = torch.zeros(1, 3, 8, 8, dtype=torch.uint8)
    vivid[:, 0, :4] = 255
    vivid[:, 2, 4:] = 255
    assert float(metrics.colorfulness(vivid)) > 100


def test_paired_difference():
    rng = np.random.default_rng(1)
    base = rng.uniform(80, 95, size=400)
    shifted = metrics.paired_difference(base + 1.0, base)
    assert shifted == {"mean": pytest.approx(1.0), "low": pytest.approx(1.0), "high": pytest.approx(1.0),
                       "wins": 400, "images": 400}
    noisy = base + 0.5 + rng.normal(0, 1, size=400)
    d = metrics.paired_difference(noisy, base)
    half_width = 1.96 * np.std(noisy - base) / np.sqrt(400)  # the normal approximation
    assert d["low"] < d["mean"] < d["high"]
    assert d["high"] - d["low"] == pytest.approx(2 * half_width, rel=0.15)
    assert d["wins"] == int((noisy > base).sum()) and 250 < d["wins"] < 400
    assert metrics.paired_difference(noisy, base) == d  # seeded: the same report twice
    with pytest.raises(ValueError):
        metrics.paired_difference([], [])
