import numpy as np
import pytest
import torch

from zoo_core.color.quantize import (
    AB_BIN_RANGES,
    NUM_BINS,
    ab_bins,
    ab_histogram,
    annealed_mean,
    nearest_bin,
    one_hot_encode,
    rebalance_weights,
    smooth_prior,
    soft_encode,
)


def test_313_bins_on_a_grid_of_10():
    bins = ab_bins()
    assert NUM_BINS == 313 and bins.shape == (313, 2)
    assert len({tuple(b) for b in bins.tolist()}) == 313
    assert torch.all(bins % 10 == 0)
    # a few entries of the published table
    assert [-90.0, 50.0] in bins.tolist() and [100.0, 0.0] in bins.tolist()
    assert [-90.0, 40.0] not in bins.tolist() and [100.0, 10.0] not in bins.tolist()
    assert list(AB_BIN_RANGES) == sorted(AB_BIN_RANGES)


def test_bins_contain_every_rounded_8bit_color(all_colors_lab):
    rounded = np.unique(np.round(all_colors_lab[..., 1:].reshape(-1, 2) / 10) * 10, axis=0)
    bins = {tuple(b) for b in ab_bins().tolist()}
    missing = [tuple(x) for x in rounded.tolist() if tuple(x) not in bins]
    assert missing == []
    assert len(rounded) < NUM_BINS  # the table is larger than the 8-bit gamut


def _random_ab(shape=(2, 2, 6, 7), seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=gen) - 0.5) * 160


def test_soft_encoding_sums_to_one_and_peaks_at_nearest_bin():
    ab = _random_ab()
    encoded = soft_encode(ab)
    assert encoded.shape == (2, 313, 6, 7)
    assert torch.allclose(encoded.sum(dim=1), torch.ones(2, 6, 7), atol=1e-5)
    assert torch.equal(encoded.argmax(dim=1), nearest_bin(ab))
    assert torch.all((encoded > 0).sum(dim=1) == 5)


def test_soft_encoding_gaussian_weights_on_a_bin_center():
    # ab exactly on bin (0, 0): neighbours at distance 10 get exp(-100/50) relative weight.
    ab = torch.zeros(1, 2, 1, 1)
    encoded = soft_encode(ab)[0, :, 0, 0]
    top = encoded.topk(5).values
    assert top[1:].allclose(top[0] * torch.exp(torch.tensor(-2.0)).expand(4), rtol=1e-5)


def test_one_hot_encoding():
    ab = _random_ab()
    encoded = one_hot_encode(ab)
    assert torch.all(encoded.sum(dim=1) == 1)
    assert torch.equal(encoded.argmax(dim=1), nearest_bin(ab))


def test_nearest_bin_is_nearest():
    ab = _random_ab()
    idx = nearest_bin(ab)
    pixels = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    brute = ((pixels[:, None, :] - ab_bins()[None]) ** 2).sum(-1).argmin(1)
    assert torch.equal(idx.flatten(), brute)


def _skewed_prior():
    counts = ab_histogram(_random_ab((4, 2, 16, 16), seed=1) * 0.3)
    return counts / counts.sum()


@pytest.mark.parametrize("sigma", [None, 5.0])
def test_rebalance_weights_have_expectation_one(sigma):
    prior = _skewed_prior()
    weights = rebalance_weights(prior, lam=0.5, sigma=sigma)
    used = smooth_prior(prior, sigma) if sigma else prior
    assert float((used * weights.double()).sum()) == pytest.approx(1.0, abs=1e-5)
    # rare colors weigh more than common ones
    assert weights[used.argmin()] > weights[used.argmax()]


def test_rebalance_lambda_one_is_uniform():
    weights = rebalance_weights(_skewed_prior(), lam=1.0, sigma=None)
    assert torch.allclose(weights, torch.ones(313))


def test_smooth_prior_spreads_mass():
    prior = torch.zeros(313, dtype=torch.float64)
    prior[100] = 1.0
    smoothed = smooth_prior(prior, 5.0)
    assert float(smoothed.sum()) == pytest.approx(1.0)
    center = ab_bins()[100]
    dist2 = ((ab_bins() - center) ** 2).sum(1).double()
    # a Gaussian of sigma 5 in ab: grid neighbours at 10 get exp(-2) of the center's mass
    expected = torch.exp(-dist2 / 50.0)
    assert torch.allclose(smoothed, expected / expected.sum())
    assert smoothed[100] < 1.0


def test_annealed_mean_limits():
    logits = torch.randn(2, 313, 3, 4, generator=torch.Generator().manual_seed(3)) * 2
    bins = ab_bins()
    mean = torch.einsum("bqhw,qc->bchw", torch.softmax(logits, 1), bins)
    mode = bins[logits.argmax(1)].permute(0, 3, 1, 2)
    assert torch.allclose(annealed_mean(logits, 1.0), mean, atol=1e-4)
    assert torch.allclose(annealed_mean(logits, 1e-3), mode, atol=1e-3)
    assert torch.equal(annealed_mean(logits, 0.0), mode)
    # lower temperature, more saturated on average
    sat = [annealed_mean(logits, t).norm(dim=1).mean() for t in (1.0, 0.38, 0.1)]
    assert sat[0] < sat[1] < sat[2]
    with pytest.raises(ValueError):
        annealed_mean(logits, -0.1)


def test_certainty_is_one_for_a_single_bin_and_zero_for_a_flat_distribution():
    from zoo_core import certainty

    logits = torch.zeros(1, 313, 1, 3)
    logits[0, 7, 0, 0] = 200.0  # all on one bin
    logits[0, :2, 0, 2] = 50.0  # shared by two bins
    got = certainty(logits)[0, 0, 0]
    assert got[0] > 0.999 and got[1] < 1e-5
    assert abs(got[2] - (1 - np.log(2) / np.log(313))) < 1e-4
