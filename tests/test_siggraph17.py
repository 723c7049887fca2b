"""zhang-siggraph17 against a reference pipeline written from the authors' published description
(richzhang/colorization: SIGGRAPHGenerator and demo_release.py), on identical random weights."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from skimage import color, data
from torch import nn

from zoo_core import ControlError, colorize, create_model, get_model_spec
from zoo_core.io.images import Photo


class ReferenceSIGGRAPH(nn.Module):
    """The authors' generator, written out as their file does (explicit layer lists, BN after the ReLUs)."""

    def __init__(self, classes=529):
        super().__init__()

        def seq(*layers):
            return nn.Sequential(*layers)

        def c(cin, cout, d=1):
            return [nn.Conv2d(cin, cout, 3, 1, d, d, bias=True), nn.ReLU(True)]

        self.model1 = seq(*c(4, 64), *c(64, 64), nn.BatchNorm2d(64))
        self.model2 = seq(*c(64, 128), *c(128, 128), nn.BatchNorm2d(128))
        self.model3 = seq(*c(128, 256), *c(256, 256), *c(256, 256), nn.BatchNorm2d(256))
        self.model4 = seq(*c(256, 512), *c(512, 512), *c(512, 512), nn.BatchNorm2d(512))
        self.model5 = seq(*c(512, 512, 2), *c(512, 512, 2), *c(512, 512, 2), nn.BatchNorm2d(512))
        self.model6 = seq(*c(512, 512, 2), *c(512, 512, 2), *c(512, 512, 2), nn.BatchNorm2d(512))
        self.model7 = seq(*c(512, 512), *c(512, 512), *c(512, 512), nn.BatchNorm2d(512))
        self.model8up = seq(nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=True))
        self.model3short8 = seq(nn.Conv2d(256, 256, 3, 1, 1, bias=True))
        self.model8 = seq(nn.ReLU(True), *c(256, 256), *c(256, 256), nn.BatchNorm2d(256))
        self.model9up = seq(nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=True))
        self.model2short9 = seq(nn.Conv2d(128, 128, 3, 1, 1, bias=True))
        self.model9 = seq(nn.ReLU(True), *c(128, 128), nn.BatchNorm2d(128))
        self.model10up = seq(nn.ConvTranspose2d(128, 128, 4, 2, 1, bias=True))
        self.model1short10 = seq(nn.Conv2d(64, 128, 3, 1, 1, bias=True))
        self.model10 = seq(nn.ReLU(True), nn.Conv2d(128, 128, 3, 1, 1, bias=True), nn.LeakyReLU(negative_slope=0.2))
        self.model_class = seq(nn.Conv2d(256, classes, 1, 1, 0, bias=True))
        self.model_out = seq(nn.Conv2d(128, 2, 1, 1, 0, bias=True), nn.Tanh())
        self.upsample4 = seq(nn.Upsample(scale_factor=4, mode="bilinear"))
        self.softmax = seq(nn.Softmax(dim=1))

    def forward(self, input_A, input_B=None, mask_B=None):
        if input_B is None:
            input_B = torch.cat((input_A * 0, input_A * 0), dim=1)
        if mask_B is None:
            mask_B = input_A * 0
        conv1_2 = self.model1(torch.cat(((input_A - 50.0) / 100.0, input_B / 110.0, mask_B), dim=1))
        conv2_2 = self.model2(conv1_2[:, :, ::2, ::2])
        conv3_3 = self.model3(conv2_2[:, :, ::2, ::2])
        conv4_3 = self.model4(conv3_3[:, :, ::2, ::2])
        conv7_3 = self.model7(self.model6(self.model5(conv4_3)))
        conv8_3 = self.model8(self.model8up(conv7_3) + self.model3short8(conv3_3))
        conv9_3 = self.model9(self.model9up(conv8_3) + self.model2short9(conv2_2))
        conv10_2 = self.model10(self.model10up(conv9_3) + self.model1short10(conv1_2))
        return self.model_out(conv10_2) * 110.0


