"""DeOldify's generators in plain PyTorch, written for colorzoo from the released design (no fastai).

A torchvision ResNet body (ResNet-34 for Artistic, ResNet-101 for Stable and Video) and a fastai v1
"dynamic U-Net" decoder: a middle block, four pixel-shuffle U-Net blocks (``DynamicUnetDeep``:
two convolutions per block, ``DynamicUnetWide``: one, wider), self-attention in the second block,
spectral norm on the decoder's convolutions (torch's ``spectral_norm``, as the release: the stored
u, v are used in evaluation, one power iteration per training step), a weight-normalized final
pixel shuffle, the input image concatenated back, a residual block, a 1x1 conv and a sigmoid to
(-3, 3): ImageNet-normalized RGB. Module indices (``layers.N``) follow the released state dicts.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

BODIES = {
    "resnet18": (64, 64, 128, 256, 512),  # not released: small variants for tests and experiments
    "resnet34": (64, 64, 128, 256, 512),
    "resnet101": (64, 256, 512, 1024, 2048),
}
"""ResNet -> channels of (stem ReLU, layer1, layer2, layer3, layer4)."""


def spectral_conv(ni: int, nf: int, kernel: int = 3, bias: bool = False, one_d: bool = False) -> nn.Module:
    conv = (nn.Conv1d if one_d else nn.Conv2d)(ni, nf, kernel, padding=(kernel - 1) // 2, bias=bias)
    nn.init.kaiming_normal_(conv.weight)
    if bias:
        nn.init.zeros_(conv.bias)
    return nn.utils.spectral_norm(conv)


class SelfAttention(nn.Module):
    """SAGAN self-attention: softmax over the first index of f^T g, no 1/sqrt(d), gamma starting at 0."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.query = spectral_conv(channels, channels // 8, 1, one_d=True)
        self.key = spectral_conv(channels, channels // 8, 1, one_d=True)
        self.value = spectral_conv(channels, channels, 1, one_d=True)
        self.gamma = nn.Parameter(torch.tensor([0.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.view(*shape[:2], -1)
        f, g, h = self.query(x), self.key(x), self.value(x)
        beta = F.softmax(torch.bmm(f.permute(0, 2, 1).contiguous(), g), dim=1)
        return (self.gamma * torch.bmm(h, beta) + x).view(*shape).contiguous()


def conv_relu_bn(ni: int, nf: int, attention: bool = False) -> nn.Sequential:
    """3x3 spectral conv (no bias), ReLU, BatchNorm (and self-attention): fastai's custom_conv_layer."""
    layers = [spectral_conv(ni, nf), nn.ReLU(inplace=True), nn.BatchNorm2d(nf)]
    if attention:
        layers.append(SelfAttention(nf))
    return nn.Sequential(*layers)


def blur(x: torch.Tensor) -> torch.Tensor:
    """The anti-checkerboard blur after every pixel shuffle: replicate-pad left/top, 2x2 mean."""
    return F.avg_pool2d(F.pad(x, (1, 0, 1, 0), mode="replicate"), 2, stride=1)


class ShuffleUp(nn.Module):
    """1x1 spectral conv (no bias) + BatchNorm to 4x the channels, ReLU, PixelShuffle(2), blur."""

    def __init__(self, ni: int, nf: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(spectral_conv(ni, nf * 4, 1), nn.BatchNorm2d(nf * 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return blur(F.pixel_shuffle(F.relu(self.conv(x), inplace=True), 2))


class _UnetBlock(nn.Module):
    def _join(self, up: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        if skip.shape[-2:] != up.shape[-2:]:  # odd sizes (odd render factors): the release's legacy nearest
            up = F.interpolate(up, skip.shape[-2:], mode="nearest")
        return F.relu(torch.cat([up, self.bn(skip)], dim=1))


class UnetBlockDeep(_UnetBlock):
    """Artistic: upsample to half the channels, two convolutions of ``nf_factor`` x the joined width."""

    def __init__(self, up_in: int, skip_in: int, final: bool, nf_factor: float, attention: bool) -> None:
        super().__init__()
        self.shuf = ShuffleUp(up_in, up_in // 2)
        self.bn = nn.BatchNorm2d(skip_in)
        ni = up_in // 2 + skip_in
        self.out_channels = int((ni // 2 if final else ni) * nf_factor)
        self.conv1 = conv_relu_bn(ni, self.out_channels)
        self.conv2 = conv_relu_bn(self.out_channels, self.out_channels, attention)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(self._join(self.shuf(x), skip)))


class UnetBlockWide(_UnetBlock):
    """Stable and Video: upsample to ``n_out / 2`` channels, one convolution to ``n_out / 2``."""

    def __init__(self, up_in: int, skip_in: int, n_out: int, attention: bool) -> None:
        super().__init__()
        half = n_out // 2
        self.shuf = ShuffleUp(up_in, half)
        self.bn = nn.BatchNorm2d(skip_in)
        self.conv = conv_relu_bn(half + skip_in, half, attention)
        self.out_channels = half

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(self._join(self.shuf(x), skip))


class FinalShuffle(nn.Module):
    """fastai's PixelShuffle_ICNR with its default weight norm: 1x1 conv (bias) to 4x, ReLU, shuffle, blur."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        conv = nn.Conv2d(channels, channels * 4, 1)
        nn.init.zeros_(conv.bias)
        with warnings.catch_warnings():  # the release's hook-based weight norm (weight_g, weight_v keys)
            warnings.simplefilter("ignore", FutureWarning)
            self.conv = nn.Sequential(nn.utils.weight_norm(conv))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return blur(F.pixel_shuffle(F.relu(self.conv(x), inplace=True), 2))


class ResBlock(nn.Module):
    """x + ReLU(conv(ReLU(conv(x)))) with two 3x3 spectral convs with bias (fastai's res_block, Spectral)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(spectral_conv(channels, channels, bias=True), nn.ReLU(inplace=True)) for _ in range(2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers[1](self.layers[0](x))


def resnet_body(name: str) -> nn.Sequential:
    """torchvision's ResNet without its pooling and classifier: conv1, bn1, relu, maxpool, layer1..4."""
    net = getattr(torchvision.models, name)(weights=None)
    return nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4)


class DynamicUnet(nn.Module):
    """ImageNet-normalized gray RGB (B, 3, H, W) -> ImageNet-normalized RGB in (-3, 3); H, W even."""

    SKIPS = (6, 5, 4, 2)
    """Body children whose outputs feed the U-Net blocks: layer3, layer2, layer1, the stem's ReLU."""

    def __init__(self, body: str = "resnet34", deep: bool = True, nf_factor: float = 1.5) -> None:
        super().__init__()
        stem, c1, c2, c3, c4 = BODIES[body]
        middle = nn.Sequential(conv_relu_bn(c4, c4 * 2), conv_relu_bn(c4 * 2, c4))
        blocks, width = [], c4
        for i, skip in enumerate((c3, c2, c1, stem)):
            final, attention = i == 3, i == 1
            if deep:
                block = UnetBlockDeep(width, skip, final, nf_factor, attention)
            else:
                n_out = int(512 * nf_factor)
                block = UnetBlockWide(width, skip, n_out // 2 if final else n_out, attention)
            blocks.append(block)
            width = block.out_channels
        self.layers = nn.ModuleList([
            resnet_body(body), nn.BatchNorm2d(c4), nn.ReLU(), middle, *blocks, FinalShuffle(width),
            nn.Identity(),  # 9: the input image is concatenated here (fastai's MergeLayer)
            ResBlock(width + 3), nn.Sequential(spectral_conv(width + 3, 3, 1, bias=True)),
            nn.Identity(),  # 12: sigmoid to (-3, 3)
        ])
        converge_spectral_norms(self)


@torch.no_grad()
def converge_spectral_norms(module: nn.Module, iterations: int = 15) -> None:
    """Power iterations for every spectral norm's u, v: a new model's random u, v can make sigma tiny or
    negative and its activations blow up (trained weights carry converged ones)."""
    for sub in module.modules():
        if hasattr(sub, "weight_orig") and hasattr(sub, "weight_u"):
            matrix = sub.weight_orig.reshape(sub.weight_orig.shape[0], -1)
            u = sub.weight_u
            for _ in range(iterations):
                v = F.normalize(matrix.t() @ u, dim=0, eps=1e-12)
                u = F.normalize(matrix @ v, dim=0, eps=1e-12)
            sub.weight_u.copy_(u)
            sub.weight_v.copy_(v)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return unet_forward(self.layers, x)


def unet_forward(layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
    """The released generator's forward over its ``layers`` (see ``DynamicUnet``)."""
    skips = {}
    y = x
    for index, child in enumerate(layers[0]):
        y = child(y)
        if index in DynamicUnet.SKIPS:
            skips[index] = y
    y = layers[3](F.relu(layers[1](y)))
    for block, index in zip(layers[4:8], DynamicUnet.SKIPS, strict=True):
        y = block(y, skips[index])
    y = torch.cat([layers[8](y), x], dim=1)
    y = layers[11](layers[10](y))
    return torch.sigmoid(y) * 6.0 - 3.0
