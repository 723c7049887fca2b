import pytest
import torch
from torch import nn

from colorzoo_zhang.losses import OneHotCELoss, RebalancedCELoss, SoftCELoss
from zoo_core import create_loss, create_model, get_model_spec
from zoo_core.color.quantize import NUM_BINS, ab_bins


def _upstream_eccv16_shapes() -> dict[str, tuple[int, ...]]:
    """Keys and shapes of richzhang/colorization's ECCVGenerator state dict, written out."""
    shapes: dict[str, tuple[int, ...]] = {}
    blocks = [
        [(1, 64), (64, 64)],
        [(64, 128), (128, 128)],
        [(128, 256), (256, 256), (256, 256)],
        [(256, 512), (512, 512), (512, 512)],
        [(512, 512)] * 3,
        [(512, 512)] * 3,
        [(512, 512)] * 3,
    ]
    for b, convs in enumerate(blocks, start=1):
        for i, (cin, cout) in enumerate(convs):
            shapes[f"model{b}.{2 * i}.weight"] = (cout, cin, 3, 3)
            shapes[f"model{b}.{2 * i}.bias"] = (cout,)
        bn = f"model{b}.{2 * len(convs)}"
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{bn}.{name}"] = (convs[-1][1],)
        shapes[f"{bn}.num_batches_tracked"] = ()
    shapes["model8.0.weight"] = (512, 256, 4, 4)
    shapes["model8.0.bias"] = (256,)
    for i in (2, 4):
        shapes[f"model8.{i}.weight"] = (256, 256, 3, 3)
        shapes[f"model8.{i}.bias"] = (256,)
    shapes["model8.6.weight"] = (313, 256, 1, 1)
    shapes["model8.6.bias"] = (313,)
    shapes["model_out.weight"] = (2, 313, 1, 1)
    return shapes


def test_zhang_rebal_state_dict_matches_upstream():
    with torch.device("meta"):
        model = create_model("zhang-rebal")
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert ours == _upstream_eccv16_shapes()
    params = model.num_parameters()
    assert params == 32_236_011
    assert params - model.model_out.weight.numel() == 32_235_385


def test_model_out_holds_the_bin_centers():
    model = create_model("zhang-rebal", width_mult=0.125)
    weight = model.model_out.weight[:, :, 0, 0].T * 110
    assert torch.allclose(weight, ab_bins(), atol=1e-4)
    assert not model.model_out.weight.requires_grad


def test_simplified_variant_budget():
    with torch.device("meta"):
        model = create_model("zhang-simplified")
    assert 15.3e6 < model.num_parameters() < 15.5e6
    for index in range(1, 9):
        block = getattr(model, f"model{index}")
        convs = [m for m in block if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        convs = [c for c in convs if c.out_channels != NUM_BINS]  # the classifier head
        assert len(convs) <= 2
        assert all(c.out_channels <= 416 for c in convs)


@pytest.mark.parametrize("name", ["zhang-rebal", "zhang-unbal", "zhang-onehot", "zhang-simplified"])
def test_classification_models_output_logits_at_quarter_resolution(name):
    model = create_model(name, width_mult=0.125).eval()
    logits = model(torch.rand(2, 1, 64, 48) * 100)
    assert logits.shape == (2, 313, 16, 12)
    ab = model.decode(logits, {"temperature": 0.38})
    assert ab.shape == (2, 2, 16, 12)
    assert get_model_spec(name).control("temperature") is not None


def test_euclidean_is_a_regression_head():
    model = create_model("zhang-euclidean", width_mult=0.125).eval()
    out = model(torch.rand(1, 1, 32, 32) * 100)
    assert out.shape == (1, 2, 8, 8)
    assert torch.equal(model.decode(out, {}), out)
    assert get_model_spec("zhang-euclidean").control("temperature") is None
    assert "model_out.weight" not in model.state_dict()


def test_width_multiplier_is_saved_with_the_weights(tmp_path):
    model = create_model("zhang-unbal", width_mult=0.25)
    model.save_pretrained(tmp_path)
    loaded = create_model("zhang-unbal", weights=tmp_path)
    assert loaded.config.width_mult == 0.25
    assert loaded.model1[0].out_channels == 16


def test_default_losses_are_registered():
    assert get_model_spec("zhang-rebal").default_loss == "ce-rebal"
    assert get_model_spec("zhang-euclidean").default_loss == "mse"
    assert isinstance(create_loss("ce"), SoftCELoss)
    assert isinstance(create_loss("ce-onehot"), OneHotCELoss)
    with pytest.raises(ValueError, match="prior"):
        create_loss("ce-rebal")


def _toy_batch():
    gen = torch.Generator().manual_seed(0)
    lightness = torch.rand(2, 1, 32, 32, generator=gen) * 100
    ab = torch.zeros(2, 2, 32, 32)
    ab[:, 0, :16] = 40.0  # a reddish top half
    ab[:, 1, 16:] = -50.0  # a blueish bottom half
    return {"L": lightness, "ab": ab}


@pytest.mark.parametrize(
    "name,loss",
    [
        ("zhang-unbal", "ce"),
        ("zhang-onehot", "ce-onehot"),
        ("zhang-euclidean", "mse"),
        ("zhang-rebal", "ce-rebal"),
    ],
)
def test_a_few_steps_lower_the_loss(name, loss):
    torch.manual_seed(0)
    model = create_model(name, width_mult=0.125).train()
    options = {"prior": torch.ones(313)} if loss == "ce-rebal" else {}
    criterion = create_loss(loss, **options)
    batch = _toy_batch()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        value = criterion(model(batch["L"]), batch)
        value.backward()
        optimizer.step()
        losses.append(value.item())
    assert losses[-1] < 0.7 * losses[0]


def test_rebalanced_loss_upweights_rare_colors():
    prior = torch.ones(313)
    prior[ab_bins().norm(dim=1) < 15] = 1000.0  # grays are common
    criterion = RebalancedCELoss(prior=prior)
    logits = torch.zeros(1, 313, 4, 4)
    gray = {"ab": torch.zeros(1, 2, 4, 4)}
    vivid = {"ab": torch.tensor([60.0, 60.0]).view(1, 2, 1, 1).expand(1, 2, 4, 4)}
    assert criterion(logits, vivid) > 5 * criterion(logits, gray)
