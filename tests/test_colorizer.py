import json

import pytest
import torch
from safetensors.torch import save_file

from zoo_core import NoWeightsError, WeightsError, create_model, load_model
from zoo_core.models.format import CONFIG_NAME, WEIGHTS_NAME


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(1)
    model = create_model("zhang-rebal", width_mult=0.125).eval()
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]
    config = json.loads((tmp_path / CONFIG_NAME).read_text())
    assert config["model"] == "zhang-rebal" and config["width_mult"] == 0.125
    loaded = load_model(tmp_path)  # class picked by the registry, from the config's name
    assert type(loaded) is type(model) and loaded.spec.name == "zhang-rebal"
    x = torch.rand(1, 1, 32, 32) * 100
    assert torch.equal(model.predict(x), loaded.predict(x))


def test_fp16_weights_load_into_float32(tmp_path):
    model = create_model("zhang-euclidean", width_mult=0.125).eval()
    model.save_pretrained(tmp_path, dtype=torch.float16)
    loaded = create_model("zhang-euclidean", weights=tmp_path)
    assert loaded.model1[0].weight.dtype == torch.float32
    x = torch.rand(1, 1, 32, 32) * 100
    assert torch.allclose(model.predict(x), loaded.predict(x), atol=0.5)


def test_a_lone_safetensors_file_carries_its_config(tmp_path):
    create_model("zhang-unbal", width_mult=0.125).save_pretrained(tmp_path / "d")
    lone = tmp_path / "lone.safetensors"
    (tmp_path / "d" / WEIGHTS_NAME).rename(lone)
    loaded = create_model("zhang-unbal", weights=lone)
    assert loaded.config.width_mult == 0.125


def test_pickles_are_never_loaded(tmp_path):
    model = create_model("zhang-unbal", width_mult=0.125)
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    with pytest.raises(WeightsError, match=r"only \.safetensors"):
        create_model("zhang-unbal", weights=path)


def test_weights_for_another_model_are_refused(weights_dir):
    with pytest.raises(WeightsError, match="for 'zhang-rebal', not 'zhang-unbal'"):
        create_model("zhang-unbal", weights=weights_dir)


def test_weights_that_do_not_fit_name_the_tensor(tmp_path):
    model = create_model("zhang-rebal", width_mult=0.125)
    model.save_pretrained(tmp_path)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    state["model1.0.weight"] = torch.zeros(3, 1, 3, 3)
    del state["model2.0.bias"]
    save_file(state, tmp_path / WEIGHTS_NAME)
    with pytest.raises(WeightsError, match=r"missing \['model2.0.bias'\].*model1.0.weight is \(3, 1, 3, 3\)"):
        create_model("zhang-rebal", weights=tmp_path)


def test_garbage_weights_file_is_a_clear_error(tmp_path):
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(tmp_path)
    (tmp_path / WEIGHTS_NAME).write_bytes(b"not safetensors at all")
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        create_model("zhang-rebal", weights=tmp_path)


def test_no_weights_refuses_with_what_to_do():
    # zhang-onehot ships no weights (zhang-rebal, -unbal and -euclidean do)
    with pytest.raises(NoWeightsError, match=r"no weights for zhang-onehot: .*--weights"):
        create_model("zhang-onehot", pretrained=True)


def test_every_load_path_attaches_the_spec_so_controls_are_checked(tmp_path):
    """from_pretrained, load_model and create_model(weights=) load the same way: a misspelt control is refused."""
    import numpy as np

    from colorzoo_zhang.lite import LiteColorizer
    from colorzoo_zhang.model import ZhangColorizer
    from zoo_core import ControlError, Photo, colorize

    create_model("zhang-rebal", width_mult=0.125).save_pretrained(tmp_path)
    photo = Photo(None, np.full((16, 16, 3), 0.5, dtype=np.float32))
    for model in (ZhangColorizer.from_pretrained(tmp_path), load_model(tmp_path),
                  create_model("zhang-rebal", weights=tmp_path)):
        assert model.spec.name == "zhang-rebal" and not model.training
        with pytest.raises(ControlError, match="no control 'saturaton'"):
            colorize(model, [photo], saturaton=2.0)
        assert colorize(model, [photo], temperature=0.2)[0].shape == (16, 16, 3)
    with pytest.raises(WeightsError, match=r"for zhang-rebal \(ZhangColorizer\), not LiteColorizer"):
        LiteColorizer.from_pretrained(tmp_path)


def test_every_model_takes_the_saturation_control_and_its_weights_may_record_one(tmp_path):
    import numpy as np

    from zoo_core import Photo, colorize, get_model_spec, list_models
    from zoo_core.color.lab import rgb_to_lab

    assert all(spec.control("saturation") is not None for spec in list_models())
    assert [c.name for c in get_model_spec("zhang-rebal").own_controls] == ["temperature", "caution"]
    torch.manual_seed(3)
    create_model("zhang-euclidean", width_mult=0.125).save_pretrained(tmp_path / "m")
    model = load_model(tmp_path / "m")
    photo = Photo(None, np.random.default_rng(0).random((24, 24, 1), dtype=np.float32))

    def chroma(**controls):
        out = colorize(model, [photo], **controls)[0]
        return rgb_to_lab(torch.from_numpy(out).permute(2, 0, 1)[None].float() / 255)[0, 1:]

    assert chroma(saturation=0).abs().max() < 1.0  # gray, up to 8-bit rounding
    plain, double = chroma().abs().mean(), chroma(saturation=2.0).abs().mean()
    assert 1.6 * plain < double  # (gamut fitting may trim the most saturated)
    config = json.loads((tmp_path / "m" / CONFIG_NAME).read_text())
    (tmp_path / "m" / CONFIG_NAME).write_text(json.dumps({**config, "saturation": 2.0}))
    model = load_model(tmp_path / "m")
    assert model.config.saturation == 2.0
    assert torch.allclose(chroma(), chroma(saturation=2.0))  # the weights' own default