def _random_weights():
    torch.manual_seed(3)
    reference = ReferenceSIGGRAPH()
    with torch.no_grad():
        for name, tensor in reference.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 1.5)
            elif name.endswith("running_mean"):
                tensor.normal_(0, 0.1)
            elif tensor.is_floating_point():
                tensor.normal_(0, 0.03 if tensor.dim() > 1 else 0.1)
    return reference.eval()


@pytest.fixture(scope="module")
def pair():
    reference = _random_weights()
    ours = create_model("zhang-siggraph17")
    ours.load_state_dict(reference.state_dict(), strict=True)  # the release's keys, as they are
    return reference, ours.eval()


def test_network_matches_the_reference(pair):
    reference, ours = pair
    lightness = torch.rand(2, 1, 64, 48, generator=torch.Generator().manual_seed(0)) * 100
    hint = torch.zeros(2, 2, 64, 48)
    mask = torch.zeros(2, 1, 64, 48)
    hint[:, 0, 10:15, 20:25], hint[:, 1, 10:15, 20:25], mask[:, :, 10:15, 20:25] = 40.0, -30.0, 1.0
    with torch.no_grad():
        assert torch.allclose(ours(lightness), reference(lightness), atol=1e-4)
        assert torch.allclose(ours(lightness, hint, mask), reference(lightness, hint, mask), atol=1e-4)
        assert not torch.allclose(ours(lightness, hint, mask), ours(lightness), atol=1e-2)  # the hint matters
    assert ours.num_parameters() == sum(p.numel() for p in reference.parameters()) == 34_187_027


def _reference_pipeline(model, rgb_uint8, hint=None, mask=None):
    """demo_release.py: PIL bicubic to 256x256, L of both with skimage, bilinear ab back, lab2rgb.

    Returns the image and where it is in gamut: out of gamut the demo clips RGB (which shifts the
    lightness) and colorzoo lowers the chroma instead (which keeps it), by design."""
    resized = np.asarray(Image.fromarray(rgb_uint8).resize((256, 256), resample=3))
    l_orig = torch.tensor(color.rgb2lab(rgb_uint8)[:, :, 0], dtype=torch.float32)[None, None]
    l_rs = torch.tensor(color.rgb2lab(resized)[:, :, 0], dtype=torch.float32)[None, None]
    with torch.no_grad():
        ab = model(l_rs, hint, mask)
    ab = F.interpolate(ab, size=l_orig.shape[2:], mode="bilinear")
    lab = torch.cat((l_orig, ab), dim=1)[0].numpy().transpose(1, 2, 0).astype(np.float64)
    xyz = color.lab2xyz(lab)
    linear = xyz @ np.linalg.inv(color.colorconv.rgb_from_xyz).T  # before clipping: is the color in gamut?
    in_gamut = ((linear >= 0.005) & (linear <= 0.995)).all(axis=2)  # clear of the boundary
    return (np.clip(color.lab2rgb(lab), 0, 1) * 255).round().astype(np.uint8), in_gamut


def test_pipeline_matches_the_reference_automatic_and_with_hints(pair):
    reference, ours = pair
    gray = (color.rgb2gray(data.astronaut()[::2, ::2]) * 255).astype(np.uint8)  # 256 x 256: no resampling
    rgb = np.repeat(gray[..., None], 3, axis=2)
    photo = Photo(None, gray[..., None].astype(np.float32) / 255)
    expected, in_gamut = _reference_pipeline(reference, rgb)
    got = colorize(ours, [photo])[0]
    diff = np.abs(got.astype(int) - expected.astype(int))[in_gamut]
    assert in_gamut.mean() > 0.5 and diff.mean() < 0.3 and diff.max() <= 2, (in_gamut.mean(), diff.mean(), diff.max())

    # a red hint at (x=100, y=60): a 5 x 5 patch of its ab, mask 1, as the demo encodes a user point
    red_ab = color.rgb2lab(np.array([[[1.0, 0.1, 0.1]]]))[0, 0, 1:]
    hint, mask = torch.zeros(1, 2, 256, 256), torch.zeros(1, 1, 256, 256)
    hint[0, 0, 58:63, 98:103], hint[0, 1, 58:63, 98:103], mask[0, 0, 58:63, 98:103] = *map(float, red_ab), 1.0
    expected, in_gamut = _reference_pipeline(reference, rgb, hint, mask)
    got = colorize(ours, [photo], hint=["100,60,#ff1a1a"])[0]
    diff = np.abs(got.astype(int) - expected.astype(int))[in_gamut]
    assert in_gamut.mean() > 0.5 and diff.mean() < 0.3 and diff.max() <= 2, (in_gamut.mean(), diff.mean(), diff.max())
    assert (got != colorize(ours, [photo])[0]).any()  # the hint changed the colors


