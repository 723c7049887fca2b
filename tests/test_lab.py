import numpy as np
import torch
from skimage.color import lab2rgb

from zoo_core.color.lab import join_lab, lab_to_rgb, rgb_to_lab, rgb_to_lightness


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1)


def test_rgb_to_lab_matches_scikit_image_on_every_8bit_color(all_colors, all_colors_lab):
    ours = rgb_to_lab(_to_tensor(all_colors)).permute(1, 2, 0).double().numpy()
    assert np.abs(ours - all_colors_lab).max() < 0.05


def test_lightness_fast_path_matches_full_conversion(all_colors, all_colors_lab):
    lightness = rgb_to_lightness(_to_tensor(all_colors))[0].double().numpy()
    assert np.abs(lightness - all_colors_lab[..., 0]).max() < 0.05


def test_lab_to_rgb_matches_scikit_image(all_colors_lab):
    sample = all_colors_lab[::16, ::16]
    ours = lab_to_rgb(_to_tensor(sample)).permute(1, 2, 0).double().numpy()
    assert np.abs(ours - lab2rgb(sample)).max() * 255 < 0.05 * 2.55 + 0.01


def test_conversions_are_batched_and_invert():
    rgb = torch.rand(4, 3, 8, 9)
    lab = rgb_to_lab(rgb)
    assert lab.shape == rgb.shape
    assert torch.allclose(lab_to_rgb(lab), rgb, atol=1e-4)


def test_join_lab_in_strips_equals_one_piece():
    rgb = torch.rand(3, 37, 23)
    lab = rgb_to_lab(rgb)
    whole = join_lab(lab[:1], lab[1:], rows_per_chunk=1000)
    strips = join_lab(lab[:1], lab[1:], rows_per_chunk=5)
    assert whole.dtype == torch.uint8
    assert torch.equal(whole, strips)
    assert (whole.float() - rgb * 255).abs().max() <= 0.51


def test_lightness_of_gray_from_one_channel_equals_three():
    gray = torch.rand(2, 1, 16, 16)
    assert torch.allclose(rgb_to_lightness(gray), rgb_to_lightness(gray.expand(2, 3, 16, 16)), atol=1e-4)


def test_yuv_join_keeps_the_luma_and_fits_the_gamut():
    from zoo_core.color.yuv import WEIGHTS, join_luma, rgb_to_yuv, yuv_to_rgb

    rgb = torch.rand(3, 40, 40, generator=torch.Generator().manual_seed(0))
    yuv = rgb_to_yuv(rgb)
    assert torch.allclose(yuv_to_rgb(yuv), rgb, atol=2e-3)  # OpenCV's rounded coefficients
    assert torch.allclose(join_luma(yuv[:1], yuv[1:]), rgb, atol=2e-3)  # in gamut: unchanged
    wild = torch.randn(2, 40, 40, generator=torch.Generator().manual_seed(1))  # far out of gamut
    out = join_luma(yuv[:1], wild)
    assert out.min() >= 0 and out.max() <= 1
    luma = sum(w * c for w, c in zip(WEIGHTS, out, strict=True))
    assert torch.allclose(luma, yuv[0], atol=2e-3)  # the luma is kept where clipping would change it


def test_join_lab_upsamples_chroma_like_one_bilinear_interpolation():
    """The strip-wise separable upsampling equals F.interpolate of the whole chroma map."""
    generator = torch.Generator().manual_seed(3)
    lightness = torch.rand(1, 301, 203, generator=generator) * 100
    small = (torch.rand(2, 19, 13, generator=generator) - 0.5) * 120  # partly out of gamut
    full = torch.nn.functional.interpolate(small[None], size=(301, 203), mode="bilinear", align_corners=False)[0]
    expected = join_lab(lightness, full, rows_per_chunk=1000)
    for rows in (7, 64, 1000):
        difference = (join_lab(lightness, small, rows_per_chunk=rows).int() - expected.int()).abs()
        # Float rounding differs by ~1e-4 ab; near the gamut's edge (steep sRGB curve at 0) that
        # can move a fitted pixel by a few levels: a handful of pixels in 60,000.
        assert (difference > 0).float().mean() < 1e-3 and (difference > 1).float().mean() < 1e-4


def test_join_lab_keeps_lightness_when_it_fits_the_gamut():
    """Out-of-gamut chroma is shrunk, not clipped: the output's L stays the input's."""
    lightness = torch.linspace(5, 95, 64).expand(1, 8, 64).contiguous()
    ab = torch.tensor([90.0, -90.0])[:, None, None].expand(2, 8, 64)  # far outside sRGB
    out = join_lab(lightness, ab)
    assert (rgb_to_lightness(out.float() / 255) - lightness).abs().max() < 0.6
    assert out.float().std(dim=0).mean() > 5  # still colored