def test_hint_controls_are_checked(pair, tmp_path):
    _, ours = pair
    photo = Photo(None, np.full((40, 60, 1), 0.5, dtype=np.float32))
    for value, message in [("1,2", "expected X,Y,#RRGGBB"), ("a,2,#ffffff", "whole pixels"),
                            ("1,2,#zzzzzz", "#RRGGBB"), ("-1,2,#ffffff", ">= 0")]:
        with pytest.raises(ControlError, match=f"control hint: .*{message}"):
            colorize(ours, [photo], hint=[value])
    with pytest.raises(ValueError, match="hint 70,10 is outside the 60x40 photo"):
        colorize(ours, [photo], hint=["70,10,#ff0000"])
    opaque = tmp_path / "opaque.png"
    Image.new("RGB", (60, 40), (255, 0, 0)).save(opaque)
    with pytest.raises(ControlError, match="needs transparency"):
        colorize(ours, [photo], hint_image=str(opaque))
    hints = np.zeros((40, 60, 4), dtype=np.uint8)
    hints[5:15, 5:15] = (0, 0, 255, 255)  # a blue square
    Image.fromarray(hints, "RGBA").save(tmp_path / "hints.png")
    blue = colorize(ours, [photo], hint_image=str(tmp_path / "hints.png"))[0]
    plain = colorize(ours, [photo])[0]
    assert np.abs(blue.astype(int) - plain.astype(int)).sum() > 0


def test_cli_hints(cli, tmp_path, pair):
    _, ours = pair
    ours.save_pretrained(tmp_path / "w")
    Image.fromarray(data.camera()[::4, ::4]).save(tmp_path / "cam.png")
    ok = cli("run", "zhang-siggraph17", tmp_path / "cam.png", "--weights", tmp_path / "w", "-o", tmp_path / "o",
             "-c", "hint=10,20,#00ff00", "-c", "hint=60,60,#0000ff", "-c", "hint_size=3")
    assert ok.exit_code == 0, ok.output
    bad = cli("run", "zhang-siggraph17", tmp_path / "cam.png", "--weights", tmp_path / "w", "-o", tmp_path / "p",
              "-c", "hint=10,20,green")
    assert bad.exit_code == 1 and "control hint: expected a color as #RRGGBB" in bad.output
    assert not (tmp_path / "p").exists()
    info = cli("info", "zhang-siggraph17")
    assert "hint (X,Y,#RRGGBB, repeatable)" in " ".join(info.output.split())
    assert get_model_spec("zhang-siggraph17").weight_set("paper").sources[0].size == 136_787_426


def test_simulated_hints_follow_the_paper():
    from colorzoo_zhang.training import simulate_hints

    ab = torch.randn(400, 2, 32, 32) * 30
    hint, mask = simulate_hints(ab, torch.Generator().manual_seed(0))
    without = (mask.flatten(1).amax(1) == 0).float().mean().item()
    assert 0.07 < without < 0.2  # P(no hint) = 1/8
    inside = mask.bool().expand_as(hint)
    assert (hint[~inside] == 0).all() and hint[inside].abs().sum() > 0
